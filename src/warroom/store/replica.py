"""The http store's offline replica: the server's events as received, and
each incident's folded state, so the room opens (stale) while the server is
down.

Kept in the server's local file (`warroom.store.localfile`), beside the
outbox.  `meta.cursor` is the gseq up to which the replica holds every event.
This module does no networking: `warroom.store.reads` does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.times import format_time
from warroom.store.localfile import LocalFile, dump_event, get_meta, load_event, put_meta


class Replica:
    """What the server stored, as far as this client has seen it."""

    def __init__(self, file: LocalFile) -> None:
        self.file = file

    def cursor(self) -> int:
        return int(self.file.get("cursor") or 0)

    def ingest(
        self,
        events: Sequence[Event],
        catalog: Catalog,
        *,
        follows: int | None = None,
        contact: datetime | None = None,
    ) -> None:
        """Keep events received from the server.  `follows`: they are every
        event after that gseq (a feed page, the all-incidents stream), so the
        cursor may move past them."""
        if not events and contact is None:
            return
        with self.file.write() as conn:
            self.ingest_in(conn, events, catalog)
            if follows is not None and events:
                cursor = int(get_meta(conn, "cursor") or 0)
                if follows <= cursor:
                    put_meta(conn, "cursor", str(max(cursor, *(e.gseq or 0 for e in events))))
            if contact is not None:
                put_meta(conn, "last_contact", format_time(contact))

    @staticmethod
    def ingest_in(conn: sqlite3.Connection, events: Sequence[Event], catalog: Catalog) -> None:
        """Insert events (known ones are skipped) in the caller's transaction,
        then bring each touched incident's state up to its newest contiguous seq."""
        conn.executemany(
            "INSERT OR IGNORE INTO events (gseq, id, incident_id, seq, event)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (e.gseq, e.id, e.incident_id, e.seq, dump_event(e))
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

    def reset(self) -> None:
        """Forget the events held (the server's store was replaced)."""
        with self.file.write() as conn:
            conn.execute("DELETE FROM events")
            conn.execute("DELETE FROM incidents")
            put_meta(conn, "cursor", "0")

    def refold(self, catalog: Catalog) -> None:
        """Recompute every incident's state (the catalog changed)."""
        with self.file.write() as conn:
            numbers = dict(conn.execute("SELECT id, number FROM incidents").fetchall())
            conn.execute("DELETE FROM incidents")
            for incident_id, number in numbers.items():
                state = Incident(id=incident_id, number=number)
                _catch_up(conn, state, catalog)
                _save(conn, state)

    def missing_numbers(self) -> list[str]:
        return [row[0] for row in self.file.read("SELECT id FROM incidents WHERE number IS NULL")]

    def set_numbers(self, numbers: dict[str, int]) -> None:
        with self.file.write() as conn:
            conn.executemany(
                "UPDATE incidents SET number = ? WHERE id = ?",
                [(number, incident_id) for incident_id, number in numbers.items()],
            )

    def stored_event(self, event_id: str) -> Event | None:
        rows = self.file.read("SELECT event FROM events WHERE id = ?", (event_id,))
        return _row_event(rows[0]) if rows else None

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        rows = self.file.read(
            "SELECT event FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq",
            (incident_id, after_seq),
        )
        return [_row_event(row) for row in rows]

    def events_before(self, incident_id: str, before_seq: int | None, limit: int) -> list[Event]:
        rows = self.file.read(
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
        return [_row_event(row) for row in self.file.read(query, params)]

    def last_gseq(self) -> int:
        return self.file.read("SELECT COALESCE(MAX(gseq), 0) FROM events")[0][0]

    def seq_at(self, incident_id: str, gseq: int) -> int:
        """The incident's newest seq among its events held with gseq <= `gseq`."""
        return self.file.read(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE incident_id = ? AND gseq <= ?",
            (incident_id, gseq),
        )[0][0]

    def snapshot(self, incident_id: str) -> Incident | None:
        rows = self.file.read("SELECT number, snapshot FROM incidents WHERE id = ?", (incident_id,))
        return _state(rows[0]) if rows else None

    def snapshots(self) -> list[Incident]:
        return [_state(row) for row in self.file.read("SELECT number, snapshot FROM incidents")]

    def id_for_number(self, number: int) -> str | None:
        rows = self.file.read("SELECT id FROM incidents WHERE number = ?", (number,))
        return rows[0][0] if rows else None

    def ids_with_prefix(self, pattern: str) -> list[str]:
        """Incidents held whose id is LIKE `pattern` (escaped with \\), at most 2."""
        rows = self.file.read(
            "SELECT id FROM incidents WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (pattern,)
        )
        return [row[0] for row in rows]


def _catch_up(conn: sqlite3.Connection, state: Incident, catalog: Catalog) -> bool:
    """Apply the events held that follow `state` without a gap; whether any did."""
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
    return load_event(row[0])
