"""A writer killed with SIGKILL mid-stream loses nothing it had acknowledged."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore

WRITER = Path(__file__).with_name("writer.py")


def run_and_kill(db_path: Path, incident_id: str, after: int) -> list[str]:
    """Start a writer, let it acknowledge `after` events, SIGKILL it mid-stream;
    the ids it printed (each printed only after its append returned)."""
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), "stream", str(db_path), incident_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    printed: list[str] = []
    try:
        while len(printed) < after:
            line = writer.stdout.readline()
            assert line, (
                f"the writer stopped early: {writer.stderr.read() if writer.stderr else ''}"
            )
            printed.append(line.strip())
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(30)
        # Read the rest through the same buffered reader: `communicate` reads the
        # pipe itself and would miss the lines `readline` had already read ahead.
        rest = writer.stdout.read()
        writer.communicate(timeout=30)  # closes the pipes
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL
    printed += rest.split()  # acknowledged before the kill landed
    return printed


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_sigkill_mid_stream_loses_no_acknowledged_event(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        incident_id = declare(store, "lead", SYSTEM_CLOCK, "Payments down").id

    acknowledged: list[str] = []
    for after in (40, 15, 70):  # crash, reopen the crashed file, crash again
        acknowledged += run_and_kill(db_path, incident_id, after)
        assert integrity(db_path) == "ok"

    with SQLiteStore(db_path) as store:
        events = store.events(incident_id)
        stored = {event.id for event in events}
        assert [event.seq for event in events] == list(range(1, len(events) + 1))
        assert store.incident(incident_id).last_seq == len(events)  # snapshot matches log
        assert set(acknowledged) <= stored
        # At most one event per crash was stored but not yet acknowledged.
        assert len(stored) - 1 - len(acknowledged) in range(0, 4)
        # The store still takes writes after the crashes.
        declare(store, "lead", SYSTEM_CLOCK, "After the crash")
    assert integrity(db_path) == "ok"
