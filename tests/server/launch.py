"""`warroom serve` with what its command line does not offer, for tests.

Run as a script: `python launch.py DB PORT OPTIONS`, OPTIONS a JSON object of
`serve`'s keyword arguments, plus `max_page_count` (a size limit on the
store's file: writes beyond it fail as on a full disk).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from sqlalchemy import event

from warroom.server.run import serve
from warroom.store.sqlite import SQLiteStore


def main(db: str, port: str, options_text: str) -> int:
    options = json.loads(options_text)
    store = SQLiteStore(db)
    pages = options.pop("max_page_count", None)
    if pages is not None:

        @event.listens_for(store.engine, "connect")
        def _limit(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {int(pages)}")

        store.engine.dispose()  # (connections made so far have no limit)
    return serve(store, port=int(port), **options)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
