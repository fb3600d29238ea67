"""An outbox written by the release before the outbox/replica split still
opens and delivers its pending events, exactly once, to a real server.

`data/outbox_v1.db` was made by `data/make_outbox_v1.py` on that release: five
pending events (a note, a group of two notes, a new incident with a note), one
rejected note and two cached events; `data/outbox_v1_server.db` is the
server's file at that moment.  The server here runs on a copy of it, on
another port: the outbox is told its server's new address (the only change).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import Server, auth
from warroom.store.http import HTTPStore

DATA = Path(__file__).with_name("data")
FACTS: dict[str, Any] = json.loads((DATA / "outbox_v1.json").read_text())
PENDING_TEXTS = ["pending one", "pending two, a", "pending two, b", "pending three"]


@pytest.fixture
def old(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """The old server file served again, and a copy of the old outbox pointing at it."""
    root = tmp_path / "server"
    root.mkdir()
    db = root / "warroom.db"
    shutil.copyfile(DATA / "outbox_v1_server.db", db)
    outbox = tmp_path / "client" / "outbox.db"
    outbox.parent.mkdir()
    shutil.copyfile(DATA / "outbox_v1.db", outbox)
    server = Server(db, root).start()
    conn = sqlite3.connect(outbox)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'server'", (server.url,))
    conn.close()
    try:
        yield server, outbox
    finally:
        server.stop()


def _server_events(server: Server, incident_id: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer = client.get(
            f"/api/v1/incidents/{incident_id}/events",
            params={"limit": 10_000},
            headers=auth(FACTS["token"]),
        )
    answer.raise_for_status()
    return answer.json()["events"]


def _texts(events: list[dict[str, Any]]) -> list[str]:
    return [event["data"]["text"] for event in events if event["kind"] == "note"]


def test_an_old_outbox_opens_and_delivers_its_pending_events_once(
    old: tuple[Server, Path],
) -> None:
    server, outbox = old
    cached, fresh = FACTS["cached_incident"], FACTS["pending_incident"]
    with HTTPStore(server.url, FACTS["token"], outbox, flush_seconds=0.5) as store:
        # What the old file holds, read before the server is asked anything.
        assert [event.id for event in store.pending_events()] == FACTS["pending"]
        rejected = store.outbox(("rejected",))
        assert [entry.event.id for entry in rejected] == [FACTS["rejected"]]
        assert rejected[0].reason == "the incident was closed meanwhile"
        assert store.whoami() == {"name": "alice", "role": "responder"}  # cached

        report = store.sync(wait=10)
        assert report.reachable and report.problem is None
        assert report.delivered == len(FACTS["pending"])
        assert report.pending == []
        assert [entry.event.id for entry in report.rejected] == [FACTS["rejected"]]
        assert store.pending_events() == []

        # The cache now holds what was delivered, in the server's order.
        assert _texts([e.to_dict() for e in store.events(cached)]) == [
            "delivered before the split",
            *PENDING_TEXTS[:3],
        ]
        assert store.incident(fresh).title == "Queue backlog"

    # The server stored each pending event exactly once.
    stored = _server_events(server, cached)
    assert _texts(stored) == ["delivered before the split", *PENDING_TEXTS[:3]]
    assert _texts(_server_events(server, fresh)) == PENDING_TEXTS[3:]
    ids = [event["id"] for event in stored + _server_events(server, fresh)]
    assert sorted(set(FACTS["pending"]) & set(ids)) == sorted(FACTS["pending"])
    assert len(ids) == len(set(ids))

    # Opened again: nothing left to deliver, nothing delivered twice.
    with HTTPStore(server.url, FACTS["token"], outbox, flush_seconds=0.5) as again:
        assert again.sync(wait=5).delivered == 0
        assert [entry.event.id for entry in again.outbox()] == [FACTS["rejected"]]
    assert _texts(_server_events(server, cached)) == [
        "delivered before the split",
        *PENDING_TEXTS[:3],
    ]
