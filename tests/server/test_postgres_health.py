"""`/healthz` of a real `warroom serve --db postgresql://...` tells a load
balancer whether the database answers: a real TCP forwarder between the
server and PostgreSQL is stopped (every connection cut, new ones refused),
then started again; the server answers 503 meanwhile, its background work
(the notifications' sender) says what is wrong and lives on, and it recovers,
also after a write failed while reads worked (a load balancer then sends it
nothing to write)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.notify.receiver import until
from tests.pg import fresh_schema
from tests.server.conftest import Server, auth, declare, note_body
from tests.tcpproxy import Proxy, proxied
from warroom.server.tokens import TokenStore
from warroom.store.postgres import PostgresStore


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


def test_a_failed_write_does_not_keep_a_replica_out_of_the_load_balancer(tmp_path: Path) -> None:
    """A write fails (PostgreSQL ends its connection mid-transaction, as a
    failover does) while reads work: the replica is degraded.  A load
    balancer then sends it nothing to write, yet it comes back by itself: the
    alert desk's sweep commits every SWEEP_SECONDS, and a commit that works
    ends the degradation."""
    with fresh_schema() as url:
        server = Server(url, tmp_path, args=["--migrate"])  # type: ignore[arg-type]
        server.start(timeout=60)
        try:
            with PostgresStore(url) as store:
                token = TokenStore.for_store(store).create("ops", "responder")
            with httpx.Client(base_url=server.url, timeout=60) as client:
                incident_id = declare(client, token, "failover drill")
                path = f"/api/v1/incidents/{incident_id}/events"
                with (
                    psycopg.connect(url, autocommit=True) as blocker,
                    psycopg.connect(url, autocommit=True) as watcher,
                ):
                    blocker.execute("BEGIN")
                    blocker.execute("UPDATE store_id SET touched = touched")  # appends wait
                    held_by = blocker.info.backend_pid
                    with ThreadPoolExecutor(1) as pool:
                        posted = pool.submit(
                            client.post, path, json=note_body("cut off"), headers=auth(token)
                        )
                        waiting = until(lambda: _blocked_by(watcher, held_by), timeout=30)
                        watcher.execute("SELECT pg_terminate_backend(%s)", (waiting,))
                        failed = posted.result(timeout=60)
                    blocker.execute("ROLLBACK")
                assert failed.status_code == 503, failed.text
                status, body = health(client)
                assert status == 503 and body["db"] == "ok", body  # reads work; writes failed
                # Nobody writes now, yet it comes back (within a sweep or two).
                assert until_healthy(client, 200, 30) == (200, {"status": "ok", "db": "ok"})
                stored = client.post(path, json=note_body("after"), headers=auth(token))
                assert stored.status_code == 201, stored.text
            assert "Traceback" not in server.log()
        finally:
            server.stop()


def _blocked_by(conn: psycopg.Connection, holder: int) -> int | None:
    """The backend waiting for a lock `holder` holds (the append), if any."""
    query = "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
    row = conn.execute(query, (holder,)).fetchone()
    return row[0] if row else None
