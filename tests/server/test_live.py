"""Live streams over a real server: resume without gaps, heartbeats, shutdown."""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

import httpx

from tests.server.conftest import (
    Running,
    Server,
    auth,
    declare,
    make_token,
    note_body,
    sse_events,
)
from warroom.store.sqlite import SQLiteStore


def test_a_cut_off_subscriber_resumes_with_no_gap_and_no_duplicate(running: Running) -> None:
    incident_id = declare(running.client, running.responder, "stream me")
    total = 150

    def write() -> None:
        with httpx.Client(base_url=running.server.url, timeout=10) as writer:
            for n in range(total):
                writer.post(
                    f"/api/v1/incidents/{incident_id}/events",
                    json=note_body(f"n{n}"),
                    headers=auth(running.responder),
                ).raise_for_status()
                if n % 10 == 0:
                    time.sleep(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    received: list[int] = []
    texts: list[str] = []
    chance = random.Random(7)
    connections = 0
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=running.server.url, timeout=10) as reader:
        while (not received or received[-1] < total + 1) and time.monotonic() < deadline:
            headers = auth(running.viewer)
            if received:
                headers["Last-Event-ID"] = str(received[-1])
            connections += 1
            cut_after = chance.randint(1, 25)
            path = f"/api/v1/incidents/{incident_id}/stream"
            with reader.stream("GET", path, headers=headers) as answer:
                assert answer.status_code == 200
                assert answer.headers["content-type"].startswith("text/event-stream")
                got = 0
                for ident, data in sse_events(answer.iter_lines()):
                    if data is None:
                        continue
                    assert int(ident) == data["seq"]
                    received.append(data["seq"])
                    if data["kind"] == "note":
                        texts.append(data["data"]["text"])
                    got += 1
                    if got >= cut_after or data["seq"] == total + 1:
                        break  # hang up mid-stream
    writer.join(30)
    assert received == list(range(1, total + 2))
    assert texts == [f"n{n}" for n in range(total)]
    assert connections > 5


def test_an_idle_stream_gets_heartbeats_and_the_all_stream_uses_gseq(running: Running) -> None:
    first = declare(running.client, running.responder, "first")
    second = declare(running.client, running.responder, "second")
    start = running.client.get("/api/v1/events", headers=auth(running.viewer)).json()["last_gseq"]
    with httpx.Client(base_url=running.server.url, timeout=10) as reader:
        headers = auth(running.viewer) | {"Last-Event-ID": str(start)}
        with reader.stream("GET", "/api/v1/stream", headers=headers) as answer:
            events = sse_events(answer.iter_lines())
            heartbeats = 0
            began = time.monotonic()
            while heartbeats < 2:
                ident, data = next(events)
                assert data is None, "nothing was written yet"
                heartbeats += 1
            assert time.monotonic() - began < 2
            for incident_id in (first, second, first):
                running.client.post(
                    f"/api/v1/incidents/{incident_id}/events",
                    json=note_body("live"),
                    headers=auth(running.responder),
                ).raise_for_status()
            seen = []
            while len(seen) < 3:
                ident, data = next(events)
                if data is not None:
                    assert int(ident) == data["gseq"]
                    seen.append((data["incident_id"], data["gseq"]))
    assert [incident for incident, _ in seen] == [first, second, first]
    gseqs = [gseq for _, gseq in seen]
    assert gseqs == sorted(gseqs) and gseqs[0] > start


def test_sigterm_with_open_streams_exits_promptly_and_keeps_what_was_acknowledged(
    tmp_path: Path,
) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "ops", "responder")
    server = Server(db, tmp_path).start()
    client = httpx.Client(base_url=server.url, timeout=10)
    incident_id = declare(client, token, "shutdown drill")
    acknowledged = client.post(
        f"/api/v1/incidents/{incident_id}/events",
        json=note_body("acknowledged before SIGTERM"),
        headers=auth(token),
    )
    assert acknowledged.status_code == 201
    ended: list[str] = []
    opened = threading.Barrier(4)

    def subscribe(path: str) -> None:
        with (
            httpx.Client(base_url=server.url, timeout=10) as reader,
            reader.stream("GET", path, headers=auth(token)) as answer,
        ):
            opened.wait(5)
            try:
                for _ in answer.iter_lines():
                    pass
                ended.append("closed")
            except httpx.HTTPError as error:
                ended.append(type(error).__name__)

    readers = [
        threading.Thread(target=subscribe, args=(path,))
        for path in (
            f"/api/v1/incidents/{incident_id}/stream",
            f"/api/v1/incidents/{incident_id}/stream",
            "/api/v1/stream",
        )
    ]
    for reader in readers:
        reader.start()
    opened.wait(10)
    time.sleep(0.3)
    began = time.monotonic()
    server.signal(signal.SIGTERM)
    status = server.wait(10)
    took = time.monotonic() - began
    for reader in readers:
        reader.join(5)
    client.close()
    print(f"SIGTERM exit took {took:.2f} s, status {status}")
    assert took < 4, f"took {took:.1f} s"
    assert status in (0, -signal.SIGTERM)
    assert ended == ["closed"] * 3
    log = server.log()
    assert "Shutting down" in log and "graceful shutdown exceeded" not in log
    with SQLiteStore(db) as store:
        events = store.events(incident_id)
    assert [e.data.get("text") for e in events][1:] == ["acknowledged before SIGTERM"]
