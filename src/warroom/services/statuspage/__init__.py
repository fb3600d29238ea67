"""The public status page for every face: the public incidents read from a
store (`board`), the page as HTML (`render`), the files of a static export
(`export`), kept current by following the store's live stream (`follow`).
The server serves exactly what `export` writes."""
