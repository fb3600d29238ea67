"""`warroom serve` with what its command line does not offer, for tests.

Run as a script: `python launch.py DB PORT OPTIONS`, OPTIONS a JSON object of
`serve`'s keyword arguments (`page`: the `[statuspage]` table), plus
`max_page_count` (a size limit on the store's file: writes beyond it fail as on a full disk).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from warroom.server.run import serve
from warroom.store import schema
from warroom.store.sqlite import SQLiteStore


def main(db: str, port: str, options_text: str) -> int:
    options = json.loads(options_text)
    pages = options.pop("max_page_count", None)
    if pages is not None:
        connect = schema.connect  # every connection of the store is made by it

        def limited(path: Path) -> sqlite3.Connection:
            conn = connect(path)
            conn.execute(f"PRAGMA max_page_count = {int(pages)}")
            return conn

        schema.connect = limited
    store = SQLiteStore(db)
    return serve(store, port=int(port), **options)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
