"""The SQLite store's schema: made from the SQLModel tables, versioned in
`PRAGMA user_version` (the Alembic revision), upgraded in place."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.errors import StoreUnavailable
from warroom.core.incident import Incident
from warroom.services.incidents import write
from warroom.store import schema
from warroom.store.sql.append import row_event as _row_event
from warroom.store.sqlite import SQLiteStore, upgrade

RELEASE_DB = Path(__file__).with_name("data") / "release-schema1.db"


@pytest.fixture
def release_db(tmp_path: Path) -> Path:
    """A copy of the file made by the release before migrations (schema 1)."""
    path = tmp_path / "old.db"
    shutil.copyfile(RELEASE_DB, path)
    return path


def rows(path: Path, query: str) -> list[Any]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def version(path: Path) -> int:
    return rows(path, "PRAGMA user_version")[0][0]


def shape(path: Path) -> dict[str, Any]:
    """The tables' columns and indexes, as SQLite describes them (not the DDL text)."""
    conn = sqlite3.connect(path)
    try:
        found: dict[str, Any] = {}
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        for (table,) in tables:
            columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
            indexes = set()
            for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
                keys = tuple(row[2] for row in conn.execute(f"PRAGMA index_info({name})"))
                indexes.add((keys, unique, origin, partial))
            found[table] = ([_column(*c) for c in columns], indexes)
        return found
    finally:
        conn.close()


def _column(cid: int, name: str, kind: str, notnull: int, default: Any, pk: int) -> tuple:
    """A column as SQLite treats it: its type affinity (VARCHAR and TEXT are
    both TEXT); an INTEGER PRIMARY KEY is the row id, never NULL either way."""
    kind = kind.upper()
    affinity = "INTEGER" if "INT" in kind else "TEXT" if "CHAR" in kind or "TEXT" in kind else kind
    return (name, affinity, notnull or (pk and affinity == "INTEGER"), default, pk)


def test_schema_version_is_the_alembic_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(schema.alembic_config())
    assert script.get_current_head() == schema.revision_name(schema.SCHEMA_VERSION)
    revisions = [revision.revision for revision in script.walk_revisions()]
    assert sorted(revisions) == [
        schema.revision_name(n) for n in range(1, schema.SCHEMA_VERSION + 1)
    ]


def test_a_new_file_is_made_at_the_head(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    assert version(db_path) == schema.SCHEMA_VERSION
    assert rows(db_path, "PRAGMA application_id") == [(schema.APPLICATION_ID,)]
    assert rows(db_path, "SELECT version_num FROM alembic_version") == [
        (schema.revision_name(schema.SCHEMA_VERSION),)
    ]
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_the_release_file_is_upgraded_in_place_and_reads_back_the_same(release_db: Path) -> None:
    events_before = rows(release_db, "SELECT * FROM events ORDER BY gseq")
    incidents_before = rows(release_db, "SELECT * FROM incidents ORDER BY number")
    tokens_before = rows(release_db, "SELECT * FROM tokens")
    assert version(release_db) == 1 and len(events_before) == 25 and len(incidents_before) == 2
    snapshots = {row[0]: row[-1] for row in incidents_before}
    assert upgrade(release_db) == (1, schema.SCHEMA_VERSION)

    assert version(release_db) == schema.SCHEMA_VERSION
    assert rows(release_db, "SELECT * FROM events ORDER BY gseq") == events_before
    assert rows(release_db, "SELECT * FROM incidents ORDER BY number") == incidents_before
    assert rows(release_db, "SELECT * FROM tokens") == tokens_before
    with SQLiteStore(release_db) as store:
        for incident in store.incidents(include_closed=True):
            assert incident == Incident.from_snapshot(json.loads(snapshots[incident.id]))
            assert store.events(incident.id) == [
                _row_event(row) for row in events_before if row[2] == incident.id
            ]
        assert store.events_after(0) == [_row_event(row) for row in events_before]
        incident = store.resolve("2")
        stored = write(store, incident, "note", "dana", {"text": "after the upgrade"}, SYSTEM_CLOCK)
        assert stored.seq == 3 and stored.gseq == 26


def test_a_fresh_file_and_an_upgraded_one_have_the_same_schema(
    release_db: Path, db_path: Path
) -> None:
    upgrade(release_db)
    SQLiteStore(db_path).close()
    assert shape(release_db) == shape(db_path)


@pytest.mark.parametrize("upgraded", [False, True], ids=["fresh", "upgraded"])
def test_the_migrations_match_the_sqlmodel_tables(
    upgraded: bool, release_db: Path, db_path: Path
) -> None:
    """Alembic's autogenerate finds nothing to change: the tables are the one definition."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from warroom.store.tables import metadata

    path = release_db if upgraded else db_path
    SQLiteStore(path).close()
    engine = schema.make_engine(path)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_opening_an_old_file_upgrades_it(release_db: Path) -> None:
    with SQLiteStore(release_db) as store:
        assert store.resolve("INC-1")
    assert version(release_db) == schema.SCHEMA_VERSION


def test_concurrent_openers_of_an_old_file_upgrade_it_once(release_db: Path) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            SQLiteStore(release_db).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rows(release_db, "SELECT version_num FROM alembic_version") == [
        (schema.revision_name(schema.SCHEMA_VERSION),)
    ]


def test_a_file_of_a_newer_warroom_is_refused_unchanged(release_db: Path) -> None:
    upgrade(release_db)
    conn = sqlite3.connect(release_db)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    content = release_db.read_bytes()
    for attempt in (lambda: SQLiteStore(release_db), lambda: upgrade(release_db)):
        with pytest.raises(StoreUnavailable, match=r"newer warroom.*upgrade warroom"):
            attempt()
    assert release_db.read_bytes() == content


def test_upgrade_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="no warroom database"):
        upgrade(tmp_path / "none.db")
    assert list(tmp_path.iterdir()) == []


def test_the_hot_path_imports_no_sqlalchemy(db_path: Path) -> None:
    """Checked in a fresh interpreter by tests/test_imports.py; here: the module
    names it, so a stray top-level import shows up in this suite too."""
    import ast

    source = Path(schema.__file__).with_name("sqlite.py").read_text()
    top = [n for n in ast.parse(source).body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {getattr(n, "module", None) or n.names[0].name for n in top}
    assert not {name for name in names if name.split(".")[0] in {"sqlalchemy", "sqlmodel"}}


def test_a_failed_upgrade_changes_nothing(release_db: Path) -> None:
    """The upgrade is one transaction: a migration that fails midway (here the
    0002 copy finds its scratch table's name taken) leaves the file as it was."""
    conn = sqlite3.connect(release_db)
    conn.execute("CREATE TABLE tokens_before_0002 (x)")
    conn.close()
    events = rows(release_db, "SELECT * FROM events ORDER BY gseq")
    with pytest.raises(StoreUnavailable, match="tokens_before_0002"):
        upgrade(release_db)
    assert version(release_db) == 1
    assert rows(release_db, "SELECT * FROM events ORDER BY gseq") == events
    assert rows(release_db, "SELECT name FROM sqlite_master WHERE name = 'alembic_version'") == []
    assert len(rows(release_db, "SELECT * FROM tokens")) == 1
