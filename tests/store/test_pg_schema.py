"""Schema migrations on PostgreSQL (and an old SQLite file): `warroom db
upgrade`, `warroom serve` refusing a schema it does not know unless started
with `--migrate`, two upgrades at once.  Real PostgreSQL (a fresh schema
per test), real `warroom` processes."""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import FIXED_NOW, isolated_environ
from tests.store.test_schema import RELEASE_DB
from warroom.core.clock import FixedClock
from warroom.services.incidents import write
from warroom.store import pg_schema
from warroom.store.postgres import PostgresStore, describe
from warroom.store.schema import SCHEMA_VERSION, alembic_config, revision_name
from warroom.store.sql.append import row_event
from warroom.store.sqlite import SQLiteStore

WARROOM = Path(sys.executable).with_name("warroom")  # the console script
READY = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
CLOCK = FixedClock(FIXED_NOW)


def warroom(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WARROOM), *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env=isolated_environ(folder, db=False),
        timeout=120,
    )


@contextlib.contextmanager
def serving(folder: Path, *args: str) -> Iterator[str]:
    """`warroom serve ARGS` on a free port until the block ends: its URL."""
    log = folder / f"serve-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(WARROOM), "serve", "--port", "0", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env=isolated_environ(folder, user="server-user", db=False),
        )
    try:
        deadline = time.monotonic() + 60
        while not (found := READY.search(log.read_text(errors="replace"))):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"warroom serve did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{found.group(1)}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def healthy(url: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/healthz", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def at_revision(url: str, revision: str) -> None:
    """Run the migrations on an empty schema up to `revision` only."""
    from alembic import command
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url))
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
    finally:
        engine.dispose()


def execute(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def test_an_empty_schema_is_upgraded_by_the_console_script_then_served(
    tmp_path: Path, pg_url: str
) -> None:
    label = describe(pg_url)
    done = warroom(tmp_path, "db", "upgrade", "--db", pg_url)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{label}: upgraded from schema 0 to {SCHEMA_VERSION}\n"
    again = warroom(tmp_path, "db", "upgrade", "--db", pg_url)
    assert again.stdout == f"{label}: schema {SCHEMA_VERSION}, already current\n"
    assert (
        '"state": "current"' in warroom(tmp_path, "db", "version", "--db", pg_url, "--json").stdout
    )

    declared = warroom(tmp_path, "declare", "Checkout down", "--sev", "2", "--db", pg_url)
    assert declared.returncode == 0, declared.stderr
    with serving(tmp_path, "--db", pg_url) as url:
        assert healthy(url) == {"status": "ok", "db": "ok"}
    listed = warroom(tmp_path, "list", "--db", pg_url)
    assert "INC-1" in listed.stdout and "Checkout down" in listed.stdout


def test_an_old_sqlite_file_is_upgraded_to_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(RELEASE_DB, path)
    conn = sqlite3.connect(path)
    events = conn.execute("SELECT * FROM events ORDER BY gseq").fetchall()
    assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    conn.close()

    done = warroom(tmp_path, "db", "upgrade", "--db", str(path))
    assert done.stdout == f"{path}: upgraded from schema 1 to {SCHEMA_VERSION}\n"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
        (revision_name(SCHEMA_VERSION),)
    ]
    assert conn.execute("SELECT * FROM events ORDER BY gseq").fetchall() == events
    conn.close()
    with SQLiteStore(path) as store:
        assert store.events_after(0) == [row_event(row) for row in events]


def fill_like(url: str, source: SQLiteStore) -> dict[str, int]:
    """Put the source store's rows into the (older) schema at `url`: each
    table and column that schema has; the rows per table."""
    tables = {
        name: [column for (column,) in execute(url, _COLUMNS, (name,))]
        for (name,) in execute(url, _TABLES)
        if name != "alembic_version"
    }
    counts = {}
    with psycopg.connect(url) as conn:
        for name, columns in tables.items():
            listed = ", ".join(f'"{column}"' for column in columns)
            rows = source.db.read(f'SELECT {listed} FROM "{name}"')
            if name == "store_id":
                conn.execute("DELETE FROM store_id")
            booleans = {"is_open", "acknowledged", "summarized"}
            rows = [
                tuple(bool(v) if c in booleans else v for c, v in zip(columns, row, strict=True))
                for row in rows
            ]
            marks = ", ".join(["%s"] * len(columns))
            conn.cursor().executemany(f'INSERT INTO "{name}" ({listed}) VALUES ({marks})', rows)
            counts[name] = len(rows)
    return counts


