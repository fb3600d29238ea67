"""The server's token table in the SQLite store's file: the `TokenTable`
capability of `SQLiteStore` (`warroom.store.base`), on plain sqlite3.

Writes (rare: a token made or revoked) each take a connection of their own
(`schema.connect`: `synchronous=FULL`, the store's busy timeout; `BEGIN
IMMEDIATE`).  Reads run on one connection kept open in autocommit, so each
sees the newest commit: a token's lookup is one indexed read on every request,
with no pool and no thread hop, and a revocation by another process holds from
the next request.  The table itself is part of the store's schema
(`store/tables.py`, migration 0002).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warroom.core.errors import Conflict, StoreUnavailable
from warroom.store.base import TokenRow
from warroom.store.schema import TOUCH, connect

# A WAL reader waits only while a crashed writer's log is recovered.
LOOKUP_BUSY_MS = 2_000
_COLUMNS = "hash, name, role, created_at, revoked_at"


class SQLiteTokens:
    """The `tokens` table of one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None

    def add(self, row: TokenRow) -> None:
        try:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO tokens (name, role, hash, created_at, revoked_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (row.name, row.role, row.hash, row.created_at, row.revoked_at),
                )
        except sqlite3.IntegrityError:
            raise Conflict(f"an active token is named {row.name!r} already") from None

    def rows(self, include_revoked: bool = True) -> list[TokenRow]:
        query = f"SELECT {_COLUMNS} FROM tokens"
        if not include_revoked:
            query += " WHERE revoked_at IS NULL"
        return [TokenRow(*row) for row in self._query(query + " ORDER BY id", ())]

    def revoke(self, name: str, revoked_at: str) -> TokenRow | None:
        with self._transaction() as conn:
            row = conn.execute(
                f"SELECT id, {_COLUMNS} FROM tokens WHERE name = ? AND revoked_at IS NULL",
                (name,),
            ).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", (revoked_at, row[0]))
        return TokenRow(*row[1:5], revoked_at=revoked_at)

    def by_hash(self, digest: str) -> TokenRow | None:
        rows = self._query(f"SELECT {_COLUMNS} FROM tokens WHERE hash = ?", (digest,))
        return TokenRow(*rows[0]) if rows else None

    def close(self) -> None:
        with self._lock:
            reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    def _query(self, query: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            try:
                if self._reader is None:
                    self._reader = _reader(self.path)
                return self._reader.execute(query, params).fetchall()
            except sqlite3.Error as error:
                raise _unavailable(error) from None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on a connection of its own (BEGIN IMMEDIATE)."""
        try:
            conn = connect(self.path)
        except sqlite3.Error as error:
            raise _unavailable(error) from None
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(TOUCH)  # every WAL carries the store id
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as error:
            raise _unavailable(error) from None
        finally:
            conn.close()


def _reader(path: Path) -> sqlite3.Connection:
    """A read-only connection in autocommit: each read sees the newest commit."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {LOOKUP_BUSY_MS}")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _unavailable(error: Exception) -> StoreUnavailable:
    return StoreUnavailable(f"the token table: {error}")
