"""PostgreSQL for tests: the URL (WARROOM_TEST_PG, default the machine's
PostgreSQL 15), and a fresh schema of it per test, dropped afterwards.

Without a PostgreSQL answering there, a test skips with the reason; under
CI=true it fails instead (`.ci/run` starts one where none answers)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def base_url() -> str:
    return os.environ.get("WARROOM_TEST_PG") or DEFAULT_URL


def need_postgres() -> str:
    """The base URL; skips (fails under CI=true) when nothing answers there."""
    import psycopg

    url = base_url()
    try:
        with psycopg.connect(url, connect_timeout=3):
            return url
    except psycopg.Error as error:
        why = f"no PostgreSQL at {url} (set WARROOM_TEST_PG): {str(error).strip()[:200]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why}; CI=true, so the PostgreSQL test fails", pytrace=False)
        pytest.skip(why)


def in_schema(url: str, schema: str) -> str:
    """The URL with its sessions' search_path set to `schema`."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    """A URL whose sessions use a new, empty schema; the schema is dropped after."""
    import psycopg

    url = need_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield in_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema's URL (see `fresh_schema`)."""
    with fresh_schema() as url:
        yield url
