"""The PostgreSQL store's schema: its version, and making or upgrading it.

The same tables as SQLite's (`warroom.store.tables`), made by SQLModel and
migrated by the same Alembic migrations (`warroom.store.schema.MIGRATIONS`,
additive, so replicas of two versions can run on one schema during a rolling
upgrade).  The version is Alembic's `alembic_version` row ("0007" is schema
7).  Creating and upgrading hold an advisory lock inside the transaction, so
two replicas started with `--migrate` at once do it once; PostgreSQL's DDL is
transactional, so an upgrade happens whole or not at all.
"""

from __future__ import annotations

from typing import Any

import psycopg

from warroom.core.errors import StoreUnavailable
from warroom.store.pg_url import connect_kwargs, describe, first_line
from warroom.store.schema import SCHEMA_VERSION

MIGRATION_LOCK = 0x57415252  # "WARR": the advisory lock key of migrations


def version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema version of the database (0: none yet); None when it holds
    tables of another program under warroom's names."""
    found = conn.execute(
        "SELECT to_regclass('alembic_version') IS NOT NULL, to_regclass('events') IS NOT NULL"
    ).fetchone()
    assert found is not None
    has_alembic, has_events = found
    if not has_alembic:
        return None if has_events else 0
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if row is None:
        return 0
    try:
        return int(row[0])
    except ValueError:
        return None  # another program's Alembic


def check(url: str, password: str | None) -> int:
    """The database's schema version, if it is this warroom's; else
    StoreUnavailable saying what to do (upgrade the database, or warroom)."""
    label = describe(url)
    found = read_version(url, password, label)
    if found == SCHEMA_VERSION:
        return found
    raise StoreUnavailable(mismatch(label, found))


def mismatch(label: str, found: int | None) -> str:
    """Why a database of schema `found` cannot be served, and the way out."""
    if found is None:
        return f"{label} holds tables of another program, not warroom's; use another database"
    if found > SCHEMA_VERSION:
        return (
            f"{label} was written by a newer warroom (schema {found}; this warroom knows "
            f"schema {SCHEMA_VERSION} at most); upgrade warroom"
        )
    what = "has no warroom tables yet" if found == 0 else f"is at schema {found}"
    return (
        f"{label} {what}; this warroom needs schema {SCHEMA_VERSION}: run "
        "`warroom db upgrade --db URL` (or start `warroom serve --migrate`)"
    )


def read_version(url: str, password: str | None, label: str | None = None) -> int | None:
    """The database's schema version (`version`), read on a connection of its own."""
    if label is None:
        label = describe(url)
    try:
        with psycopg.connect(url, **connect_kwargs(password)) as conn:
            return version(conn)
    except psycopg.OperationalError as error:
        raise StoreUnavailable(f"{label} is unreachable: {first_line(error)}") from None


def create_or_upgrade(url: str, password: str | None) -> tuple[int, int]:
    """Make warroom's tables in an empty database, or migrate an older one
    to the current schema, under the migration lock: the versions before
    and after.  A current database is left alone."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    label = describe(url)
    engine = create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(url, **{**connect_kwargs(password), "autocommit": False}),
    )
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            raw = conn.connection.driver_connection
            assert raw is not None
            before = version(raw)
            if before is None or before > SCHEMA_VERSION:
                raise StoreUnavailable(mismatch(label, before))
            if before == 0:
                _create(conn)
            elif before < SCHEMA_VERSION:
                _migrate(conn)
    except DBAPIError as error:
        orig = getattr(error, "orig", error)
        raise StoreUnavailable(f"{label}: {first_line(orig)}") from None
    finally:
        engine.dispose()
    return before, SCHEMA_VERSION


def _create(conn: Any) -> None:
    import uuid

    from alembic.migration import MigrationContext

    from warroom.store.schema import _scripts
    from warroom.store.tables import metadata

    metadata.create_all(conn)
    conn.exec_driver_sql(
        'INSERT INTO store_id ("only", id, touched) VALUES (1, %s, 0)', (uuid.uuid4().hex,)
    )
    MigrationContext.configure(conn).stamp(_scripts(), "head")


def _migrate(conn: Any) -> None:
    from alembic import command

    from warroom.store.schema import alembic_config

    command.upgrade(alembic_config(conn), "head")
