"""The http store's durable outbox: events typed here that the server has not
stored yet.

Kept in the server's local file (`warroom.store.localfile`), in order, each
`pending` until the server has stored it (then it leaves the outbox and enters
the replica, in one transaction) or `rejected` with the server's reason (kept,
never dropped silently).  Rows of one `grp` were appended together and are
delivered together (all or none).

This module does no networking: `warroom.store.delivery` does.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.core.events import Event
from warroom.core.times import format_time, parse_wire_time
from warroom.store.localfile import LocalFile, dump_event, load_event

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


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What `sync` did: delivered events, what is still pending or was rejected."""

    delivered: int
    pending: list[OutboxEntry]
    rejected: list[OutboxEntry]
    reachable: bool
    problem: str | None = None


class Outbox:
    """The events waiting for the server, in the order they were typed."""

    def __init__(self, file: LocalFile) -> None:
        self.file = file

    def queue(self, events: Sequence[Event], now: datetime) -> int:
        """Commit events to the outbox as one group (durably); its id.  A
        rejected entry with the same id is replaced: the caller tries again."""
        with self.file.write() as conn:
            for event in events:
                conn.execute("DELETE FROM outbox WHERE id = ? AND state = ?", (event.id, REJECTED))
            conn.executemany(
                "INSERT INTO outbox (grp, id, incident_id, event, queued_at)"
                " VALUES (0, ?, ?, ?, ?)",
                [(e.id, e.incident_id, dump_event(e), format_time(now)) for e in events],
            )
            group = conn.execute("SELECT min(pos) FROM outbox WHERE grp = 0").fetchone()[0]
            conn.execute("UPDATE outbox SET grp = ? WHERE grp = 0", (group,))
        return group

    def entry(self, event_id: str) -> OutboxEntry | None:
        rows = self.file.read(f"SELECT {_OUTBOX} FROM outbox WHERE id = ?", (event_id,))
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
        return [_entry(row) for row in self.file.read(query + " ORDER BY pos", params)]

    def count(self, state: str = PENDING) -> int:
        return self.file.read("SELECT count(*) FROM outbox WHERE state = ?", (state,))[0][0]

    def group_state(self, group: int) -> tuple[int, OutboxEntry | None]:
        """(how many of the group's events are pending, a rejected one or None)."""
        rows = self.file.read(f"SELECT {_OUTBOX} FROM outbox WHERE grp = ? ORDER BY pos", (group,))
        entries = [_entry(row) for row in rows]
        rejected = next((entry for entry in entries if entry.state == REJECTED), None)
        return sum(1 for entry in entries if entry.state == PENDING), rejected

    def pending_groups(self, max_events: int) -> list[Group]:
        """The oldest pending groups, up to `max_events` events (at least one group)."""
        sizes = self.file.read(
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
            rows = self.file.read(
                f"SELECT grp, event FROM outbox WHERE state = ? AND grp IN"
                f" ({','.join('?' * len(chosen))}) ORDER BY pos",
                (PENDING, *chosen),
            )
            for group, raw in rows:
                groups[group].append(load_event(raw))
        return [Group(group, tuple(events)) for group, events in groups.items() if events]

    def pending_incidents_with_prefix(self, pattern: str) -> list[str]:
        """Incidents with pending events whose id is LIKE `pattern` (escaped with \\)."""
        rows = self.file.read(
            "SELECT DISTINCT incident_id FROM outbox WHERE state = ? AND incident_id LIKE ?"
            " ESCAPE '\\' LIMIT 2",
            (PENDING, pattern),
        )
        return [row[0] for row in rows]

    def reject(self, group: int, code: str, reason: str) -> None:
        with self.file.write() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, code = ?, reason = ? WHERE grp = ? AND state = ?",
                (REJECTED, code, reason, group, PENDING),
            )

    def attempted(self, groups: Iterable[int], error: str) -> None:
        ids = list(groups)
        with self.file.write() as conn:
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE grp = ?",
                [(error, group) for group in ids],
            )

    def drop_group(self, group: int) -> int:
        """Remove a group the caller was told about (refused at once); how many."""
        with self.file.write() as conn:
            return conn.execute("DELETE FROM outbox WHERE grp = ?", (group,)).rowcount

    def dismiss_rejected(self) -> int:
        with self.file.write() as conn:
            return conn.execute("DELETE FROM outbox WHERE state = ?", (REJECTED,)).rowcount

    def adopt(self, other: Outbox) -> int:
        """Move `other`'s events (pending and rejected) to the end of this
        outbox, in order, each group together; how many are new here."""
        rows = other.file.read(f"SELECT grp, id, incident_id, {_MOVED} FROM outbox ORDER BY pos")
        if not rows:
            return 0
        moved = 0
        with self.file.write() as conn:
            for _, members in itertools.groupby(rows, key=lambda row: row[0]):
                moved += conn.executemany(
                    f"INSERT OR IGNORE INTO outbox (grp, id, incident_id, {_MOVED})"
                    " VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [row[1:] for row in members],
                ).rowcount
                group = conn.execute("SELECT min(pos) FROM outbox WHERE grp = 0").fetchone()[0]
                conn.execute("UPDATE outbox SET grp = ? WHERE grp = 0", (group,))
        with other.file.write() as conn:
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(row[1],) for row in rows])
        return moved

    def delivered(self, sent: Iterable[str], then: Callable[[sqlite3.Connection], None]) -> None:
        """The server stored these: out of the outbox, and `then` (the replica
        taking them in) in the same transaction."""
        with self.file.write() as conn:
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in sent])
            then(conn)


_MOVED = "event, state, code, reason, queued_at, attempts, last_error"
_OUTBOX = "event, grp, state, queued_at, attempts, code, reason, last_error"


def _entry(row: Any) -> OutboxEntry:
    raw, group, state, queued_at, attempts, code, reason, last_error = row
    return OutboxEntry(
        event=load_event(raw),
        group=group,
        state=state,
        queued_at=parse_wire_time(queued_at),
        attempts=attempts,
        code=code,
        reason=reason,
        last_error=last_error,
    )
