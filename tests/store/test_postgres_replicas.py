"""What only the PostgreSQL store does: several processes (replicas, or
threads each with a PostgresStore of its own, as separate processes have) on
one real database.

- claims taken at once never share a delivery (`FOR UPDATE SKIP LOCKED`);
- leases, the claims' and the sender's, are checked against PostgreSQL's
  clock, so a process whose clock is far off neither steals a lease nor
  holds one past its time;
- a watcher hears another process's appends by LISTEN/NOTIFY, and still
  sees them when notifications are lost (its safety reads).

Alert grouping by several processes at once: tests/alerts/test_processes.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.notify.receiver import until
from tests.sqlstores import emptied
from tests.tcpproxy import proxied
from warroom.core.clock import FixedClock
from warroom.core.errors import StoreUnavailable
from warroom.core.events import Event
from warroom.core.times import format_time
from warroom.services.notify import Delivery, enqueue, sender_running
from warroom.store.postgres import PostgresStore

CLAIMERS = 4
DELIVERIES = 120
FAR = timedelta(hours=2)  # how far off a wrong clock is


@pytest.fixture
def url(pg_worker_url: str) -> str:
    """A migrated, empty schema (tests/sqlstores.py)."""
    return emptied(pg_worker_url)


@pytest.fixture
def store(url: str) -> Iterator[PostgresStore]:
    with PostgresStore(url) as made:
        yield made


def wire(moment: datetime) -> str:
    return format_time(moment)


def real_now() -> datetime:
    return datetime.now(UTC)


def delivery(n: int) -> Delivery:
    return Delivery(
        f"event-{n}", "incident-1", "chat", "json://127.0.0.1:9/hook", "notify", f"m{n}"
    )


# -- deliveries ---------------------------------------------------------------


def test_claimers_at_once_never_get_the_same_delivery(url: str, store: PostgresStore) -> None:
    enqueue(store, [delivery(n) for n in range(DELIVERIES)])
    start = threading.Barrier(CLAIMERS)

    def claimer(owner: str) -> list[int]:
        """Claim and mark sent until nothing is free, as a replica's sender does."""
        taken: list[int] = []
        with PostgresStore(url) as mine:
            queue = mine.deliveries()
            start.wait(timeout=60)
            while True:
                now = real_now()
                rows = queue.claim("notify", owner, wire(now), wire(now + timedelta(minutes=5)), 7)
                if not rows:
                    return taken
                ids = [row.id for row in rows]
                assert queue.sent(ids, owner, wire(now)) == len(ids)  # still held by this owner
                taken += ids

    with ThreadPoolExecutor(CLAIMERS) as pool:
        claimed = list(pool.map(claimer, [f"replica-{n}" for n in range(CLAIMERS)]))
    every = [row_id for ids in claimed for row_id in ids]
    assert len(every) == len(set(every)) == DELIVERIES  # each claimed once, none left out
    assert {row.state for row in store.deliveries().rows(limit=1000)} == {"sent"}


def test_a_claim_lease_holds_against_processes_whose_clocks_are_far_off(
    url: str, store: PostgresStore
) -> None:
    enqueue(store, [delivery(1), delivery(2)])
    queue = store.deliveries()
    behind = real_now() - FAR
    held = queue.claim(
        "notify", "slow-clock", wire(behind), wire(behind + timedelta(minutes=5)), 10
    )
    assert len(held) == 2
    with PostgresStore(url) as other:
        others = other.deliveries()
        for owner, now in (("right-clock", real_now()), ("fast-clock", real_now() + FAR)):
            # By their clocks the slow process's lease ended long ago: still held.
            assert (
                others.claim("notify", owner, wire(now), wire(now + timedelta(minutes=5)), 10) == []
            )
        assert others.sent([row.id for row in held], "fast-clock", wire(real_now())) == 0
    assert queue.sent([row.id for row in held], "slow-clock", wire(behind)) == 2


