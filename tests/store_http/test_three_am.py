"""The http store at 3 AM: the catalog's order, an unreachable server answered
at once, a full disk named, a store restored from a backup, large imports."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Running, declare, note_body
from tests.store_http.conftest import Served, running_cli
from tests.store_http.test_client import free_port
from warroom.config import TOKEN_FLAG_WARNING
from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.events import Event, make_event, new_id
from warroom.store.http import HTTPStore


def test_a_room_opened_through_the_server_lists_roles_in_the_catalogs_order(
    running: Running, tmp_path: Path
) -> None:
    expected = list(Catalog.default().roles)
    assert expected[0] == "lead"
    for _ in range(2):  # fetched, then read back from the cached copy
        with HTTPStore(running.server.url, running.responder, tmp_path / "o.db") as store:
            assert list(store.catalog.roles) == expected
            assert store.catalog.state_order == Catalog.default().state_order


def test_the_token_is_read_from_a_token_file_flag_before_or_after_the_command(
    running: Running, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    cli = running_cli(running, running.responder, tmp_path)
    del cli.env["WARROOM_TOKEN"]
    secret = tmp_path / "token"
    secret.write_text(running.responder + "\n")
    secret.chmod(0o600)
    missing = cli("declare", "Checkout API 502s")
    assert missing.returncode == 2 and "--token-file FILE" in missing.stderr
    for args in (
        ("--token-file", str(secret), "declare", "t"),
        ("declare", "t", "--token-file", str(secret)),
    ):
        done = cli(*args)
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stderr
    secret.chmod(0o644)
    refused = cli("--token-file", str(secret), "list")
    assert refused.returncode == 2 and "token" in refused.stderr


def test_a_token_on_the_command_line_is_warned_about_once(
    running: Running, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    cli = running_cli(running, running.responder, tmp_path)
    del cli.env["WARROOM_TOKEN"]
    done = cli("list", "--token", running.responder)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(f"warroom: {TOKEN_FLAG_WARNING}") == 1


# -- offline: a refusal is said at once -----------------------------------------------


def _queue_one(url: str, path: Path) -> tuple[float, list[str], HTTPStore]:
    store = HTTPStore(url, "wr_x", path)
    began = time.monotonic()
    event = store.append(
        make_event(new_id(), "declared", "me", {"title": "t", "severity": 2}, SYSTEM_CLOCK.now())
    )
    notes = store.finish()
    assert event.seq is None
    return time.monotonic() - began, notes, store


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "no-such-host.invalid:8080"])
def test_a_refused_connection_or_an_unknown_name_queues_at_once(host: str, tmp_path: Path) -> None:
    url = "http://" + host.format(port=free_port())
    took, notes, store = _queue_one(url, tmp_path / "o.db")
    store.close()
    assert took < 0.5, took
    assert notes == ["queued: server unreachable, 1 pending"]


def test_a_connect_that_gets_no_answer_gives_up_after_one_second(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepted: once its backlog is full, a connect hangs
        port = listener.getsockname()[1]
        for _ in range(8):
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        time.sleep(0.1)
        took, notes, store = _queue_one(f"http://127.0.0.1:{port}", tmp_path / "o.db")
        store.close()
    assert 0.9 < took < 1.8, took
    assert notes == ["queued: server unreachable, 1 pending"]


def test_live_only_once_what_was_queued_is_confirmed(served: Served, tmp_path: Path) -> None:
    with HTTPStore(served.url, served.token, tmp_path / "o.db", flush_seconds=0.2) as store:
        declared = make_event(
            new_id(), "declared", "x", {"title": "t", "severity": 2}, SYSTEM_CLOCK.now()
        )
        store.append(declared)
        assert store.connection_state() == ("live", 0)
        served.server.stop()
        note = make_event(declared.incident_id, "note", "x", {"text": "n"}, SYSTEM_CLOCK.now())
        assert store.append(note).seq is None
        served.server.start()
        assert store.reads.refresh(force=True)  # the server answers again
        assert store.connection_state() == ("reconnecting", 1)
        assert store.sync().delivered == 1
        assert store.connection_state() == ("live", 0)


class _FullDisk(http.server.BaseHTTPRequestHandler):
    """What warroom's server answers while its store cannot write."""

    def _full(self) -> None:
        body = json.dumps({"error": "storage_full", "detail": "the disk is full"}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _full

    def log_message(self, *args: object) -> None:
        pass


def test_a_full_disk_on_the_server_is_named_and_the_event_kept(tmp_path: Path) -> None:
    # (the real server's full disk: tests/server/test_hardening.py)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FullDisk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        took, notes, store = _queue_one(url, tmp_path / "o.db")
        assert [e.kind for e in store.pending_events()] == ["declared"]
        store.close()
    finally:
        server.shutdown()
        server.server_close()
    assert took < 0.5, took
    assert notes == ["queued: the server cannot store events (disk full), 1 pending"]


# -- a store restored from a backup ----------------------------------------------------


def _files(db: Path) -> list[Path]:
    return [db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm")]


async def test_a_watcher_beyond_a_restored_store_reloads_and_goes_on(
    served: Served, tmp_path: Path
) -> None:
    db, backup = served.server.db, tmp_path / "backup"
    backup.mkdir()
    with httpx.Client(base_url=served.url, timeout=10) as client:
        incident_id = declare(client, served.token, "restored")
    served.post(f"/incidents/{incident_id}/events", note_body("kept"))
    served.server.stop()
    for path in _files(db):
        if path.exists():
            shutil.copy(path, backup / path.name)
    served.server.start()
    for n in range(3):
        served.post(f"/incidents/{incident_id}/events", note_body(f"lost {n}"))
    watcher = HTTPStore(served.url, served.token, tmp_path / "watcher.db")
    assert watcher.reads.refresh(force=True) and watcher.last_gseq() == 5
    served.server.stop()
    for path in _files(db):
        path.unlink(missing_ok=True)
        if (backup / path.name).exists():
            shutil.copy(backup / path.name, path)
    served.server.start()

    everything = watcher.watch(5)
    one = watcher.watch(5, incident_id=incident_id)

    async def first(stream) -> Event:  # type: ignore[no-untyped-def]
        async with asyncio.timeout(20):
            async for event in stream:
                return event
        raise AssertionError("nothing arrived")

    async def write_on() -> None:
        # A note a second: one written before a watcher has seen the restore
        # is in its reload, not in its stream (a loaded machine is slow to).
        for n in range(20):
            await asyncio.sleep(1.0)
            await asyncio.to_thread(
                served.post, f"/incidents/{incident_id}/events", note_body(f"after {n}")
            )

    writing = asyncio.ensure_future(write_on())
    try:
        got_all, got_one = await asyncio.gather(first(everything), first(one))
    finally:
        writing.cancel()
    await everything.aclose()
    await one.aclose()
    for event in (got_all, got_one):  # gseq and seq go on from the restored store's 2
        assert event.data["text"].startswith("after ") and event.gseq == event.seq >= 3
    texts = [e.data.get("text") for e in watcher.replica.events(incident_id)][1:]
    assert texts[:2] == ["kept", "after 0"]  # the lost notes are gone
    watcher.close()


def test_a_large_export_is_imported_through_the_server_in_batches(
    running: Running, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    incident_id = new_id()
    now = SYSTEM_CLOCK.now()
    events = [make_event(incident_id, "declared", "carol", {"title": "big", "severity": 3}, now)]
    events += [
        make_event(incident_id, "note", "dave", {"text": f"{n} " + "x" * 640}, now)
        for n in range(2999)
    ]
    document = {"format": "warroom-export", "version": 1, "events": [e.to_dict() for e in events]}
    export = tmp_path / "export.json"
    export.write_text(json.dumps(document))
    assert export.stat().st_size > 2_000_000
    as_admin = running_cli(running, running.admin, tmp_path)
    imported = as_admin("import", str(export))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.endswith(": imported 3000 new events (0 already present)\n")
    again = as_admin("import", str(export))
    assert again.stdout.endswith(": imported 0 new events (3000 already present)\n"), again.stderr
    with HTTPStore(running.server.url, running.admin, tmp_path / "check.db") as store:
        assert [e.seq for e in store.events(incident_id)] == list(range(1, 3001))
