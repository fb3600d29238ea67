"""The http store's local file: a durable outbox and a cache of the server's events.

One SQLite file per server (WAL, `synchronous=FULL`, every write as `BEGIN
IMMEDIATE`), shared by every warroom process of the user that talks to that
server:

- `outbox`: events typed here, in order, each `pending` until the server has
  stored it (then it moves to the cache) or `rejected` with the server's reason
  (kept, never dropped silently).  Rows of one `grp` were appended together
  and are delivered together (all or none).
- `events` and `incidents`: the server's events as received, and each
  incident's folded state, so the room opens (stale) while the server is down.
  `meta.cursor` is the gseq up to which the cache holds every event.
- `meta`: the cursor, the server's catalog and who the token is, when the
  server was last reached.

This module does no networking: `warroom.store.http` does.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.errors import StoreUnavailable
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.times import format_time, parse_wire_time

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

PENDING = "pending"
REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One event of the outbox: `pending`, or `rejected` with the server's reason."""

    event: Event
    group: int
    state: str
    queued_at: datetime
    attempts: int = 0
    code: str | None = None
    reason: str | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """Events appended together: delivered together, all or none."""

    id: int
    events: tuple[Event, ...]


class LocalFile:
    """The outbox and the cache, in one SQLite file."""

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
        self._conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
            return
        with self._write() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
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

    def _read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
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
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def put(self, key: str, value: str) -> None:
        with self._write() as conn:
            _put(conn, key, value)

    def cursor(self) -> int:
        return int(self.get("cursor") or 0)

    # -- the outbox ----------------------------------------------------------

    def queue(self, events: Sequence[Event], now: datetime) -> int:
        """Commit events to the outbox as one group (durably); its id.  A
        rejected entry with the same id is replaced: the caller tries again."""
        with self._write() as conn:
            for event in events:
                conn.execute("DELETE FROM outbox WHERE id = ? AND state = ?", (event.id, REJECTED))
            conn.executemany(
                "INSERT INTO outbox (grp, id, incident_id, event, queued_at)"
                " VALUES (0, ?, ?, ?, ?)",
                [(e.id, e.incident_id, _dump(e), format_time(now)) for e in events],
            )
            group = conn.execute("SELECT min(pos) FROM outbox WHERE grp = 0").fetchone()[0]
            conn.execute("UPDATE outbox SET grp = ? WHERE grp = 0", (group,))
        return group

    def entry(self, event_id: str) -> OutboxEntry | None:
        rows = self._read(f"SELECT {_OUTBOX} FROM outbox WHERE id = ?", (event_id,))
        return _entry(rows[0]) if rows else None

    def entries(
        self, states: Iterable[str] = (PENDING,), incident_id: str | None = None
    ) -> list[OutboxEntry]:
        """Outbox entries in the given states (of one incident or all), oldest first."""
        wanted = tuple(states)
        query = f"SELECT {_OUTBOX} FROM outbox WHERE state IN ({','.join('?' * len(wanted))})"
        params: list[Any] = list(wanted)
        if incident_id is not None:
            query += " AND incident_id = ?"
            params.append(incident_id)
        return [_entry(row) for row in self._read(query + " ORDER BY pos", params)]

    def count(self, state: str = PENDING) -> int:
        return self._read("SELECT count(*) FROM outbox WHERE state = ?", (state,))[0][0]

    def group_state(self, group: int) -> tuple[int, OutboxEntry | None]:
        """(how many of the group's events are pending, a rejected one or None)."""
        rows = self._read(f"SELECT {_OUTBOX} FROM outbox WHERE grp = ? ORDER BY pos", (group,))
        entries = [_entry(row) for row in rows]
        rejected = next((entry for entry in entries if entry.state == REJECTED), None)
        return sum(1 for entry in entries if entry.state == PENDING), rejected

    def pending_groups(self, max_events: int) -> list[Group]:
        """The oldest pending groups, up to `max_events` events (at least one group)."""
        sizes = self._read(
            "SELECT grp, count(*) FROM outbox WHERE state = ? GROUP BY grp ORDER BY min(pos)",
            (PENDING,),
        )
        chosen: list[int] = []
        total = 0
        for group, size in sizes:
            if chosen and total + size > max_events:
                break
            chosen.append(group)
            total += size
        groups: dict[int, list[Event]] = {group: [] for group in chosen}
        if chosen:
            rows = self._read(
                f"SELECT grp, event FROM outbox WHERE state = ? AND grp IN"
                f" ({','.join('?' * len(chosen))}) ORDER BY pos",
                (PENDING, *chosen),
            )
            for group, raw in rows:
                groups[group].append(_load(raw))
        return [Group(group, tuple(events)) for group, events in groups.items() if events]

    def reject(self, group: int, code: str, reason: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, code = ?, reason = ? WHERE grp = ? AND state = ?",
                (REJECTED, code, reason, group, PENDING),
            )

    def attempted(self, groups: Iterable[int], error: str) -> None:
        ids = list(groups)
        with self._write() as conn:
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE grp = ?",
                [(error, group) for group in ids],
            )

    def drop_group(self, group: int) -> int:
        """Remove a group the caller was told about (refused at once); how many."""
        with self._write() as conn:
            return conn.execute("DELETE FROM outbox WHERE grp = ?", (group,)).rowcount

    def dismiss_rejected(self) -> int:
        with self._write() as conn:
            return conn.execute("DELETE FROM outbox WHERE state = ?", (REJECTED,)).rowcount

    def delivered(self, sent: Iterable[str], stored: Sequence[Event], catalog: Catalog) -> None:
        """The server stored these: out of the outbox and into the cache, at once."""
        with self._write() as conn:
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in sent])
            _ingest(conn, stored, catalog)

    # -- the cache -------------------------------------------------------------

    def ingest(
        self,
        events: Sequence[Event],
        catalog: Catalog,
        *,
        follows: int | None = None,
        contact: datetime | None = None,
    ) -> None:
        """Cache events received from the server.  `follows`: they are every
        event after that gseq (a feed page, the all-incidents stream), so the
        cursor may move past them."""
        if not events and contact is None:
            return
        with self._write() as conn:
            _ingest(conn, events, catalog)
            if follows is not None and events:
                cursor = int(_get(conn, "cursor") or 0)
                if follows <= cursor:
                    _put(conn, "cursor", str(max(cursor, *(e.gseq or 0 for e in events))))
            if contact is not None:
                _put(conn, "last_contact", format_time(contact))

    def reset_cache(self) -> None:
        """Forget the cached events (the server's store was replaced)."""
        with self._write() as conn:
            conn.execute("DELETE FROM events")
            conn.execute("DELETE FROM incidents")
            _put(conn, "cursor", "0")

    def refold(self, catalog: Catalog) -> None:
        """Recompute every cached incident's state (the catalog changed)."""
        with self._write() as conn:
            numbers = dict(conn.execute("SELECT id, number FROM incidents").fetchall())
            conn.execute("DELETE FROM incidents")
            for incident_id, number in numbers.items():
                state = Incident(id=incident_id, number=number)
                _catch_up(conn, state, catalog)
                _save(conn, state)

    def missing_numbers(self) -> list[str]:
        return [row[0] for row in self._read("SELECT id FROM incidents WHERE number IS NULL")]

    def set_numbers(self, numbers: dict[str, int]) -> None:
        with self._write() as conn:
            conn.executemany(
                "UPDATE incidents SET number = ? WHERE id = ?",
                [(number, incident_id) for incident_id, number in numbers.items()],
            )

    def stored_event(self, event_id: str) -> Event | None:
        rows = self._read("SELECT event FROM events WHERE id = ?", (event_id,))
        return _row_event(rows[0]) if rows else None

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        rows = self._read(
            "SELECT event FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq",
            (incident_id, after_seq),
        )
        return [_row_event(row) for row in rows]

    def events_before(self, incident_id: str, before_seq: int | None, limit: int) -> list[Event]:
        rows = self._read(
            "SELECT event FROM events WHERE incident_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (incident_id, before_seq if before_seq is not None else 2**62, limit),
        )
        return [_row_event(row) for row in reversed(rows)]

    def events_after(self, after_gseq: int, incident_id: str | None, limit: int) -> list[Event]:
        if incident_id is None:
            query = "SELECT event FROM events WHERE gseq > ? ORDER BY gseq LIMIT ?"
            params: tuple[Any, ...] = (after_gseq, limit)
        else:
            query = (
                "SELECT event FROM events WHERE incident_id = ? AND gseq > ? ORDER BY gseq LIMIT ?"
            )
            params = (incident_id, after_gseq, limit)
        return [_row_event(row) for row in self._read(query, params)]

    def last_gseq(self) -> int:
        return self._read("SELECT COALESCE(MAX(gseq), 0) FROM events")[0][0]

    def seq_at(self, incident_id: str, gseq: int) -> int:
        """The incident's newest seq among its cached events with gseq <= `gseq`."""
        return self._read(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE incident_id = ? AND gseq <= ?",
            (incident_id, gseq),
        )[0][0]

    def snapshot(self, incident_id: str) -> Incident | None:
        rows = self._read("SELECT number, snapshot FROM incidents WHERE id = ?", (incident_id,))
        return _state(rows[0]) if rows else None

    def snapshots(self) -> list[Incident]:
        return [_state(row) for row in self._read("SELECT number, snapshot FROM incidents")]

    def id_for_number(self, number: int) -> str | None:
        rows = self._read("SELECT id FROM incidents WHERE number = ?", (number,))
        return rows[0][0] if rows else None

    def ids_with_prefix(self, prefix: str) -> list[str]:
        """Cached and pending incidents whose id starts with `prefix` (at most 2)."""
        pattern = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"
        rows = self._read(
            "SELECT id FROM incidents WHERE id LIKE ?1 ESCAPE '\\' UNION"
            " SELECT incident_id FROM outbox WHERE state = ?2 AND incident_id LIKE ?1 ESCAPE '\\'"
            " LIMIT 2",
            (pattern, PENDING),
        )
        return [row[0] for row in rows]


