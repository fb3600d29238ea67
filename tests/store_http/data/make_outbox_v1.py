"""Make `outbox_v1.db`: an outbox file as the release before the split of
`warroom.store.outbox` writes it, with the server file it talks to.

Run once, on that release (it uses that release's `HTTPStore.local`, which
later ones split into an outbox and a replica), from the repository's root:

    .venv/bin/python -m tests.store_http.data.make_outbox_v1

It starts a real `warroom serve`, declares an incident and writes a note
through the http store (both delivered and cached), stops the server, then
queues events while it is down: a note, a group of two notes, a new incident
with a note (all pending), and one more note that the server is taken to
have refused (rejected, with its reason).  The files it leaves here:

- `outbox_v1.db`: the outbox (pending, rejected and cached events);
- `outbox_v1_server.db`: the server's SQLite file at the moment it stopped;
- `outbox_v1.json`: the token, the incidents and what is pending, for the test.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from tests.server.conftest import Server, make_token
from warroom.core.events import Event, make_event, new_id
from warroom.store.http import HTTPStore

HERE = Path(__file__).resolve().parent


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        db = root / "warroom.db"
        token = make_token(db, "alice", "responder")
        outbox = root / "outbox.db"
        server = Server(db, root).start()
        try:
            store = HTTPStore(server.url, token, outbox, flush_seconds=0.5)
            cached = new_id()
            store.append(
                _event(store, cached, "declared", {"title": "Checkout 502s", "severity": 2})
            )
            store.append(_event(store, cached, "note", {"text": "delivered before the split"}))
            store.close()
        finally:
            server.stop()
        store = HTTPStore(server.url, token, outbox, flush_seconds=0.0)
        fresh = new_id()
        pending = [store.append(_event(store, cached, "note", {"text": "pending one"}))]
        pending += store.append_many(
            [
                _event(store, cached, "note", {"text": "pending two, a"}),
                _event(store, cached, "note", {"text": "pending two, b"}),
            ]
        )
        pending.append(
            store.append(
                _event(store, fresh, "declared", {"title": "Queue backlog", "severity": 3})
            )
        )
        pending.append(store.append(_event(store, fresh, "note", {"text": "pending three"})))
        refused = store.append(_event(store, cached, "note", {"text": "refused by the server"}))
        entry = store.local.entry(refused.id)
        assert entry is not None
        store.local.reject(entry.group, "refused", "the incident was closed meanwhile")
        assert all(event.seq is None for event in pending)
        store.close()
        _checkpoint(outbox)
        _checkpoint(db)
        shutil.copyfile(outbox, HERE / "outbox_v1.db")
        shutil.copyfile(db, HERE / "outbox_v1_server.db")
        facts = {
            "token": token,
            "server_url": server.url,
            "cached_incident": cached,
            "pending_incident": fresh,
            "pending": [event.id for event in pending],
            "rejected": refused.id,
        }
        (HERE / "outbox_v1.json").write_text(json.dumps(facts, indent=2) + "\n")


def _event(store: HTTPStore, incident_id: str, kind: str, data: dict[str, Any]) -> Event:
    return make_event(incident_id, kind, "alice", data, store.clock.now())


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file: the copy is then complete alone."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    conn.close()


if __name__ == "__main__":
    main()
