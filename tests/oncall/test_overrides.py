"""On-call overrides kept in the store: the table of both SQL engines (a real
SQLite file, a real PostgreSQL; read back by another store instance), the
rules of `services.oncall`, and the commands `warroom oncall override |
overrides | override --remove`."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, assert_fails
from tests.sqlstores import reopen
from warroom.core.clock import FixedClock
from warroom.core.errors import NotFound, UsageError
from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import OnCall
from warroom.resources import data_path
from warroom.services.oncall import add_override, remove_override, who_is_on_call
from warroom.store.base import OverrideTable
from warroom.store.sql.store import SQLStore
from warroom.store.sqlite import SQLiteStore

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def tables() -> OnCall:
    path = data_path("services.toml")
    return load_oncall([(path, tomllib.loads(path.read_text(encoding="utf-8")))])


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_table_keeps_overrides_across_reopening(sql_store: SQLStore, tables: OnCall) -> None:
    clock = FixedClock(NOW)
    assert isinstance(sql_store, OverrideTable)
    first = add_override(
        sql_store, tables, "platform", "dana.k", utc(2026, 12, 21), utc(2026, 12, 22), "erik", clock
    )
    assert (first.id, first.person, first.created_by) == (1, "dana", "erik")  # the alias read
    add_override(sql_store, tables, "platform", "frank", NOW, utc(2026, 12, 21), "erik", clock)
    with reopen(sql_store) as store:  # as another process
        rows = store.override_rows()
        assert [(r.id, r.person, r.starts_at) for r in rows] == [
            (1, "dana", "2026-12-21T00:00:00.000000Z"),
            (2, "frank", "2026-12-20T12:00:00.000000Z"),
        ]
        assert [r.id for r in store.override_rows("2026-12-21T00:00:00.000000Z")] == [1]
        removed = remove_override(store, "1", "gina", clock)
        assert removed.person == "dana"
        assert [r.id for r in store.override_rows()] == [2]
        with pytest.raises(NotFound, match="no override 1 to remove"):
            remove_override(sql_store, "1", "gina", clock)


def test_a_store_override_beats_the_layers_and_the_file(
    sql_store: SQLStore, tables: OnCall
) -> None:
    clock = FixedClock(NOW)
    # The file puts frank on payments-primary from 24 Dec 18:00 New York; the
    # store's override, later, puts dana on from 25 Dec 00:00Z to 26 Dec 00:00Z.
    add_override(
        sql_store,
        tables,
        "payments-primary",
        "dana",
        utc(2026, 12, 25),
        utc(2026, 12, 26),
        "x",
        clock,
    )
    at = utc(2026, 12, 24, 23, 30)
    (before,) = who_is_on_call(tables, ["payments-primary"], at, sql_store)
    assert (before.person, before.until, before.next) == ("frank", utc(2026, 12, 25), "dana")
    (during,) = who_is_on_call(tables, ["payments-primary"], utc(2026, 12, 25, 12), sql_store)
    assert (during.person, during.until, during.next) == ("dana", utc(2026, 12, 26), "frank")


@pytest.mark.parametrize(
    ("schedule", "person", "start", "end", "message"),
    [
        ("nope", "dana", NOW, utc(2027, 1, 1), "no schedule 'nope'"),
        ("platform", "zed", NOW, utc(2027, 1, 1), "'zed' is not a person in [people]"),
        ("platform", "dana", utc(2026, 12, 1), utc(2026, 12, 2), "--to is in the past"),
        ("platform", "dana", utc(2027, 1, 2), utc(2027, 1, 1), "--to must be after --from"),
    ],
)
def test_an_override_that_cannot_be_is_refused(
    db_path: Path,
    tables: OnCall,
    schedule: str,
    person: str,
    start: datetime,
    end: datetime,
    message: str,
) -> None:
    clock = FixedClock(NOW)
    with SQLiteStore(db_path, clock=clock) as store:
        with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
            add_override(store, tables, schedule, person, start, end, "x", clock)
        assert store.override_rows() == []


def test_the_commands_record_list_use_and_remove_an_override(tmp_path: Path) -> None:
    cli = Cli.make(tmp_path)
    cli.env["WARROOM_SERVICE_FILES"] = str(data_path("services.toml"))
    made = cli.ok(
        "oncall",
        "override",
        "platform",
        "gina",
        "--from",
        "2099-03-28T20:00",
        "--to",
        "2099-03-29 08:00",
    )
    # Times without a zone are Berlin's (the schedule's): 19:00Z, and 06:00Z after spring forward.
    assert made.stdout.startswith("override 1: gina on call for platform from ")
    listed = cli.json("oncall", "overrides", "--json")
    assert [(o["id"], o["person"], o["from"], o["to"], o["created_by"]) for o in listed] == [
        (1, "gina", "2099-03-28T19:00:00.000000Z", "2099-03-29T06:00:00.000000Z", "tester")
    ]
    (now,) = cli.json("oncall", "--schedule", "platform", "--at", "2099-03-28T21:00Z", "--json")
    assert (now["person"], now["until"]) == ("gina", "2099-03-29T06:00:00.000000Z")
    assert cli.ok("oncall", "overrides").stdout.splitlines()[0].startswith("   1  gina on call")
    assert cli.ok("oncall", "override", "--remove", "1").stdout == (
        "override 1 removed (gina on platform)\n"
    )
    assert cli.json("oncall", "overrides", "--json") == []
    assert_fails(cli("oncall", "override", "--remove", "1"), 1, "no override 1 to remove")
    assert_fails(cli("oncall", "override", "platform"), 2, "give SCHEDULE PERSON --to T")
    assert_fails(
        cli("oncall", "override", "platform", "gina", "--to", "-1h"), 2, "--to is in the past"
    )
    assert_fails(cli("oncall", "override", "--remove", "x"), 2, "'x' is not an override id")


def test_an_older_file_is_upgraded_and_takes_overrides(tmp_path: Path, tables: OnCall) -> None:
    import shutil

    from tests.store.test_schema import RELEASE_DB
    from warroom.store import schema
    from warroom.store.sqlite import upgrade

    path = tmp_path / "old.db"
    shutil.copyfile(RELEASE_DB, path)
    assert upgrade(path) == (1, schema.SCHEMA_VERSION)
    clock = FixedClock(NOW)
    with SQLiteStore(path, clock=clock) as store:
        assert store.incidents(include_closed=True)  # the old incidents are still there
        add_override(store, tables, "platform", "erik", NOW, utc(2026, 12, 21), "x", clock)
        assert [row.person for row in store.override_rows()] == ["erik"]


def test_an_unreachable_server_shows_the_schedules_without_overrides(tmp_path: Path) -> None:
    from tests.conftest import isolated_environ

    cli = Cli(tmp_path, isolated_environ(tmp_path, db=False))
    cli.env.update(
        WARROOM_SERVER="http://127.0.0.1:9",  # nothing listens
        WARROOM_TOKEN="wr_unused",
        WARROOM_OUTBOX=str(tmp_path / "outbox.db"),
        WARROOM_FLUSH_SECONDS="0",
        WARROOM_SERVICE_FILES=str(data_path("services.toml")),
    )
    shown = cli.ok("oncall", "--schedule", "platform", "--at", "2026-12-24T17:00Z")
    assert shown.stdout.startswith("platform  dana until ")
    assert "overrides not read" in shown.stderr
    refused = cli("oncall", "override", "platform", "dana", "--to", "2099-01-01")
    assert refused.returncode != 0 and "unreachable" in refused.stderr


def test_overrides_over_a_server_are_kept_in_its_store(tmp_path: Path) -> None:
    """`warroom oncall override` over --server writes the server's store (the
    token's name the author); `warroom oncall` and `overrides` read them back."""
    from tests.conftest import isolated_environ
    from tests.server.conftest import Server, make_token

    db = tmp_path / "server.db"
    token = make_token(db, "erik", "responder")
    server = Server(db, tmp_path).start()
    try:
        cli = Cli(tmp_path, isolated_environ(tmp_path, db=False))
        cli.env.update(
            WARROOM_SERVER=server.url,
            WARROOM_TOKEN=token,
            WARROOM_OUTBOX=str(tmp_path / "outbox.db"),
            WARROOM_FLUSH_SECONDS="0",
            WARROOM_SERVICE_FILES=str(data_path("services.toml")),
        )
        before = cli.ok("oncall", "--schedule", "platform", "--at", "2099-01-01T12:00Z").stdout
        assert not before.startswith("platform  erik")
        added = cli.ok(
            "oncall", "override", "platform", "erik", "--from", "2098-12-31", "--to", "2099-01-02"
        )
        assert "erik on call for platform" in added.stdout
        shown = cli.ok("oncall", "--schedule", "platform", "--at", "2099-01-01T12:00Z")
        assert shown.stdout.startswith("platform  erik"), shown.stdout
        (row,) = cli.json("oncall", "overrides", "--json")
        assert (row["person"], row["created_by"]) == ("erik", "erik")
        with SQLiteStore(db) as store:  # in the server's own file
            assert [r.person for r in store.override_rows()] == ["erik"]
        cli.ok("oncall", "override", "--remove", str(row["id"]))
        assert cli.json("oncall", "overrides", "--json") == []
        missing = cli("oncall", "override", "--remove", str(row["id"]))
        assert missing.returncode != 0 and "no override" in missing.stderr
    finally:
        server.stop()
