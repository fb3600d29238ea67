"""`warroom db upgrade` and `warroom db version` on a file made by the release
before schema migrations (tests/store/data/release-schema1.db)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tests.cli.conftest import Cli, assert_fails
from tests.store.test_schema import RELEASE_DB
from warroom.store.schema import SCHEMA_VERSION


def old_store(tmp_path: Path) -> Cli:
    cli = Cli.make(tmp_path)
    shutil.copyfile(RELEASE_DB, tmp_path / "warroom.db")
    return cli


def test_db_upgrade_upgrades_the_release_file_in_place_then_log_works(tmp_path: Path) -> None:
    cli = old_store(tmp_path)
    version = cli.json("db", "version", "--json")
    assert version["schema"] == 1 and version["state"] == "older"
    assert version["warroom_schema"] == SCHEMA_VERSION

    result = cli.ok("db", "upgrade")
    assert result.stdout.endswith(f"upgraded from schema 1 to {SCHEMA_VERSION}\n")
    assert cli.ok("db", "upgrade").stdout.endswith(f"schema {SCHEMA_VERSION}, already current\n")
    assert cli.json("db", "version", "--json")["state"] == "current"

    timeline = cli.json("timeline", "INC-1", "--json")
    assert len(timeline) == 23 and timeline[-1]["kind"] == "followup_done"
    assert cli.ok("log", "INC-2", "after the upgrade").stdout.startswith("INC-2: note recorded")
    assert [row["name"] for row in cli.json("token", "list", "--json")] == ["pager"]


def test_any_command_upgrades_an_old_file(tmp_path: Path) -> None:
    cli = old_store(tmp_path)
    cli.ok("log", "INC-1", "first write after the new release")
    assert cli.json("db", "version", "--json")["schema"] == SCHEMA_VERSION


def test_a_newer_file_says_to_upgrade_warroom(tmp_path: Path) -> None:
    cli = old_store(tmp_path)
    conn = sqlite3.connect(tmp_path / "warroom.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    for command in (("log", "INC-1", "x"), ("db", "upgrade"), ("list",)):
        assert_fails(cli(*command), 1, "newer warroom", "upgrade warroom")
    assert "upgrade warroom" in cli.ok("db", "version").stdout


def test_db_commands_need_a_file(tmp_path: Path) -> None:
    cli = Cli.make(tmp_path)
    assert_fails(cli("db", "upgrade"), 1, "no warroom database")
    assert_fails(cli("db", "version"), 1, "no warroom database")
    assert not (tmp_path / "warroom.db").exists()
    server = {"WARROOM_SERVER": "http://127.0.0.1:9", "WARROOM_TOKEN": "wr_unused"}
    del cli.env["WARROOM_DB"]
    assert_fails(cli("db", "version", env=server), 2, "--db")
