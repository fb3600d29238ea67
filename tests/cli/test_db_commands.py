"""`warroom db check | backup | restore` on healthy files: what they print and refuse.

The attacks they answer are in tests/store/test_backup_restore.py and
tests/store/test_wal_ownership.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli, assert_fails


def test_check_backup_and_restore_a_healthy_store(tmp_path: Path) -> None:
    cli = Cli.make(tmp_path)
    cli.ok("declare", "outage")
    cli.ok("log", "1", "a note")
    report = json.loads(cli.ok("db", "check", "--json").stdout)
    assert report["ok"] is True and report["problems"] == []
    assert report["incidents"] == 1 and report["events"] == 2 and len(report["store_id"]) == 32

    backup = tmp_path / "b.db"
    assert "ok (quick_check" in cli.ok("db", "backup", str(backup)).stdout
    assert not (tmp_path / "b.db.part").exists()
    cli.ok("log", "1", "after the backup")
    out = cli.ok("db", "restore", str(backup)).stdout
    assert "warroom.db aside" in out
    shown = cli.ok("timeline", "1").stdout
    assert "a note" in shown and "after the backup" not in shown
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("warroom.db.before-restore-")]
    assert len(kept) == 1  # the replaced file, never deleted


def test_restore_refuses_what_is_not_a_warroom_backup(tmp_path: Path) -> None:
    cli = Cli.make(tmp_path)
    cli.ok("declare", "outage")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite" * 500)
    assert_fails(cli("db", "restore", str(junk)), 1, "not a warroom database")
    assert_fails(cli("db", "restore", str(tmp_path / "none.db")), 1, "no backup at")
    assert "ok (quick_check" in cli.ok("db", "check").stdout


def test_db_commands_need_the_file_not_a_server(tmp_path: Path) -> None:
    cli = Cli.make(tmp_path)
    result = cli("--server", "http://127.0.0.1:9", "db", "check", env={"WARROOM_TOKEN": "t"})
    assert_fails(result, 2, "give --db")