_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
_COLUMNS = (
    "SELECT column_name FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position"
)


@pytest.mark.parametrize("revision", ["0001", "0004"])
def test_an_older_postgres_schema_is_upgraded_to_the_head_with_its_rows(
    tmp_path: Path, pg_url: str, revision: str
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from warroom.store.tables import metadata

    shutil.copyfile(RELEASE_DB, tmp_path / "old.db")
    at_revision(pg_url, revision)
    with SQLiteStore(tmp_path / "old.db") as source:
        counts = fill_like(pg_url, source)
        events = source.events_after(0)
        incidents = source.incidents(include_closed=True)
    assert counts["events"] == 25 and counts["incidents"] == 2
    assert pg_schema.read_version(pg_url, None) == int(revision)

    done = warroom(tmp_path, "db", "upgrade", "--db", pg_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(f"upgraded from schema {int(revision)} to {SCHEMA_VERSION}\n")
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(pg_url))
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()
    with PostgresStore(pg_url, clock=CLOCK) as store:
        assert store.events_after(0) == events
        assert store.incidents(include_closed=True) == incidents
        if revision >= "0002":
            assert [row.name for row in store.token_rows()] == ["pager"]
        note = write(store, store.resolve("INC-2"), "note", "dana", {"text": "after"}, CLOCK)
        assert (note.seq, note.gseq) == (3, 26)


def test_serve_refuses_an_older_and_a_newer_schema_and_migrate_upgrades(
    tmp_path: Path, pg_url: str
) -> None:
    label = describe(pg_url)
    at_revision(pg_url, "0004")
    refused = warroom(tmp_path, "serve", "--port", "0", "--db", pg_url)
    assert refused.returncode != 0
    assert refused.stderr == f"warroom: {pg_schema.mismatch(label, 4)}\n"
    copied = warroom(tmp_path, "db", "copy", "--from", pg_url, "--to", "copy.db")
    assert (copied.returncode, copied.stderr) == (1, refused.stderr)  # a source is not upgraded
    assert not (tmp_path / "copy.db").exists()
    assert pg_schema.read_version(pg_url, None) == 4  # left as it was

    with serving(tmp_path, "--db", pg_url, "--migrate") as url:
        assert healthy(url) == {"status": "ok", "db": "ok"}
    assert pg_schema.read_version(pg_url, None) == SCHEMA_VERSION

    newer = revision_name(SCHEMA_VERSION + 1)
    execute(pg_url, "UPDATE alembic_version SET version_num = %s", (newer,))
    for migrate in ((), ("--migrate",)):
        refused = warroom(tmp_path, "serve", "--port", "0", "--db", pg_url, *migrate)
        assert refused.returncode != 0
        assert refused.stderr == f"warroom: {pg_schema.mismatch(label, SCHEMA_VERSION + 1)}\n"
        assert "upgrade warroom" in refused.stderr


def test_two_upgrades_at_once_make_the_schema_once(tmp_path: Path, pg_url: str) -> None:
    command = [str(WARROOM), "db", "upgrade", "--db", pg_url]
    env = isolated_environ(tmp_path, db=False)
    procs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outcomes = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outcomes
    said = sorted(out for out, _ in outcomes)
    label = describe(pg_url)
    assert said == [
        f"{label}: schema {SCHEMA_VERSION}, already current\n",
        f"{label}: upgraded from schema 0 to {SCHEMA_VERSION}\n",
    ]
    assert execute(pg_url, "SELECT version_num FROM alembic_version") == [
        (revision_name(SCHEMA_VERSION),)
    ]
    assert len(execute(pg_url, "SELECT id FROM store_id")) == 1
