"""`warroom serve`: the API on uvicorn, one log line per request, and a
shutdown on SIGTERM/SIGINT that ends open streams instead of waiting for them."""

from __future__ import annotations

import logging
import sys
from types import FrameType

import uvicorn

from warroom.server.app import HEARTBEAT_SECONDS, create_app
from warroom.store.base import Store

# Streams end as soon as the signal arrives; this bounds any other request.
GRACEFUL_SECONDS = 3.0
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


class _Server(uvicorn.Server):
    """uvicorn, but a shutdown signal also ends the app's live streams (uvicorn
    would otherwise wait for them until the graceful timeout)."""

    def __init__(self, config: uvicorn.Config, on_exit: object) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()  # type: ignore[operator]
        super().handle_exit(sig, frame)


def configure_logging() -> None:
    """warroom's and uvicorn's messages as plain lines on stderr.  uvicorn's
    access log stays off: it would print query strings."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for name in ("warroom.server", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True


def serve(
    store: Store, host: str = "127.0.0.1", port: int = 8080, heartbeat: float = HEARTBEAT_SECONDS
) -> int:
    """Serve `store` until SIGTERM or SIGINT; returns the exit status."""
    configure_logging()
    app = create_app(store, heartbeat=heartbeat)
    # One process (no `workers`): every append goes through the app's one
    # group-commit writer, which cannot span processes.  `http` and `loop`
    # stay "auto": uvicorn takes httptools (a dependency: ~10% less CPU per
    # request than h11, needed for the 800 POST/s target) and uvloop if
    # installed; access_log is off, AccessLog logs instead;
    # no X-Forwarded-* handling: nothing here uses the client's address.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        proxy_headers=False,
    )
    server = _Server(config, app.state.hub.stop)
    server.run()
    return 0 if server.started else 1
