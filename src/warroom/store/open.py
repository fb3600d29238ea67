"""Open the store that the settings name."""

from __future__ import annotations

import os

from warroom.config import Settings
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import UsageError
from warroom.store.base import Store


def open_store(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Store:
    """The server of `settings.server` (the http store: one URL, or several
    replicas' URLs separated by commas, with its local outbox under
    WARROOM_OUTBOX or the user's data folder; WARROOM_FLUSH_SECONDS: how long
    a command tries to deliver before it exits, default 2), else the
    PostgreSQL database of `settings.db_url`, else the SQLite file of
    `settings.db`."""
    if settings.server:
        from warroom.store.http import FLUSH_SECONDS, HTTPStore

        if not settings.token:
            raise UsageError(
                "--server needs a token: set WARROOM_TOKEN or give --token-file FILE "
                "(make one on the server host with `warroom token create`)"
            )
        return HTTPStore(
            settings.server,
            settings.token,
            None,  # WARROOM_OUTBOX, else the store's file in the user's data folder
            clock,
            catalog=settings.catalog(),
            flush_seconds=_seconds(os.environ.get("WARROOM_FLUSH_SECONDS"), FLUSH_SECONDS),
        )
    if settings.db_url:
        from warroom.store.postgres import PostgresStore

        return PostgresStore(
            settings.db_url, settings.catalog(), clock, password=settings.db_password()
        )
    from warroom.store.sqlite import SQLiteStore

    return SQLiteStore(
        settings.db, settings.catalog(), clock=clock, create_parent=settings.db_is_default
    )


def store_name(settings: Settings) -> str:
    """The store a command opens directly, as messages name it: the file, or
    the PostgreSQL database (host, port, name; never a secret)."""
    if settings.db_url is None:
        return str(settings.db)
    from warroom.store.pg_url import describe

    return describe(settings.db_url)


def _seconds(text: str | None, default: float) -> float:
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"WARROOM_FLUSH_SECONDS={text!r} is not a number of seconds") from None
    if not 0 <= value <= 600:
        raise UsageError(f"WARROOM_FLUSH_SECONDS={text!r}: give 0 to 600 seconds")
    return value
