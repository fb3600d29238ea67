"""Attacks and accidents against a real server on 127.0.0.1 (the hardening issue):
each test reproduces one and shows the server holds."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.server.conftest import (
    Running,
    Server,
    auth,
    declare,
    make_token,
    note_body,
)
from warroom.core.limits import EVENT_DATA_MAX
from warroom.server.health import StoreHealth
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


# -- 12. a full disk --------------------------------------------------------------------


def test_a_full_disk_is_logged_once_reported_by_healthz_and_named_to_clients(
    tmp_path: Path,
) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "ops", "responder")
    with SQLiteStore(db) as store, store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
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
