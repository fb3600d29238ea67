"""A backup copied over a live store next to its stale WAL: refused, never
written into; `warroom db check | backup | restore` do it properly.

Before, `log` printed `recorded (seq N)` with exit 0 into a file SQLite then
called malformed, and `timeline` failed with `internal error: DatabaseError`.
Real files, real `warroom` processes, a writer killed so its WAL stays.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, assert_fails
from tests.store.test_wal_ownership import killed_writer
from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli.make(tmp_path)


def stale_restore(tmp_path: Path, cli: Cli) -> tuple[Path, Path]:
    """M.db with an old copy of itself copied over it, its newer WAL beside
    it (a killed writer's); the old copy."""
    live = tmp_path / "M.db"
    with SQLiteStore(live) as store:
        incident = declare(store, "ann", SYSTEM_CLOCK, "first outage").id
        for n in range(40):
            text = "x" * 3000 + f" old note {n}"
            write(store, incident, "note", "ann", {"text": text}, SYSTEM_CLOCK)
    old = tmp_path / "old-copy.db"
    shutil.copyfile(live, old)  # closed cleanly: the file is whole
    killed_writer(live, "second outage", notes=200)
    assert live.with_name("M.db-wal").stat().st_size > 0
    shutil.copyfile(old, live)
    return live, old


def test_a_stale_wal_without_its_shm_is_refused_and_nothing_is_written(
    tmp_path: Path, cli: Cli
) -> None:
    live, _ = stale_restore(tmp_path, cli)
    live.with_name("M.db-shm").unlink()  # files copied by hand: the -shm left behind
    before = live.read_bytes(), live.with_name("M.db-wal").read_bytes()

    result = cli("--db", str(live), "log", "1", "into a damaged file?")
    assert_fails(result, 1, str(live), "damaged", "warroom db restore")
    assert_fails(cli("--db", str(live), "timeline", "1"), 1, "damaged")

    assert (live.read_bytes(), live.with_name("M.db-wal").read_bytes()) == before


def test_check_and_serve_find_the_damage(tmp_path: Path, cli: Cli) -> None:
    live, _ = stale_restore(tmp_path, cli)
    result = cli("--db", str(live), "db", "check")
    assert result.returncode == 1 and "DAMAGED" in result.stdout, result
    serve = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", str(live), "serve", "--port", "0"],
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert serve.returncode == 1 and "damaged" in serve.stderr, serve


def test_restore_moves_the_stale_wal_aside_and_the_store_works(tmp_path: Path, cli: Cli) -> None:
    live, _ = stale_restore(tmp_path, cli)
    backup = tmp_path / "nightly.db"
    shutil.copyfile(tmp_path / "old-copy.db", backup)

    out = cli.ok("--db", str(live), "db", "restore", str(backup)).stdout
    assert "M.db-wal aside" in out and ": ok (quick_check" in out
    wal = live.with_name("M.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # the check's reader may make it
    assert any(p.name.startswith("M.db-wal.before-restore-") for p in tmp_path.iterdir())
    cli.ok("--db", str(live), "log", "1", "after the restore")
    shown = cli.ok("--db", str(live), "timeline", "1").stdout
    assert "old note 39" in shown and "after the restore" in shown
    assert "ok (quick_check" in cli.ok("--db", str(live), "db", "check").stdout


def test_backup_of_a_store_in_use_restores_whole(tmp_path: Path, cli: Cli) -> None:
    """`db backup` while a killed writer's WAL holds the newest events: the
    backup has them; restoring it over a wrecked file brings them back."""
    live = tmp_path / "L.db"
    killed_writer(live, "live outage", notes=50)
    backup = tmp_path / "backups" / "L-1.db"
    backup.parent.mkdir()
    out = cli.ok("--db", str(live), "db", "backup", str(backup)).stdout
    assert "1 incidents, 51 events" in out
    assert_fails(cli("--db", str(live), "db", "backup", str(backup)), 1, "exists already")

    live.write_bytes(b"wrecked" * 1000)
    cli.ok("--db", str(live), "db", "restore", str(backup))
    assert "B note 49" in cli.ok("--db", str(live), "timeline", "1").stdout


def test_restore_refuses_while_a_process_has_the_store_open(tmp_path: Path, cli: Cli) -> None:
    live = tmp_path / "R.db"
    cli.ok("--db", str(live), "declare", "outage")
    backup = tmp_path / "R-backup.db"
    cli.ok("--db", str(live), "db", "backup", str(backup))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from warroom.store.sqlite import SQLiteStore;"
            "s = SQLiteStore(sys.argv[1]); s.last_gseq(); print('ready', flush=True);"
            "time.sleep(600)",
            str(live),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        assert_fails(cli("--db", str(live), "db", "restore", str(backup)), 1, "open in another")
    finally:
        holder.kill()
        holder.wait(timeout=30)
