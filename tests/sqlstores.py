"""Both SQL engines for the capability tests (alerts, deliveries, overrides,
tokens, secrets): the `sql_store` fixture of tests/conftest.py yields an
empty SQLiteStore (a real file) or PostgresStore (a real database), on the
test's clock.

Making PostgreSQL's schema takes about half a second, so each test process
makes one (`worker_schema`, dropped when the process ends) and empties its
tables before each test (`emptied`): a store in it is as fresh as a new
schema, ids counting from 1 again."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warroom.core.clock import Clock
from warroom.store.sql.store import SQLStore

ENGINES = ("sqlite", "postgres")
KEPT = ("store_id", "alembic_version")  # the store's identity and schema version


@contextlib.contextmanager
def worker_schema() -> Iterator[str]:
    """A migrated schema of WARROOM_TEST_PG (tests/pg.py) for this test process."""
    from tests.pg import fresh_schema
    from warroom.store import pg_schema

    with fresh_schema() as url:
        pg_schema.create_or_upgrade(url, None)
        yield url


def emptied(url: str) -> str:
    """`url` after deleting every row of warroom's tables but the store's id and
    version (identities restart at 1)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        names = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
            if row[0] not in KEPT
        ]
        conn.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in names) + " RESTART IDENTITY")
    return url


def open_sql_store(engine: str, where: str | Path, clock: Clock) -> SQLStore:
    """A store of `engine` on `where` (a SQLite file, a PostgreSQL URL)."""
    if engine == "sqlite":
        from warroom.store.sqlite import SQLiteStore

        return SQLiteStore(where, clock=clock)
    from warroom.store.postgres import PostgresStore

    return PostgresStore(str(where), clock=clock)


def location(store: SQLStore) -> tuple[str, str]:
    """The engine and the place of `store`, for another process to open it."""
    from warroom.store.postgres import PostgresStore
    from warroom.store.sqlite import SQLiteStore

    if isinstance(store, PostgresStore):
        return "postgres", store.url
    assert isinstance(store, SQLiteStore)
    return "sqlite", str(store.path)


@contextlib.contextmanager
def reopen(store: SQLStore) -> Iterator[SQLStore]:
    """Another store on the same database, as another process would open it."""
    engine, where = location(store)
    other = open_sql_store(engine, where, store.clock)
    try:
        yield other
    finally:
        other.close()


def sql_rows(store: SQLStore, query: str) -> list[tuple[Any, ...]]:
    """Rows of a plain SQL read, straight from the store's database."""
    return [tuple(row) for row in store.db.read(query)]
