"""`warroom notify status` over --server, against a real `warroom serve`:
GET /api/v1/deliveries lists the server's deliveries with the targets'
secrets masked as the local listing masks them; responders and admins may
read it, viewers may not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import isolated_environ
from tests.server.conftest import Server, auth, make_token
from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare
from warroom.services.notify import Delivery, delivery_queue, enqueue
from warroom.store.sqlite import SQLiteStore

SECRET_URL = "json://127.0.0.1:9/hook?token=sekrit"


def _failed_delivery(db: Path) -> None:
    """One delivery that failed for good, in the server's file."""
    with SQLiteStore(db) as store:
        incident = declare(store, "dana", SYSTEM_CLOCK, "checkout down", severity=1)
        enqueue(store, [Delivery("e-x", incident.id, "dead", SECRET_URL, "notify", "x")])
        queue = delivery_queue(store)
        now = "2026-01-01T00:00:00Z"
        (row,) = queue.claim("notify", "test", "9999-01-01T00:00:00Z", "9999-01-01T00:01:00Z", 10)
        queue.failed_attempt([row.id], "test", "refused: 127.0.0.1:9", now, give_up=True)


def _warroom(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        capture_output=True, text=True, env=isolated_environ(tmp_path, db=False), cwd=tmp_path,
    )  # fmt: skip


def test_notify_status_over_server_lists_failures_masked(tmp_path: Path) -> None:
    db = tmp_path / "warroom.db"
    _failed_delivery(db)
    responder = make_token(db, "dana", "responder")
    viewer = make_token(db, "vic", "viewer")
    server = Server(db, tmp_path).start()
    try:
        url = server.url + "/api/v1/deliveries"
        answer = httpx.get(url, params={"failed": 1}, headers=auth(responder), timeout=10)
        assert answer.status_code == 200, answer.text
        assert "sekrit" not in answer.text
        (item,) = answer.json()
        assert (item["incident"], item["route"], item["state"]) == ("INC-1", "dead", "failed")
        assert item["target"] == "json://***" and item["attempts"] == 1
        refused = httpx.get(url, params={"failed": 1}, headers=auth(viewer), timeout=10)
        assert refused.status_code == 403
        remote = ("--server", server.url, "--token", responder)
        done = _warroom(tmp_path, "notify", "status", "--failed", "--json", *remote)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [item]
        text = _warroom(tmp_path, "notify", "status", *remote)
        assert text.returncode == 0, text.stderr
        assert "INC-1" in text.stdout and "json://***" in text.stdout
        assert "sekrit" not in text.stdout and "failed" in text.stdout
        denied = _warroom(tmp_path, "notify", "status", "--server", server.url, "--token", viewer)
        assert denied.returncode != 0 and "sekrit" not in denied.stdout + denied.stderr
    finally:
        server.stop()
