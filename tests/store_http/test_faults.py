"""Faults with real processes: a client killed with events in its outbox, the
server killed under a client, a live stream cut off mid-way."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.server.conftest import auth, declare
from tests.store_http.conftest import WRITER, Cli, Served, notes_of, seqs
from warroom.core.events import Event, make_event
from warroom.store.http import HTTPStore
from warroom.store.localfile import LocalFile
from warroom.store.outbox import PENDING, Outbox

DEADLINE = 30.0


class Writer:
    """tests/store_http/writer.py in a process of its own; reads the ids it prints."""

    def __init__(self, served: Served, outbox: Path, incident_id: str, start: int) -> None:
        command = [sys.executable, str(WRITER), served.url, served.token, str(outbox)]
        self.proc = subprocess.Popen(
            [*command, incident_id, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.ids: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.ids.append(line.strip())

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + DEADLINE
        while len(self.ids) < count:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            assert time.monotonic() < deadline, f"the writer printed only {len(self.ids)} ids"
            time.sleep(0.01)

    def kill(self) -> list[str]:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(10)
        return list(self.ids)


def wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_client_killed_with_events_in_its_outbox_delivers_each_once_after_restart(
    served: Served, cli: Cli, outbox: Path
) -> None:
    with httpx.Client(base_url=served.url, timeout=10) as client:
        incident_id = declare(client, served.token, "kill -9 the client")

    def server_notes() -> int:
        return len(notes_of(served.events(incident_id)))

    # 1. The client appends; the server dies under it; it goes on queueing.
    first = Writer(served, outbox, incident_id, start=0)
    first.wait_for(20)
    served.server.signal(signal.SIGKILL)
    served.server.wait(10)
    first.wait_for(len(first.ids) + 30)
    # 2. The client is killed with (at least) those 30 events in its outbox.
    printed = first.kill()
    left = LocalFile(outbox)
    assert Outbox(left).count(PENDING) >= 30
    left.close()

    # 3. Server back; the client restarts, delivers its backlog (while a
    # `warroom sync` on the same outbox competes to send it: one sender at a
    # time keeps the order), and is killed again mid-way.
    served.server.start()
    second = Writer(served, outbox, incident_id, start=10_000)
    rival = threading.Thread(target=cli, args=("sync",))
    rival.start()
    wait_until(lambda: server_notes() >= len(printed) + 20, "the backlog and new events")
    printed += second.kill()
    rival.join(DEADLINE)

    # 4. `warroom sync` delivers whatever is left, once.
    synced = cli("sync")
    assert synced.returncode == 0, synced.stderr
    events = served.events(incident_id)
    notes = notes_of(events)
    ids = [note["id"] for note in notes]
    assert len(set(ids)) == len(ids), "an event was stored twice"
    assert seqs(events) == list(range(1, len(events) + 1))
    # Every event the client reported is stored once, in the order it was typed;
    # at most one unreported event per kill (typed, then killed before printing).
    reported = set(printed)
    assert [i for i in ids if i in reported] == printed
    assert len(ids) - len(printed) <= 2
    texts = [int(note["data"]["text"][1:]) for note in notes]
    assert texts == sorted(texts)
    assert cli("sync").stdout.strip() == "nothing pending"


async def test_a_watcher_cut_off_by_a_server_restart_resumes_without_gap_or_duplicate(
    served: Served, tmp_path: Path
) -> None:
    writer = HTTPStore(served.url, served.token, tmp_path / "writer.db")
    watcher = HTTPStore(served.url, served.token, tmp_path / "watcher.db")
    total = 120
    with httpx.Client(base_url=served.url, timeout=10) as client:
        watched = declare(client, served.token, "watched")
        other = declare(client, served.token, "other")

    def write(start: int, stop: int) -> None:
        for n in range(start, stop):
            target = watched if n % 3 else other
            event = make_event(target, "note", "alice", {"text": f"n{n}"}, writer.clock.now())
            writer.append(event)
            if n % 10 == 0:
                time.sleep(0.01)

    streaming = threading.Event()

    def chaos() -> None:
        write(0, total // 2)
        assert streaming.wait(DEADLINE)
        served.server.signal(signal.SIGKILL)  # cut off mid-stream
        served.server.wait(10)
        served.server.start()
        write(total // 2, total)

    async def collect(stream, count: int) -> list[Event]:  # type: ignore[no-untyped-def]
        received: list[Event] = []
        async with asyncio.timeout(DEADLINE):
            async for event in stream:
                received.append(event)
                if len(received) == 20:
                    streaming.set()
                if len(received) == count:
                    break
        return received

    everything = watcher.watch(0)
    one = watcher.watch(0, incident_id=watched)
    expected_one = 1 + sum(1 for n in range(total) if n % 3)
    worker = asyncio.ensure_future(asyncio.to_thread(chaos))
    all_events, one_events = await asyncio.gather(
        collect(everything, 2 + total), collect(one, expected_one)
    )
    await worker
    await everything.aclose()
    await one.aclose()

    with httpx.Client(base_url=served.url, timeout=10) as client:
        feed = client.get(
            "/api/v1/events", params={"limit": 10_000}, headers=auth(served.token)
        ).json()["events"]
    assert [e.to_dict() for e in all_events] == feed
    assert [e.seq for e in one_events] == list(range(1, expected_one + 1))
    assert [e.id for e in one_events] == [e["id"] for e in feed if e["incident_id"] == watched]
    # What the watcher received is in its cache too, for when the server is down.
    assert watcher.replica.events(watched) == one_events
    assert watcher.connection_state() == ("live", 0)
    writer.close()
    watcher.close()
