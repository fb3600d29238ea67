"""A WAL file of another store next to this one is refused, and nothing is touched.

The attack: `cp B.db-wal A.db-wal` (a killed writer's leftover of another
store, or files copied by hand).  Before, `warroom --db A.db list` showed B's
incident and `log` checkpointed B's pages into A: A's events were gone with
no error anywhere.  Real files, real `warroom` processes, a writer killed
with SIGKILL so its WAL stays.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, assert_fails
from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore

# Opens a store, declares an incident and logs notes, then waits to be killed:
# its WAL (never checkpointed, never removed) stays beside the file.
KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from warroom.core.clock import SYSTEM_CLOCK
    from warroom.services.incidents import declare, write
    from warroom.store.sqlite import SQLiteStore

    store = SQLiteStore(sys.argv[1])
    incident = declare(store, "bea", SYSTEM_CLOCK, sys.argv[2]).id
    for n in range(int(sys.argv[3])):
        write(store, incident, "note", "bea", {"text": f"B note {n}"}, SYSTEM_CLOCK)
    print("ready", flush=True)
    time.sleep(600)
    """
)


def killed_writer(path: Path, title: str, notes: int = 3) -> None:
    """Write to `path` in a process killed with SIGKILL before it closes."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path), title, str(notes)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)


def files(path: Path) -> dict[str, bytes]:
    """The bytes of the store file and its WAL."""
    wal = path.with_name(path.name + "-wal")
    return {p.name: p.read_bytes() for p in (path, wal) if p.exists()}


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli.make(tmp_path)


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A.db (one incident, 301 events, closed cleanly: no WAL) and B.db (its
    writer killed: B.db-wal holds its incident)."""
    a, b = tmp_path / "A.db", tmp_path / "B.db"
    with SQLiteStore(a) as store:
        incident = declare(store, "ann", SYSTEM_CLOCK, "A's outage").id
        for n in range(300):
            write(store, incident, "note", "ann", {"text": f"A note {n}"}, SYSTEM_CLOCK)
    assert not a.with_name("A.db-wal").exists()
    killed_writer(b, "B's outage")
    assert b.with_name("B.db-wal").stat().st_size > 0
    yield a, b


def test_another_stores_wal_is_refused_and_nothing_is_touched(
    two_stores: tuple[Path, Path], cli: Cli
) -> None:
    a, b = two_stores
    shutil.copyfile(b.with_name("B.db-wal"), a.with_name("A.db-wal"))
    before = files(a)

    for command in (["list"], ["log", "1", "written into the wrong store?"], ["timeline", "1"]):
        result = cli("--db", str(a), *command)
        assert_fails(result, 1, str(a), str(a.with_name("A.db-wal")), "another store")
        assert "B's outage" not in result.stdout + result.stderr

    assert files(a) == before  # neither the file nor the WAL was touched
    a.with_name("A.db-wal").unlink()  # the way out the message names
    a.with_name("A.db-shm").unlink(missing_ok=True)
    shown = cli.ok("--db", str(a), "timeline", "1").stdout
    assert "A's outage" in shown and "A note 299" in shown


def test_a_store_whose_writer_was_killed_opens_with_its_own_wal(tmp_path: Path, cli: Cli) -> None:
    """The WAL a killed writer leaves is the store's own: it opens, nothing lost."""
    path = tmp_path / "K.db"
    killed_writer(path, "K's outage", notes=5)
    shown = cli.ok("--db", str(path), "timeline", "1").stdout
    assert "K's outage" in shown and "B note 4" in shown
    cli.ok("--db", str(path), "log", "1", "after the crash")


def test_a_store_behind_a_running_server_never_trips_it(tmp_path: Path, cli: Cli) -> None:
    """`warroom serve` holds the store open (its WAL stays, checkpoints run)
    and writes to it: commands on the same file, reading and writing, are
    never refused."""
    import httpx

    from tests.server.conftest import Server, auth, make_token, note_body

    path = tmp_path / "S.db"
    cli.ok("--db", str(path), "declare", "served outage")
    token = make_token(path, "ops", "responder")
    server = Server(path, tmp_path).start()
    try:
        with httpx.Client(base_url=server.url, headers=auth(token), timeout=30) as client:
            incident = cli.json("--db", str(path), "list", "--json")[0]["id"]
            # Past SQLite's automatic checkpoint (1000 pages), more than once.
            for n in range(12):
                body = note_body("y" * 20_000 + f" served {n}")
                client.post(f"/api/v1/incidents/{incident}/events", json=body).raise_for_status()
                cli.ok("--db", str(path), "log", "1", "x" * 20_000 + f" note {n}")
                if n % 4 == 0:
                    assert path.with_name("S.db-wal").exists()
                    cli.ok("--db", str(path), "list")
        shown = cli.ok("--db", str(path), "timeline", "1").stdout
        assert "note 11" in shown and "served 11" in shown
    finally:
        server.stop()
