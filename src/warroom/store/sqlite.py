"""The embedded SQLite store: one file, shared by every terminal on a host.

WAL, `synchronous=FULL`, a busy timeout on every connection, and every write
as `BEGIN IMMEDIATE`, so concurrent writers queue instead of failing.  Other
processes' commits are noticed by polling `PRAGMA data_version` on a dedicated
connection; this process's own commits wake its watchers directly.

Every statement runs on the plain `sqlite3` module: opening a file at the
current schema imports neither SQLAlchemy nor SQLModel (`warroom.store.schema`
does, only to create or upgrade a file).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import Conflict, NotFound, Refused, StoreUnavailable
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.times import format_time, parse_wire_time
from warroom.core.validate import normalise, validate
from warroom.store import guard, schema, sqlite_alerts
from warroom.store.base import (
    InboxSummary,
    OverrideRow,
    TokenRow,
    resolve_ref,
    sort_incidents,
)
from warroom.store.schema import unavailable
from warroom.store.sqlite_deliveries import SQLiteDeliveries
from warroom.store.sqlite_overrides import SQLiteOverrides
from warroom.store.sqlite_tokens import SQLiteTokens

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord
    from warroom.store.base import AlertTransaction

T = TypeVar("T")

IDLE_CONNECTIONS = 5  # connections kept open for reuse (more are made when needed)
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
        guard.create_file(self.path)
        guard.preflight(self.path)
        self._pool = _Pool(self.path)
        self._notifier = _Notifier()
        self._ensure_schema()
        self._tokens = SQLiteTokens(self.path)
        self._alerts = sqlite_alerts.SQLiteAlertReads(self.path)
        self._overrides = SQLiteOverrides(self._pool)
        self._deliveries = SQLiteDeliveries(self._pool)

    # -- writing ---------------------------------------------------------

    def append(self, event: Event) -> Event:
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        outcome = self.append_group([events])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def append_group(self, requests: Sequence[Sequence[Event]]) -> list[list[Event] | Exception]:
        """Append several independent requests in one transaction: one commit
        (one fsync) for all of them.

        Each request is like `append_many`: its events are validated in order,
        each against the state the ones before it (in this request or an
        earlier one of the group) left, and stored all or none.  A request that
        fails (Refused, Conflict, bad input) is rolled back alone, to its
        savepoint, and its exception is returned in its place; the others are
        committed.  If the transaction itself fails, StoreUnavailable is raised
        and nothing is stored.  Every result is durable when this returns.
        """
        results: list[list[Event] | Exception] = []
        try:
            with self._pool.write() as conn:
                group = _Group(conn, self.catalog)
                for events in requests:
                    results.append(group.request(events, self.clock.now()))
                group.save_states()
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None
        if any(not isinstance(result, Exception) for result in results):
            self._notifier.notify()
        return results

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
        return resolve_ref(
            ref,
            lambda number: [
                row[0] for row in self._read("SELECT id FROM incidents WHERE number = ?", (number,))
            ],
            lambda prefix: [row[0] for row in self._read(*_prefix_query(prefix))],
        )

    def last_gseq(self) -> int:
        return self._read("SELECT COALESCE(MAX(gseq), 0) FROM events", ())[0][0]

    def _read(self, query: str, params: tuple[Any, ...]) -> list[Any]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(query, params).fetchall()
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None

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
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.Error as error:
            raise unavailable(self.path, error) from None

    def rebuild_read_model(self) -> None:
        """Recompute every incident's snapshot from its log."""
        with self._pool.write() as conn:
            numbers = dict(conn.execute("SELECT id, number FROM incidents").fetchall())
            states: dict[str, Incident] = {}
            for row in conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY gseq").fetchall():
                item = _row_event(row)
                state = states.get(item.incident_id)
                if state is None:
                    state = states[item.incident_id] = Incident(
                        id=item.incident_id, number=numbers.get(item.incident_id)
                    )
                apply(state, item, self.catalog)
            for state in states.values():
                _save_state(conn, state, self.catalog)

    def close(self) -> None:
        self._tokens.close()
        self._alerts.close()
        self._pool.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the server's access tokens: TokenTable (warroom.store.sqlite_tokens) --

    def add_token(self, row: TokenRow) -> None:
        self._tokens.add(row)

    def token_rows(self, include_revoked: bool = True) -> list[TokenRow]:
        return self._tokens.rows(include_revoked)

    def revoke_token(self, name: str, revoked_at: str) -> TokenRow | None:
        return self._tokens.revoke(name, revoked_at)

    def token_by_hash(self, digest: str) -> TokenRow | None:
        return self._tokens.by_hash(digest)

    # -- alerts: AlertTable (warroom.store.sqlite_alerts) --------------------

    def alert_requests(
        self, requests: Sequence[Callable[[AlertTransaction], T]], now: datetime | None = None
    ) -> list[T | Exception]:
        try:
            with self._pool.write() as conn:
                group = _Group(conn, self.catalog)
                results = sqlite_alerts.run_requests(conn, group, requests, now or self.clock.now())
                group.save_states()
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None
        self._notifier.notify()
        return results

    def alert_rows(
        self, state: str = "inbox", incident_id: str | None = None, limit: int = 100
    ) -> list[AlertRecord]:
        return self._alert_read(lambda: self._alerts.rows(state, incident_id, limit))

    def find_alert(self, prefix: str) -> AlertRecord:
        return self._alert_read(lambda: self._alerts.find(prefix))

    def inbox_summary(self) -> InboxSummary:
        return self._alert_read(self._alerts.summary)

    def purge_alerts(self, resolved_before: datetime) -> int:
        try:
            with self._pool.write() as conn:
                return sqlite_alerts.purge(conn, resolved_before)
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None

    def alerts_version(self) -> int:
        return self._alert_read(self._alerts.version)

    def _alert_read(self, read: Callable[[], T]) -> T:
        try:
            return read()
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None

    # -- the server's own secrets: SecretTable ------------------------------

    def server_secret(self, name: str) -> str:
        try:
            with self._pool.write() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)",
                    (name, secrets.token_urlsafe(32)),
                )
                row = conn.execute(
                    "SELECT value FROM server_secrets WHERE name = ?", (name,)
                ).fetchone()
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None
        return str(row[0])

    # -- on-call overrides: OverrideTable (warroom.store.sqlite_overrides) --

    def add_override(
        self, schedule: str, person: str, starts_at: str, ends_at: str, actor: str, at: str
    ) -> OverrideRow:
        try:
            return self._overrides.add(schedule, person, starts_at, ends_at, actor, at)
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None

    def override_rows(self, ending_after: str | None = None) -> list[OverrideRow]:
        try:
            return self._overrides.rows(ending_after)
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None

    def remove_override(self, override_id: int, actor: str, at: str) -> OverrideRow | None:
        try:
            return self._overrides.remove(override_id, actor, at)
        except sqlite3.DatabaseError as error:
            raise _store_error(self.path, error) from None

    # -- outbound deliveries: DeliveryStore (warroom.store.sqlite_deliveries) --

    def deliveries(self) -> SQLiteDeliveries:
        return self._deliveries


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


