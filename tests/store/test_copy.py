"""`warroom db copy`: a whole store from an SQLite file into PostgreSQL and
back (real files, a real PostgreSQL schema per test), everything kept."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.storekit import RULES, firing
from tests.conftest import FIXED_NOW, isolated_environ
from tests.pg import fresh_schema
from tests.store.test_schema import RELEASE_DB
from warroom.core.alerts.rules import AlertSettings
from warroom.core.clock import FixedClock
from warroom.core.errors import StoreUnavailable, UsageError
from warroom.core.times import format_time
from warroom.services import alerts as alert_service
from warroom.services.incidents import declare, write
from warroom.store.base import Delivery, TokenRow
from warroom.store.copy import copy_store
from warroom.store.postgres import PostgresStore, describe
from warroom.store.schema import SCHEMA_VERSION
from warroom.store.sql.store import SQLStore
from warroom.store.sqlite import SQLiteStore
from warroom.store.tables import TABLES

CLOCK = FixedClock(FIXED_NOW)
WARROOM = Path(sys.executable).with_name("warroom")  # the console script
OTHER_TABLES = (
    "alert_groups",
    "alert_buckets",
    "delivery_routes",
    "delivery_sender",
    "server_secrets",
)


def release_store(folder: Path) -> Path:
    """The release file (25 events, 2 incidents, a token) with alerts, an
    incident they declared, on-call overrides, deliveries (one sent), a
    revoked token, the sender's lease and a server secret added."""
    path = folder / "source.db"
    shutil.copyfile(RELEASE_DB, path)
    with SQLiteStore(path, clock=CLOCK) as store:
        alert_service.ingest(
            store,
            [firing("db-1"), firing("db-2"), firing("disk", group="g2", severity="warning")],
            RULES,
            AlertSettings(),
            CLOCK,
        )
        at = format_time(FIXED_NOW)
        store.add_token(TokenRow("hash-of-ci", "ci", "responder", at))
        store.revoke_token("ci", at)
        store.add_token(TokenRow("hash-of-viewer", "viewer", "viewer", at))
        store.add_override("primary", "dana", at, "2026-11-27T03:40:00Z", "alice", at)
        gone = store.add_override("primary", "erin", at, "2026-11-28T03:40:00Z", "alice", at)
        store.remove_override(gone.id, "alice", at)
        first = store.events_after(0, limit=2)
        queue = store.deliveries()
        queue.enqueue(
            [
                Delivery(item.id, item.incident_id, "chat", "json://127.0.0.1:9", "notify", "hi")
                for item in first
            ],
            at,
        )
        assert queue.take_lease("sender-1", at, "2026-11-26T03:41:00Z") is not None
        claimed = queue.claim("notify", "sender-1", at, "2026-11-26T03:41:00Z", 1)
        queue.sent([claimed[0].id], "sender-1", at)
        store.server_secret("ack")
    return path


