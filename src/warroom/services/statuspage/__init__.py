"""The public status page for every face: the public incidents read from a
store (`board`), the page as HTML (`render`) and the files of a static export
(`export`).  The server serves exactly what `export` writes."""
