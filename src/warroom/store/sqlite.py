"""The embedded SQLite store: one file, shared by every terminal on a host.

WAL, `synchronous=FULL`, a busy timeout on every connection, and every write
as `BEGIN IMMEDIATE` (SQLAlchemy's connect/begin event recipe for pysqlite),
so concurrent writers queue instead of failing.  Other processes' commits are
noticed by polling `PRAGMA data_version` on a dedicated connection; this
process's own commits wake its watchers directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError

from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import Conflict, NotFound, Refused, StoreUnavailable
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.times import format_time, parse_wire_time
from warroom.core.validate import normalise, validate
from warroom.store.base import REF_HELP, parse_ref, sort_incidents
from warroom.store.tables import EventRow, IncidentRow

SCHEMA_VERSION = 1
APPLICATION_ID = 0x57415252  # "WARR": marks the file as warroom's
BUSY_TIMEOUT_MS = 15_000
# Seconds between data_version polls while watching: quick right after a
# change, backing off to POLL_MAX while idle (an idle watcher stays < 1% CPU).
POLL_MIN = 0.01
POLL_MAX = 0.05
NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs",
    "lustre", "fuse.sshfs", "sshfs", "davfs", "fuse.s3fs", "fuse.gcsfuse", "ncpfs",
}  # fmt: skip
_COLUMNS = "gseq, id, incident_id, seq, kind, actor, occurred_at, recorded_at, base_seq, data"


class SQLiteStore:
    """The Store contract on one SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        catalog: Catalog | None = None,
        clock: Clock = SYSTEM_CLOCK,
        create_parent: bool = False,
    ) -> None:
        self.path = Path(path).expanduser()
        self.catalog = catalog or Catalog.default()
        self.clock = clock
        _check_location(self.path, create_parent)
        self._engine = _make_engine(self.path)
        self._notifier = _Notifier()
        self._ensure_schema()

    # -- writing ---------------------------------------------------------

    def append(self, event: Event) -> Event:
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        stored: list[Event] = []
        try:
            with self._engine.begin() as conn:
                states: dict[str, Incident | None] = {}
                for item in events:
                    stored.append(self._append_in(conn, item, states))
                for state in states.values():
                    if state is not None:
                        self._save_state(conn, state)
        except OperationalError as error:
            raise _unavailable(self.path, error) from None
        if any(item.gseq is not None for item in stored):
            self._notifier.notify()
        return stored

    def _append_in(
        self, conn: Connection, event: Event, states: dict[str, Incident | None]
    ) -> Event:
        existing = conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM events WHERE id = ?", (event.id,)
        ).fetchone()
        if existing is not None:
            return self._same_or_conflict(_row_event(existing), event)
        if event.incident_id not in states:
            states[event.incident_id] = self._load_state(conn, event.incident_id)
        state = states[event.incident_id]
        now = self.clock.now()
        checked = validate(state, event, self.catalog, now)
        if state is None:
            number = conn.exec_driver_sql(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM incidents"
            ).scalar_one()
            # Incidents declared earlier in this transaction are not saved yet.
            number = max([number, *((s.number or 0) + 1 for s in states.values() if s)])
            state = Incident(id=event.incident_id, number=number)
            states[event.incident_id] = state
        seq = state.last_seq + 1
        result = conn.exec_driver_sql(
            "INSERT INTO events (id, incident_id, seq, kind, actor, occurred_at, recorded_at,"
            " base_seq, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                checked.id,
                checked.incident_id,
                seq,
                checked.kind,
                checked.actor,
                format_time(checked.occurred_at),
                format_time(now),
                checked.base_seq,
                json.dumps(checked.data, separators=(",", ":")),
            ),
        )
        gseq = result.lastrowid
        assert gseq is not None
        final = checked.stored(seq=seq, gseq=gseq, recorded_at=parse_wire_time(format_time(now)))
        apply(state, final, self.catalog)
        return final

    def _same_or_conflict(self, stored: Event, candidate: Event) -> Event:
        with contextlib.suppress(Refused):
            candidate = normalise(candidate)
        if candidate.content_key() != stored.content_key():
            raise Conflict(f"event {stored.id} is already stored with different content")
        return stored

    def _load_state(self, conn: Connection, incident_id: str) -> Incident | None:
        row = conn.exec_driver_sql(
            "SELECT snapshot FROM incidents WHERE id = ?", (incident_id,)
        ).fetchone()
        return Incident.from_snapshot(json.loads(row[0])) if row else None

    def _save_state(self, conn: Connection, state: Incident) -> None:
        conn.exec_driver_sql(
            "INSERT INTO incidents (id, number, last_seq, last_gseq, severity, status, is_open,"
            " snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " last_seq = excluded.last_seq, last_gseq = excluded.last_gseq,"
            " severity = excluded.severity, status = excluded.status,"
            " is_open = excluded.is_open, snapshot = excluded.snapshot",
            (
                state.id,
                state.number,
                state.last_seq,
                state.last_gseq,
                state.severity,
                state.status,
                state.is_open(self.catalog),
                json.dumps(state.to_snapshot(), separators=(",", ":")),
            ),
        )

    # -- reading ---------------------------------------------------------

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq",
            (incident_id, after_seq),
        )
        return [_row_event(row) for row in rows]

    def events_before(
        self, incident_id: str, before_seq: int | None = None, limit: int = 1000
    ) -> list[Event]:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND seq < ?"
            " ORDER BY seq DESC LIMIT ?",
            (incident_id, before_seq if before_seq is not None else 2**62, limit),
        )
        return [_row_event(row) for row in reversed(rows)]

    def events_after(
        self, after_gseq: int, incident_id: str | None = None, limit: int = 1000
    ) -> list[Event]:
        return [
            _row_event(row) for row in self._read(*_after_query(after_gseq, incident_id, limit))
        ]

    def incident(self, incident_id: str) -> Incident:
        rows = self._read("SELECT snapshot FROM incidents WHERE id = ?", (incident_id,))
        if not rows:
            raise NotFound(f"no incident {incident_id}")
        return Incident.from_snapshot(json.loads(rows[0][0]))

    def incidents(self, include_closed: bool = False) -> list[Incident]:
        query = "SELECT snapshot FROM incidents"
        if not include_closed:
            query += " WHERE is_open"
        rows = self._read(query, ())
        return sort_incidents([Incident.from_snapshot(json.loads(row[0])) for row in rows])

    def resolve(self, ref: str) -> str:
        number, prefix = parse_ref(ref)
        if number is not None:
            rows = self._read("SELECT id FROM incidents WHERE number = ?", (number,))
        if number is None or (not rows and prefix is not None):
            assert prefix is not None
            rows = self._read(
                "SELECT id FROM incidents WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
                (prefix.replace("_", "\\_").replace("%", "\\%") + "%",),
            )
            if len(rows) > 1:
                raise NotFound(f"{ref!r} matches more than one incident; give more characters")
        if not rows:
            raise NotFound(f"no incident {ref}; `warroom list --all` shows them ({REF_HELP})")
        return rows[0][0]

    def last_gseq(self) -> int:
        return self._read("SELECT COALESCE(MAX(gseq), 0) FROM events", ())[0][0]

    def _read(self, query: str, params: tuple[Any, ...]) -> list[Any]:
        try:
            with self._engine.connect().execution_options(warroom_read=True) as conn:
                return list(conn.exec_driver_sql(query, params).fetchall())
        except OperationalError as error:
            raise _unavailable(self.path, error) from None

    # -- watching --------------------------------------------------------

    async def watch(
        self, after_gseq: int = 0, incident_id: str | None = None
    ) -> AsyncIterator[Event]:
        """Yield every event committed after `after_gseq`, once, in gseq order.

        Resuming with the gseq of the last event received continues without a
        gap or a duplicate.
        """
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        wake = self._notifier.subscribe()
        cursor = after_gseq
        interval = POLL_MIN
        try:
            while True:
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                seen = wake.generation
                rows = conn.execute(*_after_query(cursor, incident_id, 1000)).fetchall()
                for row in rows:
                    item = _row_event(row)
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
        try:
            with self._engine.connect().execution_options(warroom_read=True) as conn:
                app_id = conn.exec_driver_sql("PRAGMA application_id").scalar_one()
                version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
                tables = conn.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).scalar_one()
        except DBAPIError as error:
            raise _unavailable(self.path, error) from None
        if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
            self._use_wal()
            return
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
            raise StoreUnavailable(
                f"{self.path} is an SQLite database of another program, not warroom's; "
                "give another path with --db"
            )
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"{self.path} was written by a newer warroom (schema {version}); upgrade warroom"
            )
        self._use_wal()
        try:
            with self._engine.begin() as conn:
                # Re-check inside the write lock: another process may have won.
                if conn.exec_driver_sql("PRAGMA user_version").scalar_one() == SCHEMA_VERSION:
                    return
                EventRow.metadata.create_all(
                    conn, tables=[EventRow.__table__, IncidentRow.__table__]
                )
                conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except DBAPIError as error:
            raise _unavailable(self.path, error) from None

    def _use_wal(self) -> None:
        """Switch the file to WAL (it stays so); only once it is known to be ours,
        so another program's database is never changed."""
        raw = self._engine.raw_connection()  # autocommit: no transaction may be open
        try:
            raw.driver_connection.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.Error as error:
            raise _unavailable(self.path, error) from None
        finally:
            raw.close()

    def rebuild_read_model(self) -> None:
        """Recompute every incident's snapshot from its log."""
        with self._engine.begin() as conn:
            numbers = dict(conn.exec_driver_sql("SELECT id, number FROM incidents").fetchall())
            states: dict[str, Incident] = {}
            for row in conn.exec_driver_sql(f"SELECT {_COLUMNS} FROM events ORDER BY gseq"):
                item = _row_event(row)
                state = states.get(item.incident_id)
                if state is None:
                    state = states[item.incident_id] = Incident(
                        id=item.incident_id, number=numbers.get(item.incident_id)
                    )
                apply(state, item, self.catalog)
            for state in states.values():
                self._save_state(conn, state)

    @property
    def engine(self) -> Engine:
        """The engine (WAL, busy timeout, writes as BEGIN IMMEDIATE; reads pass
        `execution_options(warroom_read=True)`), for tables that other packages
        keep in the same file, such as the server's tokens."""
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _after_query(after_gseq: int, incident_id: str | None, limit: int) -> tuple[str, tuple]:
    if incident_id is None:
        return (
            f"SELECT {_COLUMNS} FROM events WHERE gseq > ? ORDER BY gseq LIMIT ?",
            (after_gseq, limit),
        )
    return (
        f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND gseq > ? ORDER BY gseq LIMIT ?",
        (incident_id, after_gseq, limit),
    )


