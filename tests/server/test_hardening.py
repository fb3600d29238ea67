"""Attacks and accidents against a real server on 127.0.0.1 (the hardening issue):
each test reproduces one and shows the server holds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import (
    HEARTBEAT,
    Running,
    Server,
    auth,
    declare,
    declare_body,
    make_token,
    note_body,
    sse_events,
)
from warroom.core.limits import EVENT_DATA_MAX
from warroom.server.health import StoreHealth
from warroom.server.tokens import TokenStore
from warroom.store.sqlite import SQLiteStore


@contextlib.contextmanager
def half_open(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections that each send part of a request's headers and stop."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def _closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True


def _timed_get(url: str, path: str, headers: dict[str, str], timeout: float) -> float:
    began = time.monotonic()
    with httpx.Client(base_url=url, timeout=timeout) as client:  # a fresh connection
        answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    return time.monotonic() - began


def test_half_open_connections_do_not_take_the_server_down(tmp_path: Path) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "ops", "viewer")
    deadline = 2.0
    options = {"header_timeout": deadline}
    server = Server(db, tmp_path, options=options, nofile=1024).start()
    try:
        with half_open(server.port, 1100) as sockets:
            time.sleep(0.5)
            took = []
            for _ in range(4):
                took.append(_timed_get(server.url, "/healthz", {}, deadline + 8))
                took.append(_timed_get(server.url, "/api/v1/me", auth(token), deadline + 8))
            print("answered in", [f"{t:.2f}" for t in took])
            assert max(took) < deadline + 2
            time.sleep(deadline + 1)  # past the header deadline: all of them are closed
            for sock in sockets:
                sock.settimeout(2)
                assert _closed_by_peer(sock)
        log = server.log()
        assert len(log) < 20_000, log[-3000:]
        assert log.count("Too many open files") <= 2
    finally:
        server.stop()


# -- 10. an event's size; NUL in text ---------------------------------------------------


def test_event_data_is_at_most_256_kB_and_text_holds_no_nul(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token, "limits")
    path = f"/api/v1/incidents/{incident_id}/events"

    def post(kind: str, data: dict) -> httpx.Response:
        body = note_body("") | {"kind": kind, "data": data}
        return client.post(path, json=body, headers=auth(token))

    overhead = len('{"blob":""}')
    assert post("blob_dump", {"blob": "x" * (EVENT_DATA_MAX - overhead)}).status_code == 201
    over = post("blob_dump", {"blob": "x" * (EVENT_DATA_MAX - overhead + 1)})
    assert over.status_code == 413 and over.json()["error"] == "too_large", over.text
    assert "at most 256 kB" in over.json()["detail"]
    # Multi-byte text counts in bytes: 100k three-byte characters are 300 kB.
    assert post("blob_dump", {"blob": "€" * 100_000}).status_code == 413

    nul = post("note", {"text": "before\x00after"})
    assert nul.status_code == 422 and nul.json()["error"] == "refused", nul.text
    assert nul.json()["detail"] == (
        "data.text contains a NUL character (\\u0000), which text cannot hold"
    )
    raw = b'{"id": "%s", "kind": "note", "occurred_at": "%s", "data": {"text": "a\\u0000b"}}'
    body = note_body("")
    escaped = client.post(
        path,
        content=raw % (body["id"].encode(), body["occurred_at"].encode()),
        headers=auth(token) | {"content-type": "application/json"},
    )
    assert escaped.status_code == 422 and "NUL" in escaped.json()["detail"]
    nested = post("blob_dump", {"rows": [{"ok": "fine"}, {"k\x00": 1}]})
    assert nested.status_code == 422 and "data.rows.1 (a key)" in nested.json()["detail"]
    # The six characters \u0000 written as text are only text.
    literal = post("note", {"text": "JSON escapes NUL as \\u0000"})
    assert literal.status_code == 201, literal.text
    texts = [
        e["data"].get("text")
        for e in client.get(path, headers=auth(token)).json()["events"]
        if e["kind"] == "note"
    ]
    assert texts == ["JSON escapes NUL as \\u0000"]

    imported = declare_body("imported") | {"actor": "ops\x00root"}
    answer = client.post("/api/v1/import", json={"events": [imported]}, headers=auth(running.admin))
    assert answer.status_code == 422 and "actor" in answer.json()["detail"], answer.text
    assert "NUL" in answer.json()["detail"]


# -- 12. a full disk --------------------------------------------------------------------


def test_a_full_disk_is_logged_once_reported_by_healthz_and_named_to_clients(
    tmp_path: Path,
) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "ops", "responder")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    server = Server(db, tmp_path, options={"max_page_count": pages + 40}).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            incident_id = declare(client, token, "disk full drill")
            path = f"/api/v1/incidents/{incident_id}/events"
            statuses = []
            for n in range(12):
                body = note_body(f"{n} " + "x" * 60_000)
                statuses.append(client.post(path, json=body, headers=auth(token)))
            codes = [answer.status_code for answer in statuses]
            assert 201 in codes and codes[-1] == 503, codes
            acknowledged = sum(1 for code in codes if code == 201)
            refused = statuses[-1]
            assert refused.json()["error"] == "storage_full", refused.text
            assert "disk is full" in refused.json()["detail"]
            assert str(tmp_path) not in refused.text and "warroom.db" not in refused.text

            health = client.get("/healthz")
            assert health.status_code == 503
            assert health.json() == {
                "status": "degraded",
                "reason": "the store cannot write: its disk is full",
                "db": "ok",  # it reads: a full disk is not an unreachable database
            }
            events = client.get(path, headers=auth(token)).json()["events"]
            assert len(events) == 1 + acknowledged  # what was acknowledged is kept
        log = server.log()
        assert log.count("disk is full") == 1, log  # once per minute, with the path
        assert "warroom.db: the disk is full" in log
        assert "Traceback" not in log
    finally:
        server.stop()


def test_store_health_logs_once_per_interval_and_recovers(caplog: object) -> None:
    from warroom.core.errors import StorageFull, StoreUnavailable

    now = [0.0]
    health = StoreHealth(interval=60, clock=lambda: now[0])
    assert health.reason is None
    health.failed(StorageFull("cannot write /srv/w.db: the disk is full"))
    now[0] = 30
    health.failed(StorageFull("cannot write /srv/w.db: the disk is full"))
    health.noted(StoreUnavailable("/srv/w.db: disk I/O error"))
    assert health.reason == "the store cannot write: its disk is full"
    now[0] = 61
    health.failed(StorageFull("cannot write /srv/w.db: the disk is full"))
    health.wrote()
    assert health.reason is None
    messages = [record.getMessage() for record in caplog.records]  # type: ignore[attr-defined]
    assert len([m for m in messages if "disk is full" in m]) == 2
    assert "2 more failed writes" in messages[1]
    assert messages[-1] == "the store writes again"


# -- 6. a revoked token's open streams --------------------------------------------------


class StreamReader(threading.Thread):
    """Reads one SSE stream in the background: what arrived, and when it ended."""

    def __init__(self, url: str, path: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url, self.path, self.token = url, path, token
        self.events: list[dict] = []
        self.opened = threading.Event()
        self.ended_at: float | None = None

    def run(self) -> None:
        with (
            httpx.Client(base_url=self.url, timeout=10) as client,
            client.stream("GET", self.path, headers=auth(self.token)) as answer,
        ):
            assert answer.status_code == 200
            self.opened.set()
            with contextlib.suppress(httpx.HTTPError):
                for _, data in sse_events(answer.iter_lines()):
                    if data is not None:
                        self.events.append(data)
        self.ended_at = time.monotonic()


def test_revoking_a_token_ends_its_open_streams(tmp_path: Path) -> None:
    db = tmp_path / "warroom.db"
    admin = make_token(db, "admin", "admin")
    writer = make_token(db, "writer", "responder")
    revoked_by_api = make_token(db, "watcher", "viewer")
    revoked_by_cli = make_token(db, "wall", "viewer")
    kept = make_token(db, "kept", "viewer")
    server = Server(db, tmp_path).start()  # heartbeat: HEARTBEAT (0.2 s)
    try:
        client = httpx.Client(base_url=server.url, timeout=10)
        incident_id = declare(client, writer, "revocation drill")
        readers = {
            name: [
                StreamReader(server.url, "/api/v1/stream", token),
                StreamReader(server.url, f"/api/v1/incidents/{incident_id}/stream", token),
            ]
            for name, token in (("api", revoked_by_api), ("cli", revoked_by_cli), ("kept", kept))
        }
        for reader in [r for pair in readers.values() for r in pair]:
            reader.start()
            assert reader.opened.wait(5)
        time.sleep(0.3)

        began = time.monotonic()
        answer = client.delete("/api/v1/tokens/watcher", headers=auth(admin))
        assert answer.status_code == 200, answer.text
        for reader in readers["api"]:
            reader.join(5)
            assert reader.ended_at is not None, "a revoked token's stream is still open"
            assert reader.ended_at - began < 1.0

        began = time.monotonic()
        with SQLiteStore(db) as store:  # as `warroom token revoke` does, from another process
            TokenStore.for_store(store).revoke("wall")
        for reader in readers["cli"]:
            reader.join(5)
            assert reader.ended_at is not None, "a revoked token's stream is still open"
            assert reader.ended_at - began < 1.0 + HEARTBEAT  # within one heartbeat

        client.post(
            f"/api/v1/incidents/{incident_id}/events",
            json=note_body("after the revocations"),
            headers=auth(writer),
        ).raise_for_status()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
            len(reader.events) < 2 for reader in readers["kept"]
        ):
            time.sleep(0.05)
        for reader in readers["kept"]:
            assert reader.ended_at is None
            assert [e["kind"] for e in reader.events] == ["declared", "note"]
        for reader in readers["api"] + readers["cli"]:
            assert [e["kind"] for e in reader.events] == ["declared"]
        again = client.get("/api/v1/stream", headers=auth(revoked_by_api))
        assert again.status_code == 401
        client.close()
    finally:
        server.stop()


# -- 11. a store restored from a backup --------------------------------------------------


def _first_message(url: str, path: str, token: str, last_event_id: int) -> tuple[str, dict]:
    headers = auth(token) | {"Last-Event-ID": str(last_event_id)}
    with (
        httpx.Client(base_url=url, timeout=5) as client,
        client.stream("GET", path, headers=headers) as answer,
    ):
        assert answer.status_code == 200
        lines = []
        for line in answer.iter_lines():
            lines.append(line)
            if line.startswith("data:") or len(lines) >= 20:
                break
        assert len(lines) < 20, "only heartbeats: the stream is silent"
    ident = next(line[3:].strip() for line in lines if line.startswith("id:"))
    assert "event: reset" in lines
    return ident, json.loads(lines[-1][5:])


def test_a_cursor_beyond_a_restored_store_gets_a_reset(tmp_path: Path) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "ops", "responder")
    server = Server(db, tmp_path).start()
    client = httpx.Client(base_url=server.url, timeout=10)
    incident_id = declare(client, token, "restore drill")
    path = f"/api/v1/incidents/{incident_id}/events"
    for n in range(3):
        client.post(path, json=note_body(f"n{n}"), headers=auth(token)).raise_for_status()
    backup = tmp_path / "backup.db"
    with sqlite3.connect(db) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    for n in range(3, 8):
        client.post(path, json=note_body(f"n{n}"), headers=auth(token)).raise_for_status()
    last_gseq = client.get("/api/v1/events", headers=auth(token)).json()["last_gseq"]
    client.close()
    server.stop()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    backup.rename(db)
    server.start()
    try:
        ident, data = _first_message(server.url, "/api/v1/stream", token, last_gseq)
        assert data == {"reset": True, "last_gseq": last_gseq - 5} and ident == str(last_gseq - 5)
        stream_path = f"/api/v1/incidents/{incident_id}/stream"
        ident, data = _first_message(server.url, stream_path, token, 8)
        assert data == {"reset": True, "last_seq": 4} and ident == "4"

        # After the reset the stream goes on from the restored store's newest event.
        headers = auth(token) | {"Last-Event-ID": str(last_gseq)}
        with (
            httpx.Client(base_url=server.url, timeout=5) as client,
            client.stream("GET", "/api/v1/stream", headers=headers) as answer,
        ):
            messages = sse_events(answer.iter_lines())
            assert next(messages)[1]["reset"] is True
            client.post(path, json=note_body("after"), headers=auth(token)).raise_for_status()
            ident, data = next(m for m in messages if m[1] is not None)
            assert data["data"] == {"text": "after"} and int(ident) == last_gseq - 4
    finally:
        server.stop()


# -- 10. a stalled stream and large events -----------------------------------------------


def _rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))


def test_a_stalled_stream_and_large_events_do_not_grow_memory(tmp_path: Path) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "ops", "responder")
    server = Server(db, tmp_path).start()
    assert server.proc is not None
    blob = {"blob": "x" * (EVENT_DATA_MAX - 100)}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            incident_id = declare(client, token, "memory drill")
            path = f"/api/v1/incidents/{incident_id}/events"

            def write(count: int) -> None:
                for _ in range(count):
                    body = note_body("") | {"kind": "blob_dump", "data": blob}
                    client.post(path, json=body, headers=auth(token)).raise_for_status()

            write(20)  # warm up the allocator with events of this size
            before = _rss_kb(server.proc.pid)
            stalled = socket.socket()
            stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stalled.connect(("127.0.0.1", server.port))
            stalled.sendall(
                b"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: 21\r\n"
                b"Authorization: Bearer " + token.encode() + b"\r\n\r\n"
            )  # ... and never reads
            time.sleep(0.3)
            write(240)  # 60 MB of events
            grown = (_rss_kb(server.proc.pid) - before) // 1024
            print(f"the server grew by {grown} MB")
            assert grown < 40
            assert "fell behind" in server.log()
            # A client that does read still gets every event, and the server answers.
            events = client.get(path, headers=auth(token)).json()["events"]
            assert len(events) == 1 + 20 + 240
            stalled.close()
    finally:
        server.stop()


def test_a_subscriber_is_dropped_when_its_queue_passes_the_byte_cap() -> None:
    from warroom.core.events import make_event, new_id
    from warroom.server.hub import Delivery, Subscription
    from warroom.server.limits import SUBSCRIBER_QUEUE_BYTES

    async def run() -> None:
        subscription = Subscription(None)
        now = datetime.now(UTC)
        event = make_event(new_id(), "note", "ops", {"text": "x" * 60_000}, now)
        delivery = Delivery.of(event)
        fits = SUBSCRIBER_QUEUE_BYTES // len(delivery.payload)
        assert all(subscription.offer(delivery) for _ in range(fits))
        assert subscription.queued_bytes == fits * len(delivery.payload)
        assert subscription.take() is delivery
        assert subscription.offer(delivery)
        assert not subscription.offer(delivery)  # full: dropped, and its queue let go
        assert subscription.ended and subscription.queued_bytes == 0 and not subscription.queue
        assert await subscription.wait(0.01)  # its stream wakes up to end

    asyncio.run(run())


def test_a_keep_alive_connection_gets_the_header_deadline_for_its_next_request(
    tmp_path: Path,
) -> None:
    db = tmp_path / "warroom.db"
    server = Server(db, tmp_path, options={"header_timeout": 1.0}).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b'{"status":"ok","db":"ok"}'):
                answer += sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200")
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # ... and stops
            began = time.monotonic()
            assert _closed_by_peer(sock)
            assert 0.8 < time.monotonic() - began < 3
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as slow:
            for part in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
                slow.sendall(part)  # slow, but within the deadline
                time.sleep(0.3)
            assert slow.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        server.stop()


def test_over_the_connection_cap_the_longest_waiting_go_first_and_busy_ones_stay(
    tmp_path: Path,
) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "ops", "viewer")
    server = Server(db, tmp_path, options={"max_connections": 3}).start()
    try:
        with half_open(server.port, 3) as waiting:
            time.sleep(0.2)
            assert _timed_get(server.url, "/healthz", {}, 5) < 2  # closes the oldest waiting
            time.sleep(0.2)
            assert _closed_by_peer(waiting[0])
            waiting[1].settimeout(0.2)
            with pytest.raises(TimeoutError):  # only as many as needed are closed
                waiting[1].recv(1)
        streams = [StreamReader(server.url, "/api/v1/stream", token) for _ in range(3)]
        for reader in streams:
            reader.start()
            assert reader.opened.wait(5)
        answer = httpx.get(server.url + "/healthz", timeout=5)  # every connection is busy
        assert answer.status_code == 503 and answer.json()["error"] == "unavailable"
        assert all(reader.ended_at is None for reader in streams)
    finally:
        server.stop()
