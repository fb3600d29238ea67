"""What the shared SQL needs of an engine: connections, a write transaction,
the engine's errors.

Statements are written once, with `?` placeholders, in the SQL that SQLite
and PostgreSQL both accept (`ON CONFLICT ... DO ...`, `RETURNING`, quoted
`"only"`).  A connection is anything with the `sqlite3.Connection` calls the
statements use: `execute` and `executemany` returning a cursor with
`fetchone`, `fetchall`, `rowcount` and iteration (psycopg's are adapted in
`warroom.store.postgres`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    def execute(self, query: str, params: Sequence[Any] = ...) -> Cursor: ...

    def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> Cursor: ...


class Database(Protocol):
    """One store's engine, as the shared SQL uses it."""

    # Raised for a constraint a request broke (the request fails alone).
    integrity_error: type[Exception]
    # The base of the engine's errors (any other: the transaction is in trouble).
    error: type[Exception]
    # Appended to a SELECT that takes rows to change: "" or " FOR UPDATE SKIP LOCKED".
    skip_locked: str
    # Appended to a SELECT whose row is read, then changed: "" or " FOR UPDATE".
    for_update: str
    # Whether an append's event rows wait to go with the COMMIT (PostgreSQL:
    # a round trip fewer while the store is locked).  They cannot break a
    # constraint then (the append checked ids, seq and gseq under the lock),
    # so a request needs no savepoint of its own: one the append refuses has
    # written nothing.
    rows_deferred: bool

    def connection(self) -> AbstractContextManager[Connection]:
        """A connection in autocommit: each statement sees the newest commit."""
        ...

    def write(self, serial: bool = True) -> AbstractContextManager[Connection]:
        """A write transaction, committed if the block ends normally, rolled
        back if it raises.  `serial`: one at a time in the whole store (every
        append is: gseq and INC numbers follow commit order); otherwise only
        the rows it touches are locked."""
        ...

    def read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        """One read statement's rows."""
        ...

    def failure(self, error: Exception) -> Exception:
        """The engine's trouble (unreachable, locked, full, damaged) as one
        line the user can act on; a bug stays itself."""
        ...

    def clock_now(self, now: str) -> str:
        """The time leases are checked against: the database's clock (a wire
        time) where it has one all processes share, else `now`."""
        ...