_OUTBOX = "event, grp, state, queued_at, attempts, code, reason, last_error"


def _entry(row: Any) -> OutboxEntry:
    raw, group, state, queued_at, attempts, code, reason, last_error = row
    return OutboxEntry(
        event=_load(raw),
        group=group,
        state=state,
        queued_at=parse_wire_time(queued_at),
        attempts=attempts,
        code=code,
        reason=reason,
        last_error=last_error,
    )


def _dump(event: Event) -> str:
    return json.dumps(event.to_dict(), separators=(",", ":"))


def _load(raw: str) -> Event:
    return Event.from_dict(json.loads(raw))


def _get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _put(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _ingest(conn: sqlite3.Connection, events: Sequence[Event], catalog: Catalog) -> None:
    """Insert events (known ones are skipped), then bring each touched
    incident's state up to its newest contiguous seq."""
    conn.executemany(
        "INSERT OR IGNORE INTO events (gseq, id, incident_id, seq, event) VALUES (?, ?, ?, ?, ?)",
        [
            (e.gseq, e.id, e.incident_id, e.seq, _dump(e))
            for e in events
            if e.gseq is not None and e.seq is not None
        ],
    )
    for incident_id in dict.fromkeys(e.incident_id for e in events):
        row = conn.execute(
            "SELECT number, snapshot FROM incidents WHERE id = ?", (incident_id,)
        ).fetchone()
        state = _state(row) if row else Incident(id=incident_id)
        if _catch_up(conn, state, catalog):
            _save(conn, state)


def _catch_up(conn: sqlite3.Connection, state: Incident, catalog: Catalog) -> bool:
    """Apply the cached events that follow `state` without a gap; whether any did."""
    rows = conn.execute(
        "SELECT event FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq",
        (state.id, state.last_seq),
    ).fetchall()
    moved = False
    for row in rows:
        event = _row_event(row)
        if event.seq != state.last_seq + 1:
            break
        apply(state, event, catalog)
        moved = True
    return moved


def _save(conn: sqlite3.Connection, state: Incident) -> None:
    conn.execute(
        "INSERT INTO incidents (id, number, snapshot) VALUES (?, ?, ?) ON CONFLICT(id)"
        " DO UPDATE SET snapshot = excluded.snapshot, number = COALESCE(number, excluded.number)",
        (state.id, state.number, json.dumps(state.to_snapshot(), separators=(",", ":"))),
    )


def _state(row: Any) -> Incident:
    number, raw = row
    state = Incident.from_snapshot(json.loads(raw))
    state.number = number
    return state


def _row_event(row: Any) -> Event:
    return _load(row[0])