def test_a_claim_lease_runs_out_by_the_databases_clock_whatever_the_claimers(
    url: str, store: PostgresStore
) -> None:
    enqueue(store, [delivery(1)])
    ahead = real_now() + FAR
    # A process 2 h ahead claims for one second; by its own clock that lease
    # ends 2 h from now for everyone else, but it ends in one second.
    [row] = store.deliveries().claim(
        "notify", "fast-clock", wire(ahead), wire(ahead + timedelta(seconds=1)), 10
    )
    with PostgresStore(url) as other:

        def take_over() -> list:
            now = real_now()
            return other.deliveries().claim(
                "notify", "standby", wire(now), wire(now + timedelta(minutes=5)), 10
            )

        [again] = until(take_over, timeout=60)
    assert again.id == row.id and again.lease_owner == "standby"
    assert store.deliveries().sent([row.id], "fast-clock", wire(ahead)) == 0  # it lost the claim


def test_a_delivery_enqueued_by_a_process_whose_clock_is_ahead_is_due_at_once(
    url: str, store: PostgresStore
) -> None:
    enqueue(store, [delivery(1)], at=real_now() + FAR)
    now = real_now()
    claimed = store.deliveries().claim(
        "notify", "sender", wire(now), wire(now + timedelta(minutes=1)), 10
    )
    assert [row.event_id for row in claimed] == ["event-1"]


def test_retries_set_by_a_process_whose_clock_is_off_come_when_it_meant(
    url: str, store: PostgresStore
) -> None:
    enqueue(store, [delivery(1), delivery(2)])
    queue = store.deliveries()
    behind, ahead = real_now() - FAR, real_now() + FAR
    lease = timedelta(minutes=5)
    slow = queue.claim("notify", "slow-clock", wire(behind), wire(behind + lease), 1)
    fast = queue.claim("notify", "fast-clock", wire(ahead), wire(ahead + lease), 1)
    # Each retries in its own clock's terms: in 10 minutes, and in one second.
    queue.failed_attempt([slow[0].id], "slow-clock", "refused", wire(behind + lease * 2), False)
    queue.failed_attempt(
        [fast[0].id], "fast-clock", "refused", wire(ahead + timedelta(seconds=1)), False
    )
    with PostgresStore(url) as other:

        def due(owner: str = "right-clock") -> list:
            now = real_now()
            return other.deliveries().claim("notify", owner, wire(now), wire(now + lease), 10)

        [retried] = until(due, timeout=60)  # the one-second retry (not in 2 h)
        assert retried.id == fast[0].id
        assert due("another") == []  # the 10-minute one is not due (it was not "2 h ago")


def test_the_sender_lease_is_held_by_one_of_two_contenders_at_a_time(
    url: str, store: PostgresStore
) -> None:
    rounds = 40
    start = threading.Barrier(2)

    def contender(owner: str) -> list[bool]:
        held: list[bool] = []
        with PostgresStore(url) as mine:
            queue = mine.deliveries()
            start.wait(timeout=60)
            for _ in range(rounds):
                now = real_now()
                held.append(
                    queue.take_lease(owner, wire(now), wire(now + timedelta(minutes=5))) is not None
                )
        return held

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(contender, ["replica-a", "replica-b"])
    # The lease outlasts the test: whoever took it first holds it throughout.
    assert sorted([all(first), all(second)]) == [False, True]
    assert not any(first) or not any(second)
    holder = "replica-a" if all(first) else "replica-b"
    assert store.deliveries().sender()[0] == holder


def test_the_sender_lease_is_checked_against_the_databases_clock(
    url: str, store: PostgresStore
) -> None:
    queue = store.deliveries()
    behind = real_now() - FAR
    assert queue.take_lease("slow-clock", wire(behind), wire(behind + timedelta(seconds=1))) == -1
    assert queue.set_cursor("slow-clock", 7)
    with PostgresStore(url) as other:
        others = other.deliveries()
        ahead = real_now() + FAR
        # Far ahead, the lease looks long gone: it is not (for a second, by PostgreSQL's clock)...
        assert (
            others.take_lease("fast-clock", wire(ahead), wire(ahead + timedelta(minutes=5))) is None
        )

        def take_over() -> int | None:
            now = real_now() + FAR
            return others.take_lease("fast-clock", wire(now), wire(now + timedelta(minutes=5)))

        assert until(take_over, timeout=60) == 7  # ... then it is, with the cursor
    assert not queue.set_cursor("slow-clock", 9)  # it lost the lease
    assert queue.take_lease("slow-clock", wire(real_now() - FAR), wire(real_now())) is None


