"""Several replicas of one store (issue 15): clients fail over between their
URLs.  Two real `warroom serve` processes on one SQLite file are two replicas
of one store; one of them is killed (SIGKILL) under writers and watchers."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Result, isolated_environ
from tests.server.conftest import Server, auth, declare, make_token
from tests.store_http.conftest import FLUSH_SECONDS, notes_of, seqs
from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.errors import StoreUnavailable, UsageError
from warroom.core.events import Event, make_event, new_id
from warroom.store.http import HTTPStore
from warroom.store.localfile import LocalFile
from warroom.store.outboxes import url_file

DEADLINE = 30.0
WARROOM = Path(sys.executable).with_name("warroom")
NOW = SYSTEM_CLOCK.now


@dataclass
class Replicas:
    """Two servers on one store file, and a responder token named alice."""

    a: Server
    b: Server
    token: str

    @property
    def urls(self) -> str:
        return f"{self.a.url},{self.b.url}"

    def events(self, incident_id: str, through: Server) -> list[dict[str, Any]]:
        """The incident's events as the replica `through` serves them."""
        with httpx.Client(base_url=through.url, timeout=10) as client:
            answer = client.get(
                f"/api/v1/incidents/{incident_id}/events",
                params={"limit": 10_000},
                headers=auth(self.token),
            )
        answer.raise_for_status()
        return answer.json()["events"]


def store_id_of(server: Server, token: str) -> str:
    answer = httpx.get(f"{server.url}/api/v1/me", headers=auth(token), timeout=10)
    return answer.json()["store_id"]


def kill(server: Server) -> None:
    server.signal(signal.SIGKILL)
    server.wait(10)


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[Replicas]:
    db = tmp_path / "store" / "warroom.db"
    db.parent.mkdir()
    token = make_token(db, "alice", "responder")
    servers = []
    for name in ("a", "b"):
        root = tmp_path / name
        root.mkdir()
        servers.append(Server(db, root))
    starting = [threading.Thread(target=server.start) for server in servers]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join(60)
    try:
        assert all(server.port for server in servers), [s.log() for s in servers]
        yield Replicas(servers[0], servers[1], token)
    finally:
        for server in servers:
            server.stop()


def note(incident_id: str, text: str, store: HTTPStore) -> Event:
    return make_event(incident_id, "note", "alice", {"text": text}, store.clock.now())


async def test_writers_and_a_watcher_lose_nothing_and_repeat_nothing_when_a_replica_dies(
    replicas: Replicas, tmp_path: Path
) -> None:
    writer = HTTPStore(replicas.urls, replicas.token, tmp_path / "writer.db")
    watcher = HTTPStore(replicas.urls, replicas.token, tmp_path / "watcher.db")
    with httpx.Client(base_url=replicas.a.url, timeout=10) as client:
        incident_id = declare(client, replicas.token, "replica A dies")
    total = 150
    streaming = threading.Event()
    appended: list[Event] = []

    def write() -> None:
        for n in range(total):
            if n == total // 3:
                assert streaming.wait(DEADLINE)
                kill(replicas.a)  # mid-run, with the watcher's stream open on A
            appended.append(writer.append(note(incident_id, f"n{n}", writer)))
            if n % 10 == 0:
                time.sleep(0.01)

    async def collect(count: int) -> list[Event]:
        received: list[Event] = []
        stream = watcher.watch(0, incident_id=incident_id)
        try:
            async with asyncio.timeout(DEADLINE):
                async for event in stream:
                    received.append(event)
                    if len(received) == 10:
                        streaming.set()
                    if len(received) == count:
                        break
        finally:
            await stream.aclose()
        return received

    assert writer.server_url == watcher.server_url == replicas.a.url
    worker = asyncio.ensure_future(asyncio.to_thread(write))
    received = await collect(1 + total)
    await worker
    report = writer.sync(wait=10)
    assert report.pending == [] and report.rejected == []
    assert writer.server_url == watcher.server_url == replicas.b.url  # both failed over

    stored = replicas.events(incident_id, through=replicas.b)
    assert seqs(stored) == list(range(1, total + 2))  # gapless: each event stored once
    assert [n["data"]["text"] for n in notes_of(stored)] == [f"n{n}" for n in range(total)]
    assert [n["id"] for n in notes_of(stored)] == [event.id for event in appended]
    # The watcher saw each of them once, in order, across the kill.
    assert [event.id for event in received] == [event["id"] for event in stored]
    writer.close()
    watcher.close()


def test_an_outbox_written_while_every_replica_is_down_is_delivered_through_either(
    replicas: Replicas, tmp_path: Path
) -> None:
    with httpx.Client(base_url=replicas.a.url, timeout=10) as client:
        incident_id = declare(client, replicas.token, "both down")
    written: dict[str, list[str]] = {}
    for back in ("a", "b"):
        outbox = tmp_path / f"outbox-{back}.db"
        with HTTPStore(replicas.urls, replicas.token, outbox, flush_seconds=0.2) as store:
            store.incident(incident_id)  # seen (and cached) while the servers were up
            for server in (replicas.a, replicas.b):
                if server.proc is not None and server.proc.poll() is None:
                    kill(server)
            texts = [f"{back} offline {n}" for n in range(3)]
            for text in texts:
                assert store.append(note(incident_id, text, store)).seq is None  # pending
            written[back] = texts
        # Only one replica comes back; the list still names both.
        server = replicas.a if back == "a" else replicas.b
        server.start()
        with HTTPStore(replicas.urls, replicas.token, outbox) as store:
            report = store.sync(wait=10)
            assert report.delivered == 3 and report.pending == []
            assert store.server_url == server.url
        (replicas.b if back == "a" else replicas.a).start()

    stored = replicas.events(incident_id, through=replicas.a)
    assert seqs(stored) == list(range(1, 8))
    assert [n["data"]["text"] for n in notes_of(stored)] == written["a"] + written["b"]


