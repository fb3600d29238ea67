"""Faults with real processes: the server killed outright while a client writes."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from tests.server.conftest import Server, auth, declare, make_token, note_body
from warroom.core.events import new_id


def test_sigkill_and_restart_while_appending_500_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "writer", "responder")
    server = Server(db, tmp_path).start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        incident_id = declare(client, token, "kill -9 drill")
    path = f"/api/v1/incidents/{incident_id}/events"
    total = 500
    kill_at = (120, 330)
    progress = {"acknowledged": 0, "retries": 0}
    restarted = threading.Event()

    def killer() -> None:
        for count, mark in enumerate(kill_at):
            while progress["acknowledged"] < mark:
                time.sleep(0.002)
            server.signal(signal.SIGKILL)
            server.wait(10)
            server.start()  # the same port again
            if count == len(kill_at) - 1:
                restarted.set()

    chaos = threading.Thread(target=killer)
    chaos.start()
    ids = [new_id() for _ in range(total)]
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(5, connect=1)) as client:
        for n, event_id in enumerate(ids):
            body = note_body(f"event {n}", event_id)
            while True:  # a client with retries: the same id every time
                assert time.monotonic() < deadline, f"stuck at event {n}"
                try:
                    answer = client.post(path, json=body, headers=auth(token))
                except httpx.TransportError:
                    progress["retries"] += 1
                    time.sleep(0.02)
                    continue
                assert answer.status_code == 201, answer.text
                break
            progress["acknowledged"] += 1
    chaos.join(60)
    assert restarted.is_set()
    assert progress["retries"] > 0  # the kills did land mid-run

    with httpx.Client(base_url=server.url, timeout=10) as client:
        events = client.get(path, params={"limit": 10_000}, headers=auth(token)).json()["events"]
    server.stop()
    notes = [e for e in events if e["kind"] == "note"]
    assert len(notes) == total
    assert [e["id"] for e in notes] == ids
    assert [e["seq"] for e in events] == list(range(1, total + 2))
