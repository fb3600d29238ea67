"""Migration 0004: a file of the release before alerts (schema 3) is upgraded
in place with its rows untouched, takes alerts, and `warroom db check` passes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from tests.alerts.storekit import firing, ingest
from tests.store.test_schema import RELEASE_DB
from warroom.core.clock import FixedClock
from warroom.store import schema
from warroom.store.sqlite import SQLiteStore, upgrade


def schema3_file(path: Path) -> Path:
    """The release file (schema 1) migrated to revision 0003 only, as the
    warroom before alerts left every file."""
    from alembic import command
    from alembic.migration import MigrationContext

    shutil.copyfile(RELEASE_DB, path)
    engine = schema.make_engine(path)
    try:
        with engine.begin() as conn:
            config = schema.alembic_config(conn)
            if MigrationContext.configure(conn).get_current_revision() is None:
                command.stamp(config, "0001")
            command.upgrade(config, "0003")
            raw = conn.connection.driver_connection
            raw.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            raw.execute("PRAGMA user_version = 3")
    finally:
        engine.dispose()
    return path


def rows(path: Path, query: str) -> list[Any]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_a_schema_3_file_is_upgraded_and_takes_alerts(
    tmp_path: Path, clock: FixedClock, warroom: Any
) -> None:
    path = schema3_file(tmp_path / "warroom.db")
    assert rows(path, "PRAGMA user_version") == [(3,)]
    assert rows(path, "SELECT name FROM sqlite_master WHERE name = 'alerts'") == []
    events = rows(path, "SELECT * FROM events ORDER BY gseq")
    incidents = rows(path, "SELECT * FROM incidents ORDER BY number")
    store_id = rows(path, "SELECT id FROM store_id")

    assert upgrade(path) == (3, schema.SCHEMA_VERSION) == (3, 4)
    assert rows(path, "SELECT version_num FROM alembic_version") == [("0004",)]
    assert rows(path, "SELECT * FROM events ORDER BY gseq") == events
    assert rows(path, "SELECT * FROM incidents ORDER BY number") == incidents
    assert rows(path, "SELECT id FROM store_id") == store_id

    with SQLiteStore(path, clock=clock) as store:
        result = ingest(store, clock, firing("fp1"))
        assert result.incidents == ["INC-3"]
        assert [r.key for r in store.alert_rows("all")] == ["fp1"]

    checked = warroom("db", "check")
    assert checked.returncode == 0, checked.stderr
    assert "ok (quick_check; schema 4, 3 incidents" in checked.stdout