def table_rows(store: SQLStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the store's write counter aside), by key."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table in TABLES:
        keys = [column.name for column in table.primary_key.columns]
        others = [column.name for column in table.columns if column.name not in keys]
        if table.name == "store_id":
            others.remove("touched")
        columns = ", ".join(f'"{name}"' for name in keys + others)
        rows = store.db.read(f'SELECT {columns} FROM "{table.name}"')
        width = len(keys)
        found[table.name] = sorted(
            (tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows),
            key=lambda row: row[:width],
        )
    return found


def views(store: SQLStore) -> dict[str, Any]:
    """The store as its readers see it."""
    return {
        "events": store.events_after(0, limit=100_000),
        "incidents": store.incidents(include_closed=True),
        "tokens": store.token_rows(),
        "alerts": store.alert_rows("all", limit=1000),
        "overrides": store.override_rows(),
        "deliveries": store.deliveries().rows(),
        "sender": store.deliveries().sender(),
    }


def store_id(store: SQLStore) -> str:
    return store.db.read('SELECT id FROM store_id WHERE "only" = 1')[0][0]


def pg(url: str) -> PostgresStore:
    return PostgresStore(url, clock=CLOCK, migrate=True)


def test_sqlite_to_postgres_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    source = release_store(tmp_path)
    back = tmp_path / "back.db"
    with SQLiteStore(source) as store:
        before, rows_before, source_id = views(store), table_rows(store), store_id(store)
    assert len(before["events"]) > 25 and len(before["incidents"]) == 3
    assert before["alerts"] and before["deliveries"] and before["overrides"]

    there = copy_store(str(source), pg_url)
    assert there.rows == {
        name: len(rows) for name, rows in rows_before.items() if name != "store_id"
    }
    others = sum(len(rows_before[name]) for name in OTHER_TABLES)
    assert there.line() == (
        f"copied {len(before['events'])} events of 3 incidents, 3 alerts, 3 tokens, "
        f"2 on-call overrides, 2 deliveries, {others} other rows "
        f"from {source} to {describe(pg_url)}"
    )
    with pg(pg_url) as store:
        assert store_id(store) == source_id
        assert views(store) == before
        assert table_rows(store) == rows_before

    with fresh_schema() as other_url:  # PostgreSQL to PostgreSQL too
        assert copy_store(pg_url, other_url).rows == there.rows
        with pg(other_url) as store:
            assert table_rows(store) == rows_before

    home = copy_store(pg_url, str(back))
    assert home.rows == there.rows
    with SQLiteStore(back) as store:
        assert store_id(store) == source_id
        assert views(store) == before
        assert table_rows(store) == rows_before
        assert store.incident(store.resolve("INC-1")).title == "Checkout errors at 30%"


def test_a_second_copy_copies_nothing_new_then_only_what_changed(
    tmp_path: Path, pg_url: str
) -> None:
    source = release_store(tmp_path)
    copy_store(str(source), pg_url)
    again = copy_store(str(source), pg_url)
    assert again.nothing
    assert again.line() == f"nothing new to copy from {source} to {describe(pg_url)}"

    with SQLiteStore(source, clock=CLOCK) as store:
        write(store, store.resolve("INC-2"), "note", "dana", {"text": "later"}, CLOCK)
        store.revoke_token("viewer", format_time(FIXED_NOW))
        expected = views(store)
    more = copy_store(str(source), pg_url)
    assert more.line().startswith("copied 1 event of 1 incident, 1 token from ")
    with pg(pg_url) as store:
        assert views(store) == expected
    assert copy_store(str(source), pg_url).nothing


def test_appends_in_postgres_after_a_copy_continue_the_numbers(tmp_path: Path, pg_url: str) -> None:
    source = release_store(tmp_path)
    copy_store(str(source), pg_url)
    with SQLiteStore(source) as store:
        last_gseq = store.last_gseq()
        inc2 = store.incident(store.resolve("INC-2"))
        token_ids = [row[0] for row in store.db.read("SELECT id FROM tokens")]
        override_ids = [row[0] for row in store.db.read("SELECT id FROM oncall_overrides")]
        delivery_ids = [row.id for row in store.deliveries().rows()]

    with pg(pg_url) as store:
        note = write(store, inc2.id, "note", "dana", {"text": "on PostgreSQL"}, CLOCK)
        assert (note.seq, note.gseq) == (inc2.last_seq + 1, last_gseq + 1)
        new = declare(store, "dana", CLOCK, "Queue backlog", severity=3)
        assert new.number == 4 and store.last_gseq() == last_gseq + 2
        store.add_token(TokenRow("hash-after", "after-copy", "viewer", format_time(FIXED_NOW)))
        assert max(row[0] for row in store.db.read("SELECT id FROM tokens")) == max(token_ids) + 1
        at = format_time(FIXED_NOW)
        added = store.add_override("primary", "fay", at, "2026-11-29T00:00:00Z", "bob", at)
        assert added.id == max(override_ids) + 1
        queue = store.deliveries()
        assert queue.enqueue([Delivery(note.id, inc2.id, "chat", "json://x", "notify", "n")], at)
        assert max(row.id for row in queue.rows()) == max(delivery_ids) + 1


def test_a_destination_holding_another_store_is_refused_unchanged(
    tmp_path: Path, pg_url: str
) -> None:
    source = release_store(tmp_path)
    other = tmp_path / "other.db"
    with SQLiteStore(other, clock=CLOCK) as store:
        declare(store, "zoe", CLOCK, "Another team's incident")
    with pg(pg_url) as store:
        declare(store, "zoe", CLOCK, "Another team's incident")
    for target in (str(other), pg_url):
        with SQLiteStore(other) if target == str(other) else pg(target) as store:
            before = table_rows(store)
        with pytest.raises(UsageError, match="holds 1 event of another store"):
            copy_store(str(source), target)
        with SQLiteStore(other) if target == str(other) else pg(target) as store:
            assert table_rows(store) == before


def test_a_destination_written_to_since_the_last_copy_is_refused(
    tmp_path: Path, pg_url: str
) -> None:
    source = release_store(tmp_path)
    copy_store(str(source), pg_url)
    with pg(pg_url) as store:
        write(store, store.resolve("INC-2"), "note", "dana", {"text": "only here"}, CLOCK)
        before = table_rows(store)
    with pytest.raises(UsageError, match="holds events of this store that the source lacks"):
        copy_store(str(source), pg_url)
    with pg(pg_url) as store:
        assert table_rows(store) == before
    assert copy_store(pg_url, str(source)).line().startswith("copied 1 event of 1 incident")


def test_bad_ends_are_refused_before_anything_is_written(tmp_path: Path, pg_url: str) -> None:
    source = release_store(tmp_path)
    with pytest.raises(StoreUnavailable, match="no warroom database"):
        copy_store(str(tmp_path / "missing.db"), pg_url)
    with pytest.raises(StoreUnavailable, match="no warroom tables"):
        copy_store(pg_url, str(tmp_path / "new.db"))
    assert not (tmp_path / "new.db").exists()
    with pytest.raises(UsageError, match="same store"):
        copy_store(str(source), f"{tmp_path}/./source.db")
    with pytest.raises(UsageError, match=r"^--to: the PostgreSQL URL holds a password"):
        copy_store(str(tmp_path / "missing.db"), "postgresql://postgres:secret@127.0.0.1/test")


# -- the console script ----------------------------------------------------


def warroom(folder: Path, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WARROOM), *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env=isolated_environ(folder, db=False),
        timeout=120,
        **options,
    )