def _store_error(path: Path, error: sqlite3.DatabaseError) -> Exception:
    """The file's trouble (locked, read-only, full, damaged: exactly
    OperationalError or DatabaseError) as one line; a bug stays itself."""
    if type(error) in (sqlite3.OperationalError, sqlite3.DatabaseError):
        return unavailable(path, error)
    return error


def _prefix_query(prefix: str) -> tuple[str, tuple[str]]:
    """Up to two incident ids starting with `prefix` (LIKE, its wildcards escaped)."""
    escaped = prefix.replace("_", "\\_").replace("%", "\\%") + "%"
    return "SELECT id FROM incidents WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (escaped,)


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


_INSERT = (
    "INSERT INTO events (gseq, id, incident_id, seq, kind, actor, occurred_at, recorded_at,"
    " base_seq, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_IDS_AT_ONCE = 500  # ids looked up in one query (SQLite allows 32,766 parameters)
_SAVE_STATE = (
    "INSERT INTO incidents (id, number, last_seq, last_gseq, severity, status, is_open,"
    " snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
    " last_seq = excluded.last_seq, last_gseq = excluded.last_gseq,"
    " severity = excluded.severity, status = excluded.status,"
    " is_open = excluded.is_open, snapshot = excluded.snapshot"
)


@dataclass(frozen=True, slots=True)
class _Mark:
    """A point in a `_Group`: how many events each incident had stored, the
    incidents numbered, the next gseq."""

    stored: dict[str, int]
    numbers: set[str]
    next_gseq: int


class _Group:
    """One append transaction: each incident's state as the requests so far
    left it, and what each request stored, so one request can be undone alone.

    Statements go straight to the sqlite3 connection, in the transaction
    `_Pool.write` began.
    """

    def __init__(self, conn: sqlite3.Connection, catalog: Catalog) -> None:
        self.conn = conn
        self.catalog = catalog
        self.states: dict[str, Incident | None] = {}
        self.snapshots: dict[str, str | None] = {}  # as they were before this transaction
        self.numbers: dict[str, int] = {}  # INC numbers given in this transaction
        self.stored: dict[str, list[Event]] = {}  # by the requests that succeeded
        self._times: dict[datetime, str] = {}
        # Writes are serialised, so the next row id is known: SQLite would
        # give the same one (the largest + 1), and rows go in with executemany.
        self._next_gseq: int = conn.execute(
            "SELECT COALESCE(MAX(gseq), 0) + 1 FROM events"
        ).fetchone()[0]

    def request(self, events: Sequence[Event], now: datetime) -> list[Event] | Exception:
        """Append one request's events (all or none), or return why not."""
        recorded_text = format_time(now)
        recorded = parse_wire_time(recorded_text)
        new: list[Event] = []
        result: list[Event] = []
        rows: list[tuple[Any, ...]] = []
        first_gseq = self._next_gseq
        self.conn.execute("SAVEPOINT warroom_request")
        try:
            known = self._stored_ids([event.id for event in events])
            for event in events:
                result.append(self._append(event, now, recorded_text, recorded, known, rows, new))
            self.conn.executemany(_INSERT, rows)
        except sqlite3.IntegrityError as error:
            failure: Exception = error
        except sqlite3.Error:
            raise  # the transaction itself is in trouble: fail the whole group
        except Exception as error:
            failure = error
        else:
            self.conn.execute("RELEASE warroom_request")
            for item in new:
                self.stored.setdefault(item.incident_id, []).append(item)
            return result
        self.conn.execute("ROLLBACK TO warroom_request")
        self.conn.execute("RELEASE warroom_request")
        self._next_gseq = first_gseq
        self._restore({event.incident_id for event in events})
        return failure

    def resolve(self, ref: str) -> str:
        """`SQLiteStore.resolve` inside the transaction: incidents declared in it too."""

        def by_number(number: int) -> list[str]:
            declared = [id_ for id_, given in self.numbers.items() if given == number]
            query = "SELECT id FROM incidents WHERE number = ?"
            return declared or [row[0] for row in self.conn.execute(query, (number,))]

        def by_prefix(prefix: str) -> list[str]:
            return [row[0] for row in self.conn.execute(*_prefix_query(prefix))]

        return resolve_ref(ref, by_number, by_prefix)

    def mark(self) -> _Mark:
        """Where the transaction is now, for `undo_to` (a request of several
        appends, such as an alert request, undone as a whole)."""
        stored = {incident_id: len(items) for incident_id, items in self.stored.items()}
        return _Mark(stored, set(self.numbers), self._next_gseq)

    def undo_to(self, mark: _Mark) -> None:
        """Forget in memory what was stored since `mark` (the caller rolled the
        file back to its savepoint)."""
        touched = {
            incident_id
            for incident_id, items in self.stored.items()
            if len(items) != mark.stored.get(incident_id)
        } | (set(self.numbers) - mark.numbers)
        for incident_id in touched:
            if incident_id in mark.stored:
                del self.stored[incident_id][mark.stored[incident_id] :]
            else:
                self.stored.pop(incident_id, None)
        self._next_gseq = mark.next_gseq
        self._restore(touched)
        for incident_id in touched:  # declared since the mark: gone again
            if incident_id not in self.stored and self.states.get(incident_id) is None:
                self.states.pop(incident_id, None)
                self.snapshots.pop(incident_id, None)

    def save_states(self) -> None:
        for incident_id in self.stored:
            state = self.states[incident_id]
            assert state is not None
            _save_state(self.conn, state, self.catalog)

    def _append(
        self,
        event: Event,
        now: datetime,
        recorded_text: str,
        recorded: datetime,
        known: dict[str, Event],
        rows: list[tuple[Any, ...]],
        new: list[Event],
    ) -> Event:
        existing = known.get(event.id)
        if existing is not None:
            return _same_or_conflict(existing, event)
        state = self._state(event.incident_id)
        checked = validate(state, event, self.catalog, now)
        if state is None:
            state = self._new_incident(event.incident_id)
        seq = state.last_seq + 1
        occurred = self._times.get(checked.occurred_at)
        if occurred is None:
            occurred = self._times[checked.occurred_at] = format_time(checked.occurred_at)
        gseq = self._next_gseq
        self._next_gseq += 1
        rows.append(
            (
                gseq,
                checked.id,
                checked.incident_id,
                seq,
                checked.kind,
                checked.actor,
                occurred,
                recorded_text,
                checked.base_seq,
                json.dumps(checked.data, separators=(",", ":")),
            )
        )
        final = checked.stored(seq=seq, gseq=gseq, recorded_at=recorded)
        apply(state, final, self.catalog)
        known[final.id] = final  # the same id again in this request: this event
        new.append(final)
        return final

    def _stored_ids(self, ids: list[str]) -> dict[str, Event]:
        """The events already stored under any of `ids`."""
        found: dict[str, Event] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), _IDS_AT_ONCE):
            chunk = unique[start : start + _IDS_AT_ONCE]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT {_COLUMNS} FROM events WHERE id IN ({marks})"
            for row in self.conn.execute(query, chunk):
                found[row[1]] = _row_event(row)
        return found

    def _state(self, incident_id: str) -> Incident | None:
        if incident_id not in self.states:
            row = self.conn.execute(
                "SELECT snapshot FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
            self.snapshots[incident_id] = row[0] if row else None
            self.states[incident_id] = _from_snapshot(row[0] if row else None)
        return self.states[incident_id]

    def _new_incident(self, incident_id: str) -> Incident:
        query = "SELECT COALESCE(MAX(number), 0) + 1 FROM incidents"
        number = self.conn.execute(query).fetchone()[0]
        # Incidents declared earlier in this transaction are not saved yet.
        number = max([number, *(given + 1 for given in self.numbers.values())])
        self.numbers[incident_id] = number
        state = self.states[incident_id] = Incident(id=incident_id, number=number)
        return state

    def _restore(self, incident_ids: set[str]) -> None:
        """Undo a failed request in memory: each incident it touched goes back
        to its state before this transaction plus what other requests stored."""
        for incident_id in incident_ids & self.states.keys():
            state = _from_snapshot(self.snapshots[incident_id])
            for item in self.stored.get(incident_id, ()):
                if state is None:
                    state = Incident(id=incident_id, number=self.numbers[incident_id])
                apply(state, item, self.catalog)
            if state is None:
                self.numbers.pop(incident_id, None)
            self.states[incident_id] = state


def _from_snapshot(text: str | None) -> Incident | None:
    return Incident.from_snapshot(json.loads(text)) if text else None


def _same_or_conflict(stored: Event, candidate: Event) -> Event:
    with contextlib.suppress(Refused):
        candidate = normalise(candidate)
    if candidate.content_key() != stored.content_key():
        raise Conflict(f"event {stored.id} is already stored with different content")
    return stored


def _save_state(conn: sqlite3.Connection, state: Incident, catalog: Catalog) -> None:
    conn.execute(
        _SAVE_STATE,
        (
            state.id,
            state.number,
            state.last_seq,
            state.last_gseq,
            state.severity,
            state.status,
            state.is_open(catalog),
            json.dumps(state.to_snapshot(), separators=(",", ":")),
        ),
    )


class _Pool:
    """The file's sqlite3 connections (each made by `schema.connect`), reused:
    any thread takes one for a statement or a transaction and gives it back."""

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

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (`BEGIN IMMEDIATE`): committed if the block
        ends normally, rolled back if it raises."""
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
