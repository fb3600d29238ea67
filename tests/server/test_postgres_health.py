"""`/healthz` of a real `warroom serve --db postgresql://...` tells a load
balancer whether the database answers: a real TCP forwarder between the
server and PostgreSQL is stopped (every connection cut, new ones refused),
then started again; the server answers 503 meanwhile, its background work
(the notifications' sender) says what is wrong and lives on, and it recovers."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.notify.receiver import until
from tests.pg import fresh_schema
from tests.server.conftest import Server
from tests.tcpproxy import Proxy, proxied


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[tuple[Proxy, Server]]:
    """A server on a fresh schema, reaching PostgreSQL through a proxy."""
    with fresh_schema() as url:
        proxy, through = proxied(url)
        server = Server(through, tmp_path, args=["--migrate"])  # type: ignore[arg-type]
        try:
            server.start(timeout=60)
            yield proxy, server
        finally:
            server.stop()
            proxy.stop()


def health(client: httpx.Client) -> tuple[int, dict]:
    answer = client.get("/healthz")
    return answer.status_code, answer.json()


def until_healthy(client: httpx.Client, wanted: int, seconds: float = 60) -> tuple[int, dict]:
    """The first /healthz answer with status `wanted` (the last one after `seconds`)."""
    deadline = time.monotonic() + seconds
    found = health(client)
    while found[0] != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
        found = health(client)
    return found


def test_healthz_says_whether_postgresql_answers_and_the_server_recovers(
    behind_proxy: tuple[Proxy, Server],
) -> None:
    proxy, server = behind_proxy
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert health(client) == (200, {"status": "ok", "db": "ok"})

        proxy.stop()
        status, body = until_healthy(client, 503)
        assert status == 503 and body["db"] == "unreachable", body
        assert body["status"] == "degraded"
        assert server.proc is not None and server.proc.poll() is None  # still serving
        # The server's sender met the outage too, and said so (it did not die).
        until(lambda: re.search(r"notifier: .*unreachable", server.log()))

        proxy.start()  # the same port again
        assert until_healthy(client, 200) == (200, {"status": "ok", "db": "ok"})
    log = server.log()
    assert "Traceback" not in log, log
