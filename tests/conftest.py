"""Shared fixtures: a real SQLite store on disk, a fixed clock, a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.notify.receiver import Receiver
from tests.sqlstores import ENGINES, emptied, open_sql_store, worker_schema
from warroom.core.catalog import Catalog
from warroom.core.clock import FixedClock
from warroom.store.sql.store import SQLStore
from warroom.store.sqlite import SQLiteStore

FIXED_NOW = datetime(2026, 11, 26, 3, 40, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP receiver on 127.0.0.1 that records what notifications bring."""
    found = Receiver().start()
    yield found
    found.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.default()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warroom.db"


@pytest.fixture
def sqlite_store(db_path: Path, clock: FixedClock) -> Iterator[SQLiteStore]:
    store = SQLiteStore(db_path, clock=clock)
    yield store
    store.close()


@pytest.fixture(scope="session")
def pg_worker_url() -> Iterator[str]:
    """One migrated PostgreSQL schema for this test process (tests/sqlstores.py)."""
    with worker_schema() as url:
        yield url


@pytest.fixture(params=ENGINES)
def sql_store(
    request: pytest.FixtureRequest, db_path: Path, clock: FixedClock
) -> Iterator[SQLStore]:
    """An empty store of each SQL engine on the test's clock: the SQLite file
    `db_path`, then PostgreSQL (tests/sqlstores.py)."""
    where = (
        db_path if request.param == "sqlite" else emptied(request.getfixturevalue("pg_worker_url"))
    )
    store = open_sql_store(request.param, where, clock)
    yield store
    store.close()


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def isolated_environ(folder: Path, *, user: str = "tester", db: bool = True) -> dict[str, str]:
    """This process's environment less its WARROOM_* settings, for a `warroom`
    subprocess that reads no real config file and writes only under `folder`:
    the user `user`, the store `folder/warroom.db` (none when not `db`, for a
    store chosen by WARROOM_SERVER or a flag), the config files and XDG folders
    there.  The one place tests isolate the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env.update(
        WARROOM_CONFIG=str(folder / "config.toml"),
        WARROOM_SITE_CONFIG=str(folder / "site.toml"),
        WARROOM_USER=user,
        XDG_DATA_HOME=str(folder / "xdg-data"),
        XDG_CONFIG_HOME=str(folder / "xdg-config"),
    )
    if db:
        env["WARROOM_DB"] = str(folder / "warroom.db")
    return env


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """An environment that reads no real config file and writes only under tmp_path."""
    return isolated_environ(tmp_path)


@pytest.fixture
def warroom(isolated_env: dict[str, str], tmp_path: Path):
    """Run the real `warroom` command in a subprocess; returns a Result."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "warroom", *args],
            capture_output=True,
            text=True,
            input=input,
            cwd=tmp_path,
            env={**isolated_env, **(env or {})},
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run
