"""The warroom server: an HTTP API over the store, live streams, tokens.

`app.create_app` builds the FastAPI application; `run.serve` runs it on
uvicorn.  `tokens` imports no web framework, so `warroom token ...` stays light.
"""
