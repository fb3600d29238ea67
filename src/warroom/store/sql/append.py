"""The append transaction both engines run: events validated against the
stored snapshot and written with their seq and gseq, the incidents' read model
kept in step, each request undone alone if refused (`Group`: under a
savepoint where its rows are written at once, see `Database.rows_deferred`);
and the event rows read back (`row_event`, the queries by gseq and by id prefix)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.errors import Conflict, Refused, StoreUnavailable
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.times import format_time, parse_wire_time
from warroom.core.validate import normalise, validate
from warroom.store.base import resolve_ref
from warroom.store.sql.database import Connection, Database

COLUMNS = "gseq, id, incident_id, seq, kind, actor, occurred_at, recorded_at, base_seq, data"


def prefix_query(prefix: str) -> tuple[str, tuple[str]]:
    """Up to two incident ids starting with `prefix` (LIKE, its wildcards escaped)."""
    escaped = prefix.replace("_", "\\_").replace("%", "\\%") + "%"
    return "SELECT id FROM incidents WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (escaped,)


def after_query(after_gseq: int, incident_id: str | None, limit: int) -> tuple[str, tuple]:
    if incident_id is None:
        return (
            f"SELECT {COLUMNS} FROM events WHERE gseq > ? ORDER BY gseq LIMIT ?",
            (after_gseq, limit),
        )
    return (
        f"SELECT {COLUMNS} FROM events WHERE incident_id = ? AND gseq > ? ORDER BY gseq LIMIT ?",
        (incident_id, after_gseq, limit),
    )


def row_event(row: Any) -> Event:
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
_IDS_AT_ONCE = 500  # ids looked up in one query (well under both engines' limits)
_SAVE_STATE = (
    "INSERT INTO incidents (id, number, last_seq, last_gseq, severity, status, is_open,"
    " snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
    " last_seq = excluded.last_seq, last_gseq = excluded.last_gseq,"
    " severity = excluded.severity, status = excluded.status,"
    " is_open = excluded.is_open, snapshot = excluded.snapshot"
)


# `Group._read_ahead`'s rows besides the events' (tag 0): an incident's
# snapshot (tag 1: its id, the snapshot in the `data` column, the last seq
# of its events in the `seq` column) and the next gseq (tag 2, in the `gseq`
# column).
_SNAPSHOT_ROW = (
    "NULL, id, NULL, (SELECT MAX(seq) FROM events WHERE events.incident_id = incidents.id),"
    " NULL, NULL, NULL, NULL, NULL, snapshot FROM incidents"
)
_NEXT_GSEQ_ROW = (
    "SELECT 2, COALESCE(MAX(gseq), 0) + 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
    " FROM events"
)


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


@dataclass(frozen=True, slots=True)
class Mark:
    """A point in a `Group`: how many events each incident had stored, the
    incidents numbered, the next gseq."""

    stored: dict[str, int]
    numbers: set[str]
    next_gseq: int | None


class Group:
    """One append transaction: each incident's state as the requests so far
    left it, and what each request stored, so one request can be undone alone.

    Statements go straight to the connection, in the serial write
    transaction the engine began (`Database.write`): no other append runs
    until it commits, so the next gseq and INC number are known.
    """

    def __init__(self, conn: Connection, catalog: Catalog, db: Database) -> None:
        self.conn = conn
        self.catalog = catalog
        self.db = db
        self.states: dict[str, Incident | None] = {}
        self.snapshots: dict[str, str | None] = {}  # as they were before this transaction
        self.numbers: dict[str, int] = {}  # INC numbers given in this transaction
        self.stored: dict[str, list[Event]] = {}  # by the requests that succeeded
        self._times: dict[datetime, str] = {}
        # Appends are serialised, so the next gseq is the largest + 1 (in
        # commit order, with no gap a rolled-back request could leave); read
        # with the first request's stored ids (`_read_ahead`).
        self._next_gseq: int | None = None
        # The events stored under the group's ids, read for all its requests
        # at once (`prefetch`), plus those its requests stored since.
        self._prefetched: dict[str, Event] | None = None
        self._astray: dict[str, str] = {}  # incidents whose state is behind their log: why

    def prefetch(self, requests: Sequence[Sequence[Event]]) -> None:
        """Read what all of `requests` need before the first is appended: the
        events stored under their ids, their incidents' snapshots and the next
        gseq, in one statement (a round trip for the group, not one each, while
        the store is locked).  Called again before any is appended, for more.
        (`append_group`'s; an alert transaction reads per request and uses
        `mark`/`undo_to`.)"""
        found = self._read_ahead([event for events in requests for event in events])
        if self._prefetched is None:
            self._prefetched = found
        else:
            self._prefetched.update(found)

    def request(self, events: Sequence[Event], now: datetime) -> list[Event] | Exception:
        """Append one request's events (all or none), or return why not."""
        recorded_text = format_time(now)
        recorded = parse_wire_time(recorded_text)
        new: list[Event] = []
        result: list[Event] = []
        rows: list[tuple[Any, ...]] = []
        first_gseq = self._next_gseq
        savepoint = not self.db.rows_deferred
        if savepoint:
            self.conn.execute("SAVEPOINT warroom_request")
        try:
            known = self._known(events)
            for event in events:
                result.append(self._append(event, now, recorded_text, recorded, known, rows, new))
            self.conn.executemany(_INSERT, rows)
        except self.db.integrity_error as error:
            failure: Exception = error
        except self.db.error:
            raise  # the transaction itself is in trouble: fail the whole group
        except Exception as error:
            failure = error
        else:
            if savepoint:
                self.conn.execute("RELEASE warroom_request")
            for item in new:
                self.stored.setdefault(item.incident_id, []).append(item)
                if self._prefetched is not None:
                    self._prefetched[item.id] = item
            return result
        if savepoint:
            self.conn.execute("ROLLBACK TO warroom_request")
            self.conn.execute("RELEASE warroom_request")
        self._next_gseq = first_gseq
        self._restore({event.incident_id for event in events})
        return failure

    def resolve(self, ref: str) -> str:
        """`Store.resolve` inside the transaction: incidents declared in it too."""

        def by_number(number: int) -> list[str]:
            declared = [id_ for id_, given in self.numbers.items() if given == number]
            query = "SELECT id FROM incidents WHERE number = ?"
            return declared or [row[0] for row in self.conn.execute(query, (number,))]

        def by_prefix(prefix: str) -> list[str]:
            return [row[0] for row in self.conn.execute(*prefix_query(prefix))]

        return resolve_ref(ref, by_number, by_prefix)

    def mark(self) -> Mark:
        """Where the transaction is now, for `undo_to` (a request of several
        appends, such as an alert request, undone as a whole)."""
        stored = {incident_id: len(items) for incident_id, items in self.stored.items()}
        return Mark(stored, set(self.numbers), self._next_gseq)

    def undo_to(self, mark: Mark) -> None:
        """Forget in memory what was stored since `mark` (the caller rolled the
        transaction back to its savepoint)."""
        touched = {
            incident_id
            for incident_id, items in self.stored.items()
            if len(items) != mark.stored.get(incident_id)
        } | (set(self.numbers) - mark.numbers)
        assert self._prefetched is None, "a prefetched group undoes requests, not marks"
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
            save_state(self.conn, state, self.catalog)

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
        gseq = self._gseq()
        self._next_gseq = gseq + 1
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

    def _known(self, events: Sequence[Event]) -> dict[str, Event]:
        """The events already stored under any of the events' ids (prefetched
        for the group, else read now with `_read_ahead`)."""
        if self._prefetched is None:
            return self._read_ahead(events)
        found = self._prefetched
        return {event.id: found[event.id] for event in events if event.id in found}

    def _read_ahead(self, events: Sequence[Event]) -> dict[str, Event]:
        """The events already stored under any of the events' ids.  The same
        statement (one round trip on PostgreSQL) reads the snapshots of their
        incidents not read yet and, at first, the next gseq."""
        found: dict[str, Event] = {}
        unique = list(dict.fromkeys(event.id for event in events))
        unread = [
            incident_id
            for incident_id in dict.fromkeys(event.incident_id for event in events)
            if incident_id not in self.states
        ][:_IDS_AT_ONCE]
        snapshots: dict[str, str] = {}
        logged: dict[str, int] = {}
        for start in range(0, max(len(unique), 1), _IDS_AT_ONCE):
            chunk = unique[start : start + _IDS_AT_ONCE]
            parts: list[str] = []
            params: list[Any] = []
            if chunk:
                parts.append(f"SELECT 0, {COLUMNS} FROM events WHERE id IN ({_marks(chunk)})")
                params += chunk
            if start == 0 and unread:
                parts.append(f"SELECT 1, {_SNAPSHOT_ROW} WHERE id IN ({_marks(unread)})")
                params += unread
            if start == 0 and self._next_gseq is None:
                parts.append(_NEXT_GSEQ_ROW)
            if not parts:
                continue
            for row in self.conn.execute(" UNION ALL ".join(parts), params):
                if row[0] == 0:
                    found[row[2]] = row_event(row[1:])
                elif row[0] == 1:
                    snapshots[row[2]], logged[row[2]] = row[10], row[4]
                else:
                    self._next_gseq = row[1]
        for incident_id in unread:
            self._load(incident_id, snapshots.get(incident_id), logged.get(incident_id))
        return found

    def _load(self, incident_id: str, snapshot: str | None, logged_seq: int | None) -> None:
        """Keep an incident's stored state, checked against its log: one whose
        state is behind its events (changed outside warroom) takes no appends,
        since the next seq is already taken (on PostgreSQL the rows go with the
        COMMIT: a constraint failing there would fail the whole group)."""
        self.snapshots[incident_id] = snapshot
        state = self.states[incident_id] = from_snapshot(snapshot)
        stored = state.last_seq if state is not None else 0
        if stored != (logged_seq or 0):
            self._astray[incident_id] = (
                f"incident {incident_id}: its stored state ends at seq {stored} but its"
                f" events at seq {logged_seq or 0} (changed outside warroom?); it takes"
                " no events until the two agree"
            )

    def _gseq(self) -> int:
        """The next gseq (read if no request read it yet)."""
        if self._next_gseq is None:
            query = "SELECT COALESCE(MAX(gseq), 0) + 1 FROM events"
            self._next_gseq = self.conn.execute(query).fetchone()[0]
        return self._next_gseq

    def _state(self, incident_id: str) -> Incident | None:
        if incident_id not in self.states:
            row = self.conn.execute(
                "SELECT (SELECT snapshot FROM incidents WHERE id = ?),"
                " (SELECT MAX(seq) FROM events WHERE incident_id = ?)",
                (incident_id, incident_id),
            ).fetchone()
            self._load(incident_id, row[0], row[1])
        if incident_id in self._astray:
            raise StoreUnavailable(self._astray[incident_id])
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
            state = from_snapshot(self.snapshots[incident_id])
            for item in self.stored.get(incident_id, ()):
                if state is None:
                    state = Incident(id=incident_id, number=self.numbers[incident_id])
                apply(state, item, self.catalog)
            if state is None:
                self.numbers.pop(incident_id, None)
            self.states[incident_id] = state


def from_snapshot(text: str | None) -> Incident | None:
    return Incident.from_snapshot(json.loads(text)) if text else None


def _same_or_conflict(stored: Event, candidate: Event) -> Event:
    with contextlib.suppress(Refused):
        candidate = normalise(candidate)
    if candidate.content_key() != stored.content_key():
        raise Conflict(f"event {stored.id} is already stored with different content")
    return stored


def save_state(conn: Connection, state: Incident, catalog: Catalog) -> None:
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