def test_the_default_outbox_follows_the_store_whatever_the_list_of_urls(
    replicas: Replicas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WARROOM_OUTBOX", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    with httpx.Client(base_url=replicas.a.url, timeout=10) as client:
        incident_id = declare(client, replicas.token, "lists change")
    with HTTPStore(replicas.a.url, replicas.token) as store:
        store.incident(incident_id)  # first contact: the store id is learnt
    kill(replicas.a)
    kill(replicas.b)
    with HTTPStore(f"{replicas.b.url},{replicas.a.url}", replicas.token, flush_seconds=0) as store:
        store.append(note(incident_id, "queued with both down", store))
        assert store.connection_state()[1] == 1
    replicas.b.start()
    # Another list naming only B (never asked before) still delivers it.
    with HTTPStore(replicas.b.url, replicas.token) as store:
        report = store.sync(wait=10)
        assert report.pending == []
    texts = [n["data"]["text"] for n in notes_of(replicas.events(incident_id, replicas.b))]
    assert texts == ["queued with both down"]


def test_an_outbox_of_an_older_release_named_after_one_url_is_delivered_through_a_list(
    replicas: Replicas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WARROOM_OUTBOX", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    kill(replicas.a)
    kill(replicas.b)
    # What releases before store ids left: one file per URL, its URL in
    # `meta.server`, no store id, events pending.
    old = url_file(tmp_path / "xdg-data" / "warroom", replicas.a.url)
    with HTTPStore(replicas.a.url, replicas.token, old, flush_seconds=0) as store:
        declared = make_event(new_id(), "declared", "alice", {"title": "t", "severity": 2}, NOW())
        store.append_many([declared, note(declared.incident_id, "typed long ago", store)])
        assert store.connection_state()[1] == 2
    legacy = LocalFile(old)
    assert (legacy.get("server"), legacy.get("store_id")) == (replicas.a.url, None)
    legacy.close()
    replicas.b.start()
    with HTTPStore(f"{replicas.b.url},{replicas.a.url}", replicas.token) as store:
        assert store._file.path != old
        report = store.sync(wait=10)
        assert report.pending == [] and report.delivered == 2
    stored = replicas.events(declared.incident_id, replicas.b)
    assert [e["id"] for e in stored] == [declared.id, stored[1]["id"]]
    assert [n["data"]["text"] for n in notes_of(stored)] == ["typed long ago"]


def test_a_server_of_another_store_is_refused(replicas: Replicas, tmp_path: Path) -> None:
    other_db = tmp_path / "other" / "warroom.db"
    other_db.parent.mkdir()
    other = Server(other_db, other_db.parent, args=[])
    token = make_token(other_db, "alice", "responder")
    other.start()
    try:
        # Replicas of one store answer with its id; another store with its own.
        a, b = store_id_of(replicas.a, replicas.token), store_id_of(replicas.b, replicas.token)
        assert a == b != store_id_of(other, token)
        outbox = tmp_path / "outbox.db"
        with HTTPStore(replicas.a.url, replicas.token, outbox) as store:
            assert store.incidents() == []  # first contact: the store id is learnt
        with (
            pytest.raises(StoreUnavailable, match="serves another store") as refused,
            HTTPStore(f"{replicas.b.url},{other.url}", token, outbox) as store,
        ):
            kill(replicas.b)
            store.sync(wait=0)
        assert other.url in str(refused.value) and "WARROOM_OUTBOX" in str(refused.value)
    finally:
        other.stop()


def test_bad_urls_in_the_list_are_named(tmp_path: Path) -> None:
    for servers, bad in (
        ("http://127.0.0.1:1,ftp://x", "ftp://x"),
        ("http://127.0.0.1:1,,http://127.0.0.1:2", "empty URL"),
        ("http://127.0.0.1:1, localhost:8080", "localhost:8080"),
    ):
        with pytest.raises(UsageError, match=bad):
            HTTPStore(servers, "wr_x", tmp_path / "o.db")


def test_the_command_line_fails_over_between_replicas(replicas: Replicas, tmp_path: Path) -> None:
    folder = tmp_path / "cli"
    folder.mkdir()
    env = {
        **isolated_environ(folder, db=False),
        "WARROOM_TOKEN": replicas.token,
        "WARROOM_FLUSH_SECONDS": FLUSH_SECONDS,
    }

    def warroom(*args: str, **more: str) -> Result:  # the installed console script
        done = subprocess.run(
            [str(WARROOM), *args],
            capture_output=True,
            text=True,
            cwd=folder,
            env={**env, **more},
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    servers = ["--server", replicas.urls]
    declared = warroom(*servers, "declare", "checkout down", "--sev", "2", "--json")
    assert declared.returncode == 0, declared.stderr
    incident_id = json.loads(declared.stdout)["id"]
    assert warroom(*servers, "log", incident_id[:8], "before the kill").returncode == 0
    kill(replicas.a)
    logged = warroom("log", incident_id[:8], "after the kill", WARROOM_SERVER=replicas.urls)
    assert logged.returncode == 0, logged.stderr
    assert "queued" not in logged.stderr
    shown = warroom("timeline", incident_id[:8], "--json", *servers)
    assert shown.returncode == 0, shown.stderr
    texts = [e["data"].get("text") for e in json.loads(shown.stdout) if e["kind"] == "note"]
    assert texts == ["before the kill", "after the kill"]
    bad = warroom("--server", f"{replicas.b.url},htp://typo", "list")
    assert bad.returncode == 2 and "htp://typo" in bad.stderr
    assert "Traceback" not in bad.stderr