def _row_event(row: Any) -> Event:
    gseq, id_, incident_id, seq, kind, actor, occurred, recorded, base_seq, data = row
    return Event(
        id=id_,
        incident_id=incident_id,
        kind=kind,
        actor=actor,
        occurred_at=parse_wire_time(occurred),
        data=json.loads(data),
        base_seq=base_seq,
        seq=seq,
        gseq=gseq,
        recorded_at=parse_wire_time(recorded),
    )


def _make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        # Let SQLAlchemy's "begin" below issue BEGIN itself (the documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("warroom_read"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


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


def _unavailable(path: Path, error: Exception) -> StoreUnavailable:
    message = str(getattr(error, "orig", error))
    if "not a database" in message:
        return StoreUnavailable(f"{path} is not a warroom database (not an SQLite file)")
    if "locked" in message or "busy" in message:
        return StoreUnavailable(
            f"{path} stayed locked by another writer for {BUSY_TIMEOUT_MS // 1000} s; try again"
        )
    if "readonly" in message or "read-only" in message:
        return StoreUnavailable(f"cannot write {path}: it is read-only for this user")
    if "unable to open" in message:
        return StoreUnavailable(f"cannot open {path}: check the path and its permissions")
    return StoreUnavailable(f"{path}: {message}")


class _Wake:
    """One watcher's wake-up: bumped by this process's own commits."""

    def __init__(self) -> None:
        self.generation = 0
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

    def bump(self) -> None:
        self.generation += 1
        waiter = self._waiter
        if waiter is not None:
            loop, future = waiter
            loop.call_soon_threadsafe(_resolve, future)

    async def wait(self, timeout: float, seen: int) -> None:
        """Sleep up to `timeout`, less if a commit comes after generation `seen`."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiter = (loop, future)
        if self.generation != seen:
            self._waiter = None
            return
        timer = loop.call_later(timeout, _resolve, future)
        try:
            await future
        finally:
            timer.cancel()
            self._waiter = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Notifier:
    """Wakes this process's watchers when this process commits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wakes: list[_Wake] = []

    def subscribe(self) -> _Wake:
        wake = _Wake()
        with self._lock:
            self._wakes.append(wake)
        return wake

    def unsubscribe(self, wake: _Wake) -> None:
        with self._lock:
            if wake in self._wakes:
                self._wakes.remove(wake)

    def notify(self) -> None:
        with self._lock:
            wakes = list(self._wakes)
        for wake in wakes:
            wake.bump()
