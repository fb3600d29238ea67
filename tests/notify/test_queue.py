"""The deliveries table: enqueue once per (event, route, target), claims with
a lease that expires, sent and failed marks only by the holder, the sender
lease (one active sender, a standby takes over when it expires).

Tests that let time pass by giving later times run on SQLite only
(`SQLITE_ONLY`): PostgreSQL checks leases against its own clock, not the
caller's, so there time must really pass (tests/store/test_postgres_replicas.py)."""

from __future__ import annotations

import pytest

from warroom.services.notify import Delivery, delivery_queue, enqueue
from warroom.store.sql.store import SQLStore

SQLITE_ONLY = pytest.mark.parametrize("sql_store", ["sqlite"], indirect=True)
T0 = "2026-11-26T03:40:00.000000Z"
T1 = "2026-11-26T03:40:10.000000Z"
T2 = "2026-11-26T03:40:40.000000Z"


def _delivery(n: int, kind: str = "notify", route: str = "chat") -> Delivery:
    return Delivery(f"event-{n}", "incident-1", route, "json://127.0.0.1:1/hook", kind, f"m{n}")


def test_enqueue_is_once_per_event_route_target(sql_store: SQLStore, clock) -> None:
    assert enqueue(sql_store, [_delivery(1), _delivery(2)], clock) == 2
    assert enqueue(sql_store, [_delivery(1), _delivery(1, route="other")], clock) == 1
    rows = delivery_queue(sql_store).rows()
    assert sorted((r.event_id, r.route, r.state) for r in rows) == [
        ("event-1", "chat", "pending"),
        ("event-1", "other", "pending"),
        ("event-2", "chat", "pending"),
    ]


@SQLITE_ONLY
def test_claims_are_leases_that_expire(sql_store: SQLStore, clock) -> None:
    enqueue(sql_store, [_delivery(1), _delivery(2, kind="page")], clock)
    queue = delivery_queue(sql_store)
    first = queue.claim("notify", "a", T0, T1, 10)
    assert [r.event_id for r in first] == ["event-1"]  # the page is in its own queue
    assert queue.claim("notify", "b", T0, T1, 10) == []  # held by a
    assert queue.sent([first[0].id], "b", T0) == 0  # b does not hold it
    again = queue.claim("notify", "b", T1, T2, 10)  # a's lease ran out
    assert [r.id for r in again] == [first[0].id]
    assert queue.sent([first[0].id], "a", T1) == 0  # a lost it
    assert queue.sent([first[0].id], "b", T1) == 1
    assert [r.state for r in queue.rows(("sent",))] == ["sent"]


@SQLITE_ONLY
def test_failed_attempts_retry_then_give_up(sql_store: SQLStore, clock) -> None:
    enqueue(sql_store, [_delivery(1)], clock)
    queue = delivery_queue(sql_store)
    row = queue.claim("notify", "a", T0, T1, 10)[0]
    queue.failed_attempt([row.id], "a", "connection refused", T1, give_up=False)
    assert queue.claim("notify", "a", T0, T1, 10) == []  # not due before T1
    row = queue.claim("notify", "a", T1, T2, 10)[0]
    assert (row.attempts, row.last_error) == (1, "connection refused")
    queue.failed_attempt([row.id], "a", "still refused", T2, give_up=True)
    (final,) = queue.rows(("failed",))
    assert (final.state, final.attempts, final.last_error) == ("failed", 2, "still refused")


@SQLITE_ONLY
def test_one_active_sender_and_a_standby(sql_store: SQLStore) -> None:
    queue = delivery_queue(sql_store)
    assert queue.take_lease("a", T0, T1) == -1  # new: no cursor yet
    assert queue.set_cursor("a", 7)
    assert queue.take_lease("b", T0, T1) is None  # a holds it
    assert queue.take_lease("a", T0, T2) == 7  # renewed
    assert queue.take_lease("b", T2, "2026-11-26T03:41:00.000000Z") == 7  # a's ran out
    assert not queue.set_cursor("a", 9)
    queue.drop_lease("b")
    assert queue.take_lease("a", T0, T1) == 7  # dropped: free at once


@SQLITE_ONLY
def test_deliveries_by_event_and_whether_a_sender_runs(sql_store: SQLStore, clock) -> None:
    from warroom.services.notify import sender_running

    enqueue(sql_store, [_delivery(1), _delivery(1, route="b"), _delivery(2)], clock)
    queue = delivery_queue(sql_store)
    assert [(r.event_id, r.route) for r in queue.for_events(["event-1"])] == [
        ("event-1", "chat"),
        ("event-1", "b"),
    ]
    assert not sender_running(sql_store, clock)  # none ever ran
    now = clock.now()
    later = now.replace(minute=now.minute + 1)
    queue.take_lease("a", T0, later.strftime("%Y-%m-%dT%H:%M:%S.000000Z"))
    assert sender_running(sql_store, clock)
    clock.advance(minutes=2)
    assert not sender_running(sql_store, clock)  # its lease ran out: it died
