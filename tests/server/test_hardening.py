"""Attacks and accidents against a real server on 127.0.0.1 (the hardening issue):
each test reproduces one and shows the server holds."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.server.conftest import Server, auth, make_token


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