def test_whether_a_sender_runs_is_told_by_the_databases_clock(store: PostgresStore) -> None:
    """`warroom show` and the room warn when no sender runs: a machine whose
    clock is off must not see a live lease as gone, nor a lapsed one as held."""
    queue = store.deliveries()
    behind, ahead = FixedClock(real_now() - FAR), FixedClock(real_now() + FAR)
    assert not sender_running(store, ahead) and not sender_running(store, behind)
    now = behind.now()  # a sender 2 h behind takes a lease for a minute (database time)
    assert queue.take_lease("slow-clock", wire(now), wire(now + timedelta(minutes=1))) == -1
    assert sender_running(store, ahead) and sender_running(store, behind)
    queue.drop_lease("slow-clock")
    assert not sender_running(store, ahead) and not sender_running(store, behind)


# -- watching -----------------------------------------------------------------

APPEND = """
import sys
from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare
from warroom.store.postgres import PostgresStore

with PostgresStore(sys.argv[1]) as store:
    for n in range(int(sys.argv[2])):
        declare(store, "other-process", SYSTEM_CLOCK, f"declared elsewhere {n}")
"""


def append_elsewhere(url: str, count: int) -> None:
    """Declare `count` incidents from another process."""
    done = subprocess.run(
        [sys.executable, "-c", APPEND, url, str(count)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


async def collect(store: PostgresStore, count: int) -> list[Event]:
    found: list[Event] = []

    async def follow() -> None:
        async for event in store.watch(0):
            found.append(event)
            if len(found) == count:
                return

    await asyncio.wait_for(follow(), timeout=90)
    return found


def test_a_watcher_hears_another_process_append_and_sees_its_events(store: PostgresStore) -> None:
    url = store.url
    store._listener.start()
    heard = store._notifier.generation
    with ThreadPoolExecutor(1) as pool:
        watching = pool.submit(asyncio.run, collect(store, 3))
        append_elsewhere(url, 3)
        until(lambda: store._notifier.generation > heard)  # NOTIFY reached this process
        events = watching.result(timeout=120)
    assert [event.actor for event in events] == ["other-process"] * 3
    gseqs = [event.gseq or 0 for event in events]
    assert gseqs == sorted(set(gseqs))


def test_a_watcher_whose_notifications_are_lost_still_sees_every_event(
    store: PostgresStore,
) -> None:
    store._listener.start()
    store._listener.stop()  # from now on no notification reaches this process
    heard = store._notifier.generation
    with ThreadPoolExecutor(1) as pool:
        watching = pool.submit(asyncio.run, collect(store, 4))
        append_elsewhere(store.url, 4)
        events = watching.result(timeout=120)
    assert [event.actor for event in events] == ["other-process"] * 4
    assert store._notifier.generation == heard  # found by its safety reads alone


def test_a_watch_whose_database_goes_away_ends_saying_so_in_one_line(url: str) -> None:
    proxy, through = proxied(url)
    try:
        with PostgresStore(through) as store:

            async def follow() -> None:
                async for _event in store.watch(0):
                    pass

            with ThreadPoolExecutor(1) as pool:
                watching = pool.submit(asyncio.run, follow())
                store._listener.start()
                proxy.stop()
                with pytest.raises(StoreUnavailable, match="unreachable") as raised:
                    watching.result(timeout=90)
        assert "\n" not in str(raised.value)
    finally:
        proxy.stop()


def test_a_read_only_database_refuses_writes_in_one_line_and_nothing_is_stored(
    url: str, store: PostgresStore
) -> None:
    """After a failover the old primary (a standby now) still answers reads:
    an append there is refused with what to do, not a traceback."""
    from warroom.core.clock import SYSTEM_CLOCK
    from warroom.services.incidents import declare

    incident = declare(store, "alice", SYSTEM_CLOCK, "before the failover")
    read_only = url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20", 1)
    with PostgresStore(read_only) as standby:
        assert standby.incident(incident.id).title == "before the failover"  # reads work
        with pytest.raises(StoreUnavailable, match="read-only") as raised:
            declare(standby, "alice", SYSTEM_CLOCK, "on the standby")
    assert "target_session_attrs=read-write" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert [i.title for i in store.incidents()] == ["before the failover"]
