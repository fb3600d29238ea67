"""Several real processes on one SQLite file, as several terminals on one host."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore

WRITER = Path(__file__).with_name("writer.py")
PROCESSES = 4
EACH = 250


def run_together(*argvs: list[str]) -> list[tuple[int, str, str]]:
    """Start one writer per argv, wait until all are ready, let them go at once;
    each one's (returncode, stdout after "ready", stderr)."""
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    try:
        for writer in writers:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "ready"
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=120) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    return [(w.returncode, out, err) for w, (out, err) in zip(writers, outputs, strict=True)]


def test_four_processes_open_a_new_file_at_once(db_path: Path) -> None:
    results = run_together(*[["first", str(db_path)]] * PROCESSES)
    assert [(code, err) for code, _, err in results] == [(0, "")] * PROCESSES
    refs = sorted(json.loads(out)["ref"] for _, out, _ in results)
    assert refs == [f"INC-{n}" for n in range(1, PROCESSES + 1)]
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_four_processes_append_to_one_incident_at_once(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        incident_id = declare(store, "lead", SYSTEM_CLOCK, "Checkout API 502s").id

    argv = ["batch", str(db_path), incident_id, str(EACH)]
    results = run_together(*[argv] * PROCESSES)

    reports = []
    for code, stdout, stderr in results:
        assert (code, stderr) == (0, "")
        reports.append(json.loads(stdout))
    assert [report["errors"] for report in reports] == [[]] * PROCESSES
    assert [len(report["ids"]) for report in reports] == [EACH] * PROCESSES

    with SQLiteStore(db_path) as store:
        events = store.events(incident_id)
        total = 1 + PROCESSES * EACH
        assert [event.seq for event in events] == list(range(1, total + 1))
        gseqs = [event.gseq or 0 for event in events]
        assert gseqs == sorted(gseqs) and len(set(gseqs)) == total  # seq follows commit order
        assert store.incident(incident_id).last_seq == total
        assert store.last_gseq() == gseqs[-1]
        by_id = {event.id: event.seq or 0 for event in events}
        for report in reports:  # each process's events, each once, in its own order
            mine = [by_id[event_id] for event_id in report["ids"]]
            assert mine == sorted(mine)
        assert sum(len(report["ids"]) for report in reports) == len(by_id) - 1


async def test_a_watcher_sees_another_process_commits(db_path: Path) -> None:
    """Nothing in this process wakes the watcher: only PRAGMA data_version can."""
    count = 20
    with SQLiteStore(db_path) as store:
        incident_id = declare(store, "lead", SYSTEM_CLOCK, "Search is slow").id
        stream = store.watch(store.last_gseq(), incident_id=incident_id)
        first = asyncio.ensure_future(anext(stream))
        writer = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WRITER),
            "batch",
            str(db_path),
            incident_id,
            str(count),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert writer.stdout is not None and writer.stdin is not None
            assert await asyncio.wait_for(writer.stdout.readline(), 30) == b"ready\n"
            assert not first.done()  # the watcher is waiting
            writer.stdin.write(b"go\n")
            await writer.stdin.drain()
            received = [await asyncio.wait_for(first, 10)]
            while len(received) < count:
                received.append(await asyncio.wait_for(anext(stream), 10))
            stdout, stderr = await asyncio.wait_for(writer.communicate(), 30)
        finally:
            if writer.returncode is None:
                writer.kill()
                await writer.wait()
            first.cancel()
            await asyncio.gather(first, return_exceptions=True)
            await stream.aclose()  # type: ignore[attr-defined]

    assert writer.returncode == 0, stderr.decode()
    report = json.loads(stdout)
    assert report["errors"] == []
    assert [event.id for event in received] == report["ids"]
    assert [event.seq for event in received] == list(range(2, count + 2))
