"""The `store` fixture: every contract test runs once per backend named here.

A new backend (the HTTP client against a real server, PostgreSQL) joins the
contract suite by adding one builder to BACKENDS: a context manager that
yields a fresh, empty Store using the given clock and cleans up afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.pg import pg_url  # noqa: F401  (a fresh PostgreSQL schema per test)
from warroom.core.clock import FixedClock
from warroom.store.base import Store
from warroom.store.sqlite import SQLiteStore

Builder = Callable[[Path, FixedClock], AbstractContextManager[Store]]


@contextlib.contextmanager
def sqlite_backend(folder: Path, clock: FixedClock) -> Iterator[Store]:
    store = SQLiteStore(folder / "contract.db", clock=clock)
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def postgres_backend(folder: Path, clock: FixedClock) -> Iterator[Store]:
    """The PostgreSQL store in a fresh schema of WARROOM_TEST_PG (tests/pg.py)."""
    from tests.pg import fresh_schema
    from warroom.store.postgres import PostgresStore

    with fresh_schema() as url:
        store = PostgresStore(url, clock=clock, migrate=True)
        try:
            yield store
        finally:
            store.close()


def http_backend(folder: Path, clock: FixedClock) -> AbstractContextManager[Store]:
    """The http store against a real `warroom serve` of its own (tests/store_http)."""
    from tests.store_http.servers import http_backend as build

    return build(folder, clock)


BACKENDS: dict[str, Builder] = {
    "sqlite": sqlite_backend,
    "http": http_backend,
    "postgres": postgres_backend,
}


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    """A fresh, empty store of each backend, on the test's FixedClock."""
    with BACKENDS[request.param](tmp_path, clock) as built:
        yield built
