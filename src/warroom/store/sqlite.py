"""The embedded SQLite store: one file, shared by every terminal on a host.

WAL, `synchronous=FULL`, a busy timeout on every connection, and every write
as `BEGIN IMMEDIATE`, so concurrent writers queue instead of failing.  Other
processes' commits are noticed by polling `PRAGMA data_version` on a dedicated
connection; this process's own commits wake its watchers directly.

The SQL itself is the one both engines run (`warroom.store.sql`); this module
is SQLite's connections (`_Pool`, the `Database` of the shared SQL), its
watching and its file checks.  Every statement runs on the plain `sqlite3`
module: opening a file at the current schema imports neither SQLAlchemy nor
SQLModel (`warroom.store.schema` does, only to create or upgrade a file).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import StoreUnavailable
from warroom.core.events import Event
from warroom.store import guard, schema
from warroom.store.schema import unavailable
from warroom.store.sql.append import after_query, row_event
from warroom.store.sql.store import SQLStore

IDLE_CONNECTIONS = 5  # connections kept open for reuse (more are made when needed)
# Seconds between data_version polls while watching: quick right after a
# change, backing off to POLL_MAX while idle (an idle watcher stays < 1% CPU).
POLL_MIN = 0.01
POLL_MAX = 0.05
NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs",
    "lustre", "fuse.sshfs", "sshfs", "davfs", "fuse.s3fs", "fuse.gcsfuse", "ncpfs",
}  # fmt: skip


class SQLiteStore(SQLStore):
    """The Store contract on one SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        catalog: Catalog | None = None,
        clock: Clock = SYSTEM_CLOCK,
        create_parent: bool = False,
    ) -> None:
        self.path = Path(path).expanduser()
        _check_location(self.path, create_parent)
        guard.create_file(self.path)
        guard.preflight(self.path)
        self._pool = _Pool(self.path)
        super().__init__(self._pool, catalog, clock)
        self._ensure_schema()
        self._version_lock = threading.Lock()
        self._version_conn: sqlite3.Connection | None = None

    # -- watching --------------------------------------------------------

    async def watch(
        self, after_gseq: int = 0, incident_id: str | None = None
    ) -> AsyncIterator[Event]:
        """Yield every event committed after `after_gseq`, once, in gseq order.

        Resuming with the gseq of the last event received continues without a
        gap or a duplicate.
        """
        conn = schema.connect(self.path)
        wake = self._notifier.subscribe()
        cursor = after_gseq
        interval = POLL_MIN
        try:
            while True:
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                seen = wake.generation
                rows = conn.execute(*after_query(cursor, incident_id, 1000)).fetchall()
                for row in rows:
                    item = row_event(row)
                    cursor = item.gseq or cursor
                    yield item
                if len(rows) == 1000:
                    continue
                if rows:
                    interval = POLL_MIN
                while (
                    conn.execute("PRAGMA data_version").fetchone()[0] == version
                    and wake.generation == seen
                ):
                    await wake.wait(interval, seen)
                    interval = min(interval * 1.5, POLL_MAX)
        finally:
            self._notifier.unsubscribe(wake)
            conn.close()

    # -- set-up ----------------------------------------------------------

    def _ensure_schema(self) -> None:
        """Check the file's schema with two pragmas; only a new or older file
        imports SQLAlchemy (`schema.create_or_upgrade`)."""
        try:
            with self._pool.connection() as conn:
                found = schema.read_schema(conn, count_tables=False)
                if found.application_id != schema.APPLICATION_ID:
                    found = schema.read_schema(conn)
        except sqlite3.DatabaseError as error:
            raise unavailable(self.path, error) from None
        current = schema.check(self.path, found)
        self._use_wal()
        if not current:
            schema.create_or_upgrade(self.path)

    def _use_wal(self) -> None:
        """Switch the file to WAL (it stays so); only once it is known to be ours,
        so another program's database is never changed."""
        try:
            with self._pool.connection() as conn:  # autocommit: no transaction may be open
                schema.use_wal(conn)
        except sqlite3.Error as error:
            raise unavailable(self.path, error) from None

    def alerts_version(self) -> int:
        """`PRAGMA data_version` on a kept connection: it changes when any
        other connection commits (`AlertTable.alerts_version`)."""
        with self._version_lock:
            try:
                if self._version_conn is None:
                    self._version_conn = schema.connect(self.path)
                return self._version_conn.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.DatabaseError as error:
                raise self._pool.failure(error) from None

    def close(self) -> None:
        with self._version_lock:
            conn, self._version_conn = self._version_conn, None
        if conn is not None:
            conn.close()
        self._pool.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def upgrade(path: Path) -> tuple[int, int]:
    """Bring an existing file to the current schema (`warroom db upgrade`):
    the versions before and after.  A file already current is left alone."""
    before = schema.file_schema(path)
    if schema.check(path, before):
        return before.version, before.version
    if before.is_new:
        raise StoreUnavailable(f"{path} is not a warroom database yet (it is empty)")
    SQLiteStore(path).close()  # upgrades it, as any command opening it would
    return before.version, schema.file_schema(path).version


class _Pool:
    """The file's sqlite3 connections (each made by `schema.connect`), reused:
    any thread takes one for a statement or a transaction and gives it back.
    The `Database` of the shared SQL (`warroom.store.sql.database`)."""

    integrity_error = sqlite3.IntegrityError
    error = sqlite3.DatabaseError
    skip_locked = ""  # a write holds the whole file: nobody else can take the rows
    rows_deferred = False
    for_update = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = schema.connect(self.path)
        try:
            yield conn
        finally:
            with self._lock:
                keep = not self._closed and len(self._idle) < IDLE_CONNECTIONS
                if keep and not conn.in_transaction:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    def read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.connection() as conn:
            return conn.execute(query, params).fetchall()

    def failure(self, error: Exception) -> Exception:
        """The file's trouble (locked, read-only, full, damaged: exactly
        OperationalError or DatabaseError) as one line; a bug stays itself."""
        if type(error) in (sqlite3.OperationalError, sqlite3.DatabaseError):
            return unavailable(self.path, error)
        return error

    def clock_now(self, now: str) -> str:
        return now  # one host: its processes share the clock

    @contextlib.contextmanager
    def write(self, serial: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction (`BEGIN IMMEDIATE`: every write is serial in
        SQLite): committed if the block ends normally, rolled back if it raises."""
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(schema.TOUCH)  # every WAL carries the store id
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _check_location(path: Path, create_parent: bool) -> None:
    if path.is_dir():
        raise StoreUnavailable(
            f"the database path {path} is a directory; give a file, e.g. {path / 'warroom.db'}"
        )
    parent = path.parent
    if not parent.exists():
        if not create_parent:
            raise StoreUnavailable(f"cannot open {path}: the directory {parent} does not exist")
        parent.mkdir(parents=True, exist_ok=True)
    fstype = _filesystem_type(parent)
    if fstype in NETWORK_FILESYSTEMS:
        raise StoreUnavailable(
            f"{path} is on a network filesystem ({fstype}); SQLite's WAL does not work over one. "
            "Run `warroom serve` on one host and point everyone at it with --server"
        )


def _filesystem_type(folder: Path) -> str | None:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(folder.resolve())
    best, best_type = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type
