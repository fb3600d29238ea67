"""The http store's local file: one SQLite file per store, holding the outbox
(`warroom.store.outbox`) and the replica of the server's events
(`warroom.store.replica`).

WAL, `synchronous=FULL`, every write as `BEGIN IMMEDIATE`; shared by every
warroom process of the user that talks to that store's servers.  The outbox and the
replica share this file's one connection, so an event the server has stored
leaves the outbox and enters the replica in one transaction: it is never in
both, nor in neither.  `meta` holds small facts (the store it belongs to and
the URLs found serving it, see `warroom.store.owner`; the replica's cursor,
the server's catalog, who the token is, when a server was last reached).

This module does no networking.  Its schema is version 1, as every release
since the http store wrote it: a file written by an older release opens as is.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from warroom.core.errors import StoreUnavailable
from warroom.core.events import Event
from warroom.store.schema import use_wal

SCHEMA_VERSION = 1
APPLICATION_ID = 0x5752_4F42  # "WROB": marks the file as warroom's outbox
BUSY_TIMEOUT_MS = 15_000
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS events (gseq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " incident_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_by_incident ON events (incident_id, seq)",
    "CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, number INTEGER,"
    " snapshot TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox (pos INTEGER PRIMARY KEY AUTOINCREMENT,"
    " grp INTEGER NOT NULL, id TEXT NOT NULL UNIQUE, incident_id TEXT NOT NULL,"
    " event TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', code TEXT, reason TEXT,"
    " queued_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)",
    "CREATE INDEX IF NOT EXISTS outbox_by_group ON outbox (grp)",
)


class LocalFile:
    """The SQLite file of one server's outbox and replica, and its connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise StoreUnavailable(f"the outbox path {path} is a directory; give a file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"cannot open the outbox {path}: {error}") from None
        self._lock = threading.RLock()
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._ensure_schema()
        except sqlite3.Error as error:
            self._conn.close()
            raise StoreUnavailable(f"cannot use the outbox {path}: {error}") from None

    def _ensure_schema(self) -> None:
        app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        tables = self._conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
            raise StoreUnavailable(
                f"{self.path} is not a warroom outbox; give another path with WARROOM_OUTBOX"
            )
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(f"the outbox {self.path} was written by a newer warroom")
        use_wal(self._conn)
        if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
            return
        with self.write() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: writers queue, never fail late)."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise self._unavailable(error) from None
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as error:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise self._unavailable(error) from None
                raise

    def read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._conn.execute(query, tuple(params)).fetchall()
            except sqlite3.Error as error:
                raise self._unavailable(error) from None

    def _unavailable(self, error: sqlite3.Error) -> StoreUnavailable:
        return StoreUnavailable(f"the outbox {self.path}: {error}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- meta ----------------------------------------------------------------

    def get(self, key: str) -> str | None:
        rows = self.read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def put(self, key: str, value: str) -> None:
        with self.write() as conn:
            put_meta(conn, key, value)


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def dump_event(event: Event) -> str:
    return json.dumps(event.to_dict(), separators=(",", ":"))


def load_event(raw: str) -> Event:
    return Event.from_dict(json.loads(raw))
