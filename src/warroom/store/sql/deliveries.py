"""Outbound deliveries in an SQL store: the `DeliveryQueue` of
`SQLStore.deliveries()` (`warroom.store.base`).  The tables are part of the
store's schema (`store/tables.py`, migration 0006).

A claim is a lease: the rows are marked with the sender's name and a time
after which anyone may take them again, so a sender that dies leaves nothing
stuck.  Marking sent or failed only touches rows the caller still holds.
Where the engine has row locks (PostgreSQL), a claim takes its rows with
`FOR UPDATE SKIP LOCKED` and checks leases against the database's clock, so
two replicas never work the same claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from warroom.store.base import DELIVERY_STATES, Delivery, DeliveryRow
from warroom.store.sql.database import Connection, Database

T = TypeVar("T")
_COLUMNS = (
    "id, event_id, incident_id, route, target, kind, payload, event, state, attempts,"
    " last_error, created_at, next_try, sent_at, lease_owner, lease_until, digest"
)
_INSERT = (
    "INSERT INTO deliveries (event_id, incident_id, route, target, kind, payload,"
    " event, state, attempts, created_at, next_try)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)"
    " ON CONFLICT (event_id, route, target) DO NOTHING"
)
_FREE = (
    "state = 'pending' AND kind = ? AND next_try <= ?"
    " AND (lease_until IS NULL OR lease_until <= ? OR lease_owner = ?)"
)
_DUE = f"SELECT 1 FROM deliveries WHERE {_FREE} LIMIT 1"
_CHUNK = 500  # ids in one statement


class SQLDeliveries:
    """The `deliveries`, `delivery_routes` and `delivery_sender` tables of one store."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Each claimer's clock as its last claim found it: the retry times it
        # gives later (`failed_attempt`, `release`) move to the database's
        # clock the same way, so a wrong clock neither delays nor hurries them.
        self._clocks: dict[str, Callable[[str], str]] = {}

    def _write(self, work: Callable[[Connection], T], serial: bool = False) -> T:
        try:
            with self._db.write(serial) as conn:
                return work(conn)
        except self._db.error as error:
            raise self._db.failure(error) from None

    def _read(self, query: str, params: Sequence[object]) -> list[tuple]:
        try:
            return self._db.read(query, tuple(params))
        except self._db.error as error:
            raise self._db.failure(error) from None

    def enqueue(self, deliveries: Sequence[Delivery], at: str) -> int:
        if not deliveries:
            return 0
        # Due times on the database's clock, which claims compare them with:
        # a delivery enqueued by a process whose clock is ahead is not held
        # back.  (`created_at` stays the enqueuer's time.)
        shift = self._to_db_clock(at)
        rows = [
            (d.event_id, d.incident_id, d.route, d.target, d.kind, d.payload, d.event, at,
             shift(d.due or at))
            for d in deliveries
        ]  # fmt: skip

        def insert(conn: Connection) -> int:
            return sum(conn.execute(_INSERT, row).rowcount for row in rows)

        return self._write(insert)

    def _to_db_clock(self, now: str) -> Callable[[str], str]:
        """Wire times of the caller's clock (whose time is `now`) moved to the
        database's clock (`_shift`)."""
        try:
            return _shift(now, self._db.clock_now(now))
        except self._db.error as error:
            raise self._db.failure(error) from None

    def claim(
        self, kind: str, owner: str, now: str, lease_until: str, limit: int
    ) -> list[DeliveryRow]:
        shift = self._clocks[owner] = self._to_db_clock(now)
        now, lease_until = shift(now), shift(lease_until)
        # A read first: an idle sender polls without writing (a write would
        # wake every other process's watchers).
        if not self._read(_DUE, (kind, now, now, owner)):
            return []

        def take(conn: Connection) -> list[DeliveryRow]:
            found = conn.execute(
                f"SELECT {_COLUMNS} FROM deliveries WHERE {_FREE} ORDER BY next_try, id LIMIT ?"
                + self._db.skip_locked,
                (kind, now, now, owner, limit),
            ).fetchall()
            ids = [row[0] for row in found]
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                conn.execute(
                    f"UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id IN ({marks})",
                    (owner, lease_until, *chunk),
                )
            return [
                DeliveryRow(*row[:14], lease_owner=owner, lease_until=lease_until, digest=row[16])
                for row in found
            ]

        return self._write(take)

    def _update(self, ids: Sequence[int], owner: str, assignments: str, values: tuple) -> int:
        def update(conn: Connection) -> int:
            changed = 0
            for chunk in _chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                changed += conn.execute(
                    f"UPDATE deliveries SET {assignments} WHERE state = 'pending'"
                    f" AND lease_owner = ? AND id IN ({marks})",
                    (*values, owner, *chunk),
                ).rowcount
            return changed

        return self._write(update)

    def sent(self, ids: Sequence[int], owner: str, at: str, digest: int | None = None) -> int:
        return self._update(
            ids,
            owner,
            "state = 'sent', attempts = attempts + 1, sent_at = ?, digest = ?,"
            " lease_owner = NULL, lease_until = NULL",
            (at, digest),
        )

    def failed_attempt(
        self, ids: Sequence[int], owner: str, error: str, next_try: str, give_up: bool
    ) -> int:
        return self._update(
            ids,
            owner,
            "state = ?, attempts = attempts + 1, last_error = ?, next_try = ?,"
            " lease_owner = NULL, lease_until = NULL",
            ("failed" if give_up else "pending", error, self._db_time(owner, next_try)),
        )

    def release(self, ids: Sequence[int], owner: str, next_try: str) -> int:
        return self._update(
            ids,
            owner,
            "next_try = ?, lease_owner = NULL, lease_until = NULL",
            (self._db_time(owner, next_try),),
        )

    def _db_time(self, owner: str, moment: str) -> str:
        """`moment` of `owner`'s clock on the database's (as of its last claim)."""
        shift = self._clocks.get(owner)
        return shift(moment) if shift is not None else moment

    def cancel(self, ids: Sequence[int], owner: str, reason: str) -> int:
        return self._update(
            ids,
            owner,
            "state = 'cancelled', last_error = ?, lease_owner = NULL, lease_until = NULL",
            (reason,),
        )

    def sent_since(self, route: str, target: str, since: str) -> list[str]:
        rows = self._read(
            "SELECT sent_at FROM deliveries WHERE route = ? AND target = ? AND sent_at > ?"
            " AND state = 'sent' AND (digest IS NULL OR digest = id) ORDER BY sent_at",
            (route, target, since),
        )
        return [row[0] for row in rows]

    def rows(
        self, states: Sequence[str] = DELIVERY_STATES, limit: int = 1000, kind: str | None = None
    ) -> list[DeliveryRow]:
        marks = ",".join("?" * len(states))
        query = f"SELECT {_COLUMNS} FROM deliveries WHERE state IN ({marks})"
        params: list[object] = list(states)
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind)
        params.append(limit)
        return [
            DeliveryRow(*row) for row in self._read(query + " ORDER BY id DESC LIMIT ?", params)
        ]

    def for_events(self, event_ids: Sequence[str]) -> list[DeliveryRow]:
        found: list[DeliveryRow] = []
        unique = list(dict.fromkeys(event_ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT {_COLUMNS} FROM deliveries WHERE event_id IN ({marks}) ORDER BY id"
            found += [DeliveryRow(*row) for row in self._read(query, chunk)]
        return sorted(found, key=lambda row: row.id)

    def sender(self) -> tuple[str, str] | None:
        rows = self._read('SELECT owner, lease_until FROM delivery_sender WHERE "only" = 1', ())
        return (rows[0][0], rows[0][1]) if rows else None

    def sender_active(self, now: str) -> bool:
        held = self.sender()
        return held is not None and held[1] > self._to_db_clock(now)(now)

    def route_failing(self, route: str, since: str, error: str) -> bool:
        def mark(conn: Connection) -> bool:
            row = conn.execute(
                "SELECT failing_since FROM delivery_routes WHERE route = ?", (route,)
            ).fetchone()
            conn.execute(
                "INSERT INTO delivery_routes (route, failing_since, last_error) VALUES (?, ?, ?)"
                " ON CONFLICT(route) DO UPDATE SET last_error = excluded.last_error,"
                " failing_since = COALESCE(failing_since, excluded.failing_since)",
                (route, since, error),
            )
            return row is None or row[0] is None

        return self._write(mark, serial=True)  # one "failing" entry, however many senders

    def route_recovered(self, route: str) -> str | None:
        def mark(conn: Connection) -> str | None:
            row = conn.execute(
                "SELECT failing_since FROM delivery_routes WHERE route = ?", (route,)
            ).fetchone()
            if row is None or row[0] is None:
                return None
            conn.execute(
                "UPDATE delivery_routes SET failing_since = NULL, last_error = NULL"
                " WHERE route = ?",
                (route,),
            )
            return row[0]

        return self._write(mark, serial=True)

    def take_lease(self, owner: str, now: str, until: str) -> int | None:
        def take(conn: Connection) -> int | None:
            first = conn.execute(
                'INSERT INTO delivery_sender ("only", owner, lease_until, cursor)'
                " VALUES (1, ?, ?, -1) ON CONFLICT DO NOTHING",
                (owner, until),
            )
            if first.rowcount == 1:
                return -1
            holder, held_until, cursor = conn.execute(
                'SELECT owner, lease_until, cursor FROM delivery_sender WHERE "only" = 1'
                + self._db.for_update
            ).fetchone()
            if holder != owner and held_until > now:
                return None
            conn.execute(
                'UPDATE delivery_sender SET owner = ?, lease_until = ? WHERE "only" = 1',
                (owner, until),
            )
            return cursor

        shift = self._to_db_clock(now)
        now, until = shift(now), shift(until)
        return self._write(take)

    def drop_lease(self, owner: str) -> None:
        self._write(
            lambda conn: conn.execute(
                "UPDATE delivery_sender SET lease_until = '' WHERE \"only\" = 1 AND owner = ?",
                (owner,),
            )
        )

    def set_cursor(self, owner: str, gseq: int) -> bool:
        def move(conn: Connection) -> bool:
            cursor = conn.execute(
                'UPDATE delivery_sender SET cursor = ? WHERE "only" = 1 AND owner = ?',
                (gseq, owner),
            )
            return cursor.rowcount == 1

        return self._write(move)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _shift(now: str, clock_now: str) -> Callable[[str], str]:
    """Move wire times from the caller's clock to the database's (`clock_now`
    is the database's time when the caller's was `now`): every process then
    checks leases against one clock."""
    if clock_now == now:
        return lambda moment: moment
    from warroom.core.times import format_time, parse_wire_time

    offset = parse_wire_time(clock_now) - parse_wire_time(now)
    return lambda moment: format_time(parse_wire_time(moment) + offset) if moment else moment