def test_the_console_script_copies_and_says_so(tmp_path: Path, pg_url: str) -> None:
    shutil.copyfile(RELEASE_DB, tmp_path / "old.db")
    done = warroom(tmp_path, "db", "copy", "--from", "old.db", "--to", pg_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"copied 25 events of 2 incidents, 1 token from old.db to {describe(pg_url)}\n"
    )
    assert (
        done.stderr == f"warroom: upgraded old.db from schema 1 to {SCHEMA_VERSION}\n"
    )  # no bar: not a terminal

    done = warroom(tmp_path, "db", "copy", "--from", pg_url, "--to", "back.db")
    assert done.stdout.startswith("copied 25 events of 2 incidents, 1 token from PostgreSQL")
    done = warroom(tmp_path, "db", "copy", "--to", "back.db", "--from", pg_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"nothing new to copy from {describe(pg_url)} to back.db\n"

    listed = warroom(tmp_path, "list", "--all", "--db", pg_url)
    assert "Checkout errors at 30%" in listed.stdout and "INC-2" in listed.stdout


def test_a_terminal_gets_a_progress_bar(tmp_path: Path, pg_url: str) -> None:
    shutil.copyfile(RELEASE_DB, tmp_path / "old.db")
    main, other = pty.openpty()
    shown: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end is closed: all read
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen(
            [str(WARROOM), "db", "copy", "--from", "old.db", "--to", pg_url],
            stdout=subprocess.PIPE,
            stderr=other,
            cwd=tmp_path,
            env=isolated_environ(tmp_path, db=False),
        )
        out, _ = proc.communicate(timeout=120)
    finally:
        os.close(other)
        reader.join(10)
        os.close(main)
    assert proc.returncode == 0
    text = b"".join(shown).decode(errors="replace")
    assert "copying" in text and "rows" in text
    assert out.decode().startswith("copied 25 events")


def test_without_a_terminal_the_copy_loads_no_rich(tmp_path: Path) -> None:
    shutil.copyfile(RELEASE_DB, tmp_path / "old.db")
    dump = tmp_path / "modules.txt"
    script = (
        "import sys\nfrom warroom.cli import main\nstatus = main(sys.argv[2:])\n"
        "open(sys.argv[1], 'w').write('\\n'.join(sorted(sys.modules)))\nsys.exit(status)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(dump),
            "db",
            "copy",
            "--from",
            "old.db",
            "--to",
            "new.db",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=isolated_environ(tmp_path, db=False),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    modules = dump.read_text().split()
    assert not [name for name in modules if name == "rich" or name.startswith("rich.")]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--from", "missing.db", "--to", "x.db"), 1, "there is no warroom database at missing.db"),
        (("--from", "postgresql://[::1", "--to", "x.db"), 2, "--from: not a PostgreSQL URL"),
        (("--from", "x.db", "--to", "postgresql://u:pw@127.0.0.1/db"), 2, "holds a password"),
        (("--from", "postgresql://postgres@127.0.0.1:1/test", "--to", "x.db"), 1, "unreachable"),
        (("--from", "x.db", "--to", "./x.db"), 2, "same store"),
        (("--from", "x.db"), 2, "--to"),
        (("--from", "x.db", "--to", "no-such-folder/y.db"), 1, "does not exist"),
    ],
    ids=["missing-file", "bad-url", "password", "unreachable", "same", "no-to", "no-folder"],
)
def test_bad_input_is_one_line_and_an_exit_code(
    tmp_path: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    with SQLiteStore(tmp_path / "x.db", clock=CLOCK) as store:
        declare(store, "zoe", CLOCK, "Something")
    done = warroom(tmp_path, "db", "copy", *args)
    assert done.returncode == code, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1
    assert done.stderr.startswith("warroom: ") and says in done.stderr
    assert "Traceback" not in done.stderr
