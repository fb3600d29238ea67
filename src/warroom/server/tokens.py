"""Access tokens for the warroom server, kept in the store's own SQLite file.

A token is `wr_` plus 256 random bits (URL-safe base64).  Only its SHA-256
is stored (a high-entropy secret needs no slow hash); a presented token is
looked up by its hash and the hashes compared in constant time.  The lookup
runs on every request, on a connection of its own (one indexed read, no
pool, no thread hop), so a revocation -- by the API or by `warroom token
revoke` in another process -- holds from the very next request; a live
stream re-checks its token (`still_valid`) at every heartbeat.  Each token
has a unique name (the actor of every event written with it) and a role:
viewer (read and stream) < responder (append) < admin (tokens, import).

This module imports no web framework: `warroom token ...` uses it directly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import NotFound, StoreUnavailable, UsageError
from warroom.core.times import format_time

TOKEN_PREFIX = "wr_"
ROLES: tuple[str, ...] = ("viewer", "responder", "admin")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
NAME_HELP = "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
_TOKEN_MAX = 200
# A WAL reader waits only while a crashed writer's log is recovered.
LOOKUP_BUSY_MS = 2_000

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tokens ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
    " hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)",
    "CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens (name)"
    " WHERE revoked_at IS NULL",
)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known about a token (never the token itself)."""

    name: str
    role: str
    created_at: str
    revoked_at: str | None = None
    # The token's SHA-256 when it was looked up by `verify` (to re-check it later).
    digest: str = field(default="", repr=False, compare=False)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, needed: str) -> bool:
        """Whether this token's role is at least `needed`."""
        return ROLES.index(self.role) >= ROLES.index(needed)

    def to_public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokenStore:
    """The `tokens` table, written through the store's engine (BEGIN IMMEDIATE)."""

    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK) -> None:
        self._engine = engine
        self._clock = clock
        self._ensure_table()
        self._lookup_lock = threading.Lock()
        self._lookup_conn: sqlite3.Connection | None = None

    @classmethod
    def for_store(cls, store: Any, clock: Clock = SYSTEM_CLOCK) -> TokenStore:
        """The tokens of an SQLiteStore's file."""
        engine = getattr(store, "engine", None)
        if not isinstance(engine, Engine):
            raise UsageError("tokens live in the server's SQLite file: give --db, not --server")
        return cls(engine, clock)

    def create(self, name: str, role: str) -> str:
        """Make a new token; returns it (the only time it is ever shown)."""
        check_name(name)
        if role not in ROLES:
            raise UsageError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self._engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)",
                    (name, role, token_hash(token), format_time(self._clock.now())),
                )
        except IntegrityError:
            raise UsageError(
                f"a token named {name!r} already exists; revoke it first or pick another name"
            ) from None
        except OperationalError as error:
            raise _unavailable(error) from None
        return token

    def list(self, include_revoked: bool = True) -> list[TokenInfo]:
        query = "SELECT name, role, created_at, revoked_at FROM tokens"
        if not include_revoked:
            query += " WHERE revoked_at IS NULL"
        return [TokenInfo(*row) for row in self._read(query + " ORDER BY id", ())]

    def revoke(self, name: str) -> TokenInfo:
        """Revoke the active token called `name`; NotFound if there is none."""
        now = format_time(self._clock.now())
        try:
            with self._engine.begin() as conn:
                row = conn.exec_driver_sql(
                    "SELECT id, name, role, created_at FROM tokens"
                    " WHERE name = ? AND revoked_at IS NULL",
                    (name,),
                ).fetchone()
                if row is None:
                    raise NotFound(f"no active token named {name!r}; `warroom token list`")
                conn.exec_driver_sql("UPDATE tokens SET revoked_at = ? WHERE id = ?", (now, row[0]))
        except OperationalError as error:
            raise _unavailable(error) from None
        return TokenInfo(row[1], row[2], row[3], now)

    def verify(self, token: str) -> TokenInfo | None:
        """The token's record (revoked ones included), or None if unknown."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > _TOKEN_MAX:
            return None
        digest = token_hash(token)
        for stored, *info in self._lookup(digest):
            if hmac.compare_digest(stored.encode(), digest.encode()):
                return TokenInfo(*info, digest=stored)
        return None

    def still_valid(self, info: TokenInfo) -> bool:
        """Whether the token `verify` gave `info` for is still active (one
        indexed read, like `verify`)."""
        return any(revoked_at is None for *_, revoked_at in self._lookup(info.digest))

    def close(self) -> None:
        with self._lookup_lock:
            conn, self._lookup_conn = self._lookup_conn, None
        if conn is not None:
            conn.close()

    def _lookup(self, digest: str) -> list[Any]:
        query = "SELECT hash, name, role, created_at, revoked_at FROM tokens WHERE hash = ?"
        path = self._engine.url.database
        if not path or path == ":memory:":
            return self._read(query, (digest,))
        with self._lookup_lock:
            try:
                if self._lookup_conn is None:
                    self._lookup_conn = _reader(path)
                return self._lookup_conn.execute(query, (digest,)).fetchall()
            except sqlite3.OperationalError as error:
                raise _unavailable(error) from None

    def _read(self, query: str, params: tuple[Any, ...]) -> list[Any]:
        try:
            with self._engine.connect().execution_options(warroom_read=True) as conn:
                return list(conn.exec_driver_sql(query, params).fetchall())
        except OperationalError as error:
            raise _unavailable(error) from None

    def _ensure_table(self) -> None:
        present = self._read(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'tokens'", ()
        )
        if present[0][0]:
            return
        try:
            with self._engine.begin() as conn:
                for statement in _SCHEMA:
                    conn.exec_driver_sql(statement)
        except OperationalError as error:
            raise _unavailable(error) from None


def _reader(path: str) -> sqlite3.Connection:
    """A read-only connection in autocommit: each read sees the newest commit."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {LOOKUP_BUSY_MS}")
    conn.execute("PRAGMA query_only = ON")
    return conn


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise UsageError(f"token name {name!r} is not valid: {NAME_HELP}")


def _unavailable(error: Exception) -> StoreUnavailable:
    return StoreUnavailable(f"the token table: {getattr(error, 'orig', error)}")
