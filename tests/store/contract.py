"""The Store contract: what every backend must do, tested through the protocol only.

`StoreContract` holds the tests; tests/store/test_contract.py runs them against
each backend of the `store` fixture (tests/store/conftest.py).  Nothing here
knows which backend it talks to: only the methods of warroom.store.base.Store.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from warroom.core.clock import FixedClock
from warroom.core.errors import Conflict, NotFound, Refused
from warroom.core.events import Event, make_event, new_id
from warroom.store.base import Store

ACTOR = "alice"
WAIT = 10.0  # seconds a watcher may take to deliver an event before the test fails
QUIET = 0.3  # seconds of silence that show a watcher has nothing more to deliver


# -- building events ------------------------------------------------------


def declared_event(
    clock: FixedClock,
    title: str = "Checkout API 502s",
    severity: int = 3,
    incident_id: str | None = None,
) -> Event:
    data = {"title": title, "severity": severity}
    return make_event(incident_id or new_id(), "declared", ACTOR, data, clock.now())


def note_event(incident_id: str, clock: FixedClock, text: str = "a note") -> Event:
    return make_event(incident_id, "note", ACTOR, {"text": text}, clock.now())


def event_of(incident_id: str, clock: FixedClock, kind: str, **data: Any) -> Event:
    return make_event(incident_id, kind, ACTOR, data, clock.now())


def declare(store: Store, clock: FixedClock, **fields: Any) -> str:
    """Declare an incident; its id."""
    return store.append(declared_event(clock, **fields)).incident_id


def add_notes(store: Store, incident_id: str, clock: FixedClock, count: int) -> list[Event]:
    return [store.append(note_event(incident_id, clock, f"note {n}")) for n in range(count)]


def seqs(events: list[Event]) -> list[int | None]:
    return [item.seq for item in events]


def gseqs(events: list[Event]) -> list[int | None]:
    return [item.gseq for item in events]


def ids(events: list[Event]) -> list[str]:
    return [item.id for item in events]


# -- watching -------------------------------------------------------------


async def take(stream: AsyncIterator[Event], count: int) -> list[Event]:
    """The next `count` events of a watch; fails if one does not come in time."""
    return [await asyncio.wait_for(anext(stream), WAIT) for _ in range(count)]


async def assert_quiet(stream: AsyncIterator[Event]) -> None:
    """Nothing more arrives (this ends the stream: use it last)."""
    try:
        extra = await asyncio.wait_for(anext(stream), QUIET)
    except TimeoutError:
        return
    pytest.fail(f"watch delivered an unexpected event: seq {extra.seq}, gseq {extra.gseq}")


async def stop(stream: AsyncIterator[Event]) -> None:
    """Disconnect a watcher, as a client that goes away does."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


class StoreContract:
    """Every backend passes these tests unchanged."""

    # -- appending and reading back -------------------------------------

    def test_an_empty_store_has_nothing(self, store: Store) -> None:
        assert store.last_gseq() == 0
        assert store.incidents(include_closed=True) == []
        assert store.events_after(0) == []

    def test_append_returns_the_event_as_stored_and_reads_give_it_back(
        self, store: Store, clock: FixedClock
    ) -> None:
        sent = declared_event(clock, title="Checkout API 502s", severity=2)
        stored = store.append(sent)
        assert (stored.id, stored.incident_id, stored.kind, stored.actor) == (
            sent.id,
            sent.incident_id,
            "declared",
            ACTOR,
        )
        assert stored.occurred_at == sent.occurred_at
        assert stored.data["title"] == "Checkout API 502s" and stored.data["severity"] == 2
        assert stored.seq == 1 and stored.gseq is not None and stored.recorded_at is not None
        assert store.events(sent.incident_id) == [stored]
        assert store.events_after(0) == [stored]
        assert store.last_gseq() == stored.gseq
        incident = store.incident(sent.incident_id)
        assert (incident.title, incident.severity, incident.last_seq) == (
            "Checkout API 502s",
            2,
            1,
        )

    def test_a_kind_the_store_does_not_know_is_kept(self, store: Store, clock: FixedClock) -> None:
        incident_id = declare(store, clock)
        stored = store.append(event_of(incident_id, clock, "pager_ack", who="bob", n=3))
        assert store.events(incident_id, after_seq=1) == [stored]
        assert stored.kind == "pager_ack" and stored.data == {"who": "bob", "n": 3}

    def test_an_unknown_incident_is_not_found(self, store: Store) -> None:
        with pytest.raises(NotFound):
            store.incident(new_id())

    # -- idempotency ------------------------------------------------------

    def test_the_same_id_twice_is_one_event(self, store: Store, clock: FixedClock) -> None:
        incident_id = declare(store, clock)
        sent = note_event(incident_id, clock, "db primary failed over")
        first = store.append(sent)
        again = store.append(sent)
        assert again == first
        assert (again.seq, again.gseq) == (2, first.gseq)
        assert seqs(store.events(incident_id)) == [1, 2]
        assert store.last_gseq() == first.gseq
        assert store.incident(incident_id).last_seq == 2

    def test_a_replayed_old_event_changes_nothing_even_if_it_would_now_be_refused(
        self, store: Store, clock: FixedClock
    ) -> None:
        declared = declared_event(clock)
        incident_id = store.append(declared).incident_id
        moved = store.append(event_of(incident_id, clock, "status_changed", to="identified"))
        add_notes(store, incident_id, clock, 3)
        store.append(event_of(incident_id, clock, "status_changed", to="resolved"))
        before = store.events(incident_id)
        state = store.incident(incident_id)

        # An offline client replays what it sent an hour ago, in the original order.
        assert store.append(declared) == before[0]
        assert store.append(moved) == before[1]
        assert store.append_many([declared, moved]) == before[:2]

        assert store.events(incident_id) == before
        assert store.incident(incident_id) == state
        assert store.last_gseq() == before[-1].gseq

    def test_the_same_id_with_other_content_is_a_conflict_and_changes_nothing(
        self, store: Store, clock: FixedClock
    ) -> None:
        incident_id = declare(store, clock)
        other_incident = declare(store, clock, title="Search is slow")
        sent = note_event(incident_id, clock, "rolled back 4.2.1")
        store.append(sent)
        before_events = store.events_after(0)
        before_state = store.incident(incident_id)

        variants = [
            replace(sent, data={"text": "rolled back 4.2.0"}),
            replace(sent, kind="finding"),
            replace(sent, actor="mallory"),
            replace(sent, incident_id=other_incident),
        ]
        for variant in variants:
            with pytest.raises(Conflict):
                store.append(variant)
            with pytest.raises(Conflict):
                store.append_many([note_event(incident_id, clock, "with it"), variant])

        assert store.events_after(0) == before_events
        assert store.incident(incident_id) == before_state
        assert store.incident(other_incident).last_seq == 1

    def test_append_many_with_stored_and_repeated_ids_stores_each_once(
        self, store: Store, clock: FixedClock
    ) -> None:
        incident_id = declare(store, clock)
        old = store.append(note_event(incident_id, clock, "old"))
        new = note_event(incident_id, clock, "new")
        result = store.append_many([old, new, new])
        assert result[0] == old
        assert result[1] == result[2] and result[1].seq == 3
        assert seqs(store.events(incident_id)) == [1, 2, 3]

    # -- seq and gseq -----------------------------------------------------

    def test_seq_is_gapless_per_incident_and_gseq_follows_commit_order(
        self, store: Store, clock: FixedClock
    ) -> None:
        incidents = [declare(store, clock, title=f"incident {n}") for n in range(3)]
        appended = [store.events(incident_id)[0] for incident_id in incidents]
        for round_ in range(5):
            for incident_id in incidents:
                appended.append(store.append(note_event(incident_id, clock, f"r{round_}")))
        appended += store.append_many(
            [note_event(incidents[2], clock, "batched"), note_event(incidents[0], clock, "too")]
        )

        gseq_order = gseqs(appended)
        assert all(b > a for a, b in itertools.pairwise(gseq_order))
        assert store.events_after(0) == appended
        assert store.last_gseq() == appended[-1].gseq
        for incident_id in incidents:
            own = store.events(incident_id)
            assert seqs(own) == list(range(1, len(own) + 1))
            assert own == [item for item in appended if item.incident_id == incident_id]
            assert store.incident(incident_id).last_seq == len(own)

    def test_events_after_a_seq(self, store: Store, clock: FixedClock) -> None:
        incident_id = declare(store, clock)
        add_notes(store, incident_id, clock, 4)
        assert seqs(store.events(incident_id, after_seq=3)) == [4, 5]
        assert store.events(incident_id, after_seq=5) == []

    def test_events_after_pages_through_everything_once(
        self, store: Store, clock: FixedClock
    ) -> None:
        first, second = declare(store, clock), declare(store, clock, title="other")
        for n in range(12):
            store.append(note_event(first if n % 3 else second, clock, f"n{n}"))
        everything = store.events_after(0)
        assert len(everything) == 14

        for incident_id in (None, first):
            cursor, pages = 0, []
            while page := store.events_after(cursor, incident_id=incident_id, limit=5):
                assert len(page) <= 5 and len(pages) < 5, "paging does not move on"
                pages.append(page)
                cursor = page[-1].gseq or 0
            expected = [e for e in everything if incident_id in (None, e.incident_id)]
            assert [e for page in pages for e in page] == expected
            assert [len(page) for page in pages[:-1]] == [5] * (len(pages) - 1)

    # -- references -------------------------------------------------------

    def test_inc_numbers_follow_declare_order(self, store: Store, clock: FixedClock) -> None:
        incidents = [declare(store, clock, title=f"incident {n}") for n in range(3)]
        assert [store.incident(i).number for i in incidents] == [1, 2, 3]
        assert [store.incident(i).ref for i in incidents] == ["INC-1", "INC-2", "INC-3"]

    def test_resolve_numbers_and_id_prefixes(self, store: Store, clock: FixedClock) -> None:
        first = declare(store, clock, incident_id="5e1f0a9c-0000-4000-8000-000000000001")
        second = declare(store, clock, incident_id="20261126-0000-4000-8000-000000000002")
        third = declare(store, clock, incident_id="c0ffee00-0000-4000-8000-000000000003")
        for ref in ("INC-2", "inc-2", "2", " INC-2 ", second, second.upper()):
            assert store.resolve(ref) == second, ref
        # An id prefix of digits only is still an id prefix when no number matches.
        for ref in ("202611", "20261126", "20261126-0000"):
            assert store.resolve(ref) == second, ref
        for ref in ("5e1f0a", "5E1F0A9C", "INC-1", "1"):
            assert store.resolve(ref) == first, ref
        assert store.resolve("c0ffee") == store.resolve("3") == third

    def test_resolve_refuses_ambiguous_unknown_and_garbage_refs(
        self, store: Store, clock: FixedClock
    ) -> None:
        declare(store, clock, incident_id="abcdef01-0000-4000-8000-000000000001")
        declare(store, clock, incident_id="abcdef02-0000-4000-8000-000000000002")
        assert store.resolve("abcdef01") == "abcdef01-0000-4000-8000-000000000001"
        bad = [
            "abcdef",  # both incidents start so: ambiguous
            "INC-3",  # unknown number
            "0",
            "999999999",
            "fedcba",  # unknown prefix
            "abc",  # too short to be a prefix
            "",
            "   ",
            "INC-",
            "hello",
            "%%%%%%",
            "______",
            "abcdef%",
            "abcdef_",
            "INC-1; DROP TABLE events",
        ]
        resolved = []
        for ref in bad:
            try:
                resolved.append((ref, store.resolve(ref)))
            except NotFound as error:
                assert str(error), ref  # a reason a person can read
        assert resolved == []

    # -- refused events ---------------------------------------------------

    def test_a_refused_event_leaves_no_trace(self, store: Store, clock: FixedClock) -> None:
        incident_id = declare(store, clock)
        store.append(note_event(incident_id, clock))
        before_events = store.events_after(0)
        before_state = store.incident(incident_id)
        refused = [
            event_of(incident_id, clock, "severity_changed", severity=9),
            event_of(incident_id, clock, "status_changed", to="closed"),
            event_of(incident_id, clock, "role_assigned", role="astronaut", person="bob"),
            event_of(incident_id, clock, "note", text=""),
            event_of(incident_id, clock, "Bad-Kind"),
            declared_event(clock, incident_id=incident_id),
            note_event(new_id(), clock),  # no such incident
        ]
        for item in refused:
            with pytest.raises(Refused):
                store.append(item)
        assert store.events_after(0) == before_events
        assert store.incident(incident_id) == before_state
        assert store.last_gseq() == before_events[-1].gseq

        # The next accepted event takes the next seq, and a refused id is not
        # burnt: the same id may be stored once its content is acceptable.
        fixed = replace(refused[0], data={"severity": 1})
        stored = store.append(fixed)
        assert stored.seq == 3
        assert stored.gseq is not None and stored.gseq > (before_events[-1].gseq or 0)
        assert store.incident(incident_id).severity == 1

    def test_a_refused_declare_takes_no_inc_number(self, store: Store, clock: FixedClock) -> None:
        with pytest.raises(Refused):
            store.append(declared_event(clock, severity=0))
        with pytest.raises(Refused):
            store.append(declared_event(clock, title="   "))
        assert store.incidents(include_closed=True) == []
        incident_id = declare(store, clock)
        assert store.incident(incident_id).number == 1
        assert store.resolve("INC-1") == incident_id

    def test_append_many_is_all_or_nothing(self, store: Store, clock: FixedClock) -> None:
        incident_id = declare(store, clock)
        before = store.events_after(0)
        new_incident = declared_event(clock, title="batched incident")
        batch = [
            note_event(incident_id, clock, "one"),
            note_event(incident_id, clock, "two"),
            new_incident,
            note_event(new_incident.incident_id, clock, "three"),
            event_of(incident_id, clock, "status_changed", to="no-such-status"),
        ]
        with pytest.raises(Refused):
            store.append_many(batch)
        assert store.events_after(0) == before
        assert [i.id for i in store.incidents(include_closed=True)] == [incident_id]

        stored = store.append_many(batch[:-1])
        assert [(e.incident_id, e.seq) for e in stored] == [
            (incident_id, 2),
            (incident_id, 3),
            (new_incident.incident_id, 1),
            (new_incident.incident_id, 2),
        ]
        assert store.incident(new_incident.incident_id).number == 2
        assert store.events_after(0) == before + stored

    def test_append_many_can_declare_several_incidents(
        self, store: Store, clock: FixedClock
    ) -> None:
        declare(store, clock)
        batch = [declared_event(clock, title=f"batched {n}") for n in range(3)]
        store.append_many(batch)
        numbers = [store.incident(item.incident_id).number for item in batch]
        assert numbers == [2, 3, 4]
        assert store.resolve("INC-4") == batch[2].incident_id

    def test_append_many_validates_each_event_against_the_ones_before_it(
        self, store: Store, clock: FixedClock
    ) -> None:
        incident_id = declare(store, clock)
        resolve = event_of(incident_id, clock, "status_changed", to="resolved")
        close = event_of(incident_id, clock, "status_changed", to="closed")
        with pytest.raises(Refused):
            store.append_many([close, resolve])  # closed before resolved: refused
        assert store.incident(incident_id).status == "investigating"
        store.append_many([resolve, close])
        assert store.incident(incident_id).status == "closed"

    # -- the incident list --------------------------------------------------

    def test_incidents_most_severe_first_open_only_unless_asked(
        self, store: Store, clock: FixedClock
    ) -> None:
        sev3 = declare(store, clock, title="sev3", severity=3)
        sev1 = declare(store, clock, title="sev1", severity=1)
        resolved = declare(store, clock, title="resolved", severity=1)
        sev2 = declare(store, clock, title="sev2", severity=2)
        cancelled = declare(store, clock, title="cancelled", severity=2)
        newer_sev3 = declare(store, clock, title="newer sev3", severity=3)
        store.append(event_of(resolved, clock, "status_changed", to="resolved"))
        store.append(event_of(cancelled, clock, "status_changed", to="cancelled"))
        store.append(event_of(sev3, clock, "status_changed", to="mitigated"))

        assert [i.title for i in store.incidents()] == ["sev1", "sev2", "newer sev3", "sev3"]
        everything = store.incidents(include_closed=True)
        assert [i.severity for i in everything] == [1, 1, 2, 2, 3, 3]
        assert {i.id for i in everything} == {sev3, sev1, resolved, sev2, cancelled, newer_sev3}
        assert {i.status for i in everything if i.id in (resolved, cancelled)} == {
            "resolved",
            "cancelled",
        }

        # A change of severity moves an incident in the list.
        store.append(event_of(newer_sev3, clock, "severity_changed", severity=1))
        assert [i.title for i in store.incidents()] == ["newer sev3", "sev1", "sev2", "sev3"]

    # -- watching -----------------------------------------------------------

    async def test_watch_one_incident_delivers_each_event_once_in_order(
        self, store: Store, clock: FixedClock
    ) -> None:
        watched = declare(store, clock, title="watched")
        other = declare(store, clock, title="other")
        add_notes(store, watched, clock, 2)
        add_notes(store, other, clock, 2)

        stream = store.watch(0, incident_id=watched)
        received = await take(stream, 3)  # the backlog

        async def writer() -> None:
            for n in range(6):
                await asyncio.sleep(0.01)
                target = watched if n % 2 == 0 else other
                await asyncio.to_thread(store.append, note_event(target, clock, f"live {n}"))

        live, _ = await asyncio.gather(take(stream, 3), writer())
        received += live
        await assert_quiet(stream)

        assert received == store.events(watched)
        assert seqs(received) == [1, 2, 3, 4, 5, 6]

    async def test_watch_all_delivers_each_event_once_in_order(
        self, store: Store, clock: FixedClock
    ) -> None:
        first = declare(store, clock)
        add_notes(store, first, clock, 2)

        stream = store.watch(0)
        received = await take(stream, 3)

        async def writer() -> None:
            second = await asyncio.to_thread(declare, store, clock, title="second")
            for n in range(4):
                await asyncio.sleep(0.01)
                target = first if n % 2 else second
                await asyncio.to_thread(store.append, note_event(target, clock, f"live {n}"))
            await asyncio.to_thread(
                store.append_many,
                [note_event(first, clock, "batch a"), note_event(second, clock, "batch b")],
            )

        live, _ = await asyncio.gather(take(stream, 7), writer())
        received += live
        await assert_quiet(stream)

        assert received == store.events_after(0)
        assert len(set(ids(received))) == 10

    async def test_watch_from_the_newest_gseq_sees_only_new_events(
        self, store: Store, clock: FixedClock
    ) -> None:
        incident_id = declare(store, clock)
        add_notes(store, incident_id, clock, 3)
        stream = store.watch(store.last_gseq())
        task = asyncio.ensure_future(take(stream, 1))
        await asyncio.sleep(0.05)
        new = store.append(note_event(incident_id, clock, "after"))
        assert await task == [new]
        await assert_quiet(stream)

    async def test_watch_resumes_after_a_disconnect_without_gap_or_duplicate(
        self, store: Store, clock: FixedClock
    ) -> None:
        for incident_filter in ("all", "one"):
            start = store.last_gseq()
            incident_id = declare(store, clock, title=f"resume {incident_filter}")
            watched = incident_id if incident_filter == "one" else None
            add_notes(store, incident_id, clock, 5)

            received: list[Event] = []
            stream = store.watch(start, incident_id=watched)
            received += await take(stream, 3)  # stop half-way through the backlog
            await stop(stream)

            add_notes(store, incident_id, clock, 2)  # while disconnected
            stream = store.watch(received[-1].gseq or 0, incident_id=watched)
            received += await take(stream, 5)
            await stop(stream)

            stream = store.watch(received[-1].gseq or 0, incident_id=watched)
            task = asyncio.ensure_future(take(stream, 2))
            await asyncio.sleep(0.05)
            add_notes(store, incident_id, clock, 2)  # while connected again
            received += await task
            await assert_quiet(stream)

            assert received == store.events(incident_id)
            assert seqs(received) == list(range(1, 11))

    async def test_watch_delivers_a_long_backlog_then_live_events(
        self, store: Store, clock: FixedClock
    ) -> None:
        incident_id = declare(store, clock)
        store.append_many([note_event(incident_id, clock, f"n{n}") for n in range(1_100)])
        stream = store.watch(0)
        received = await take(stream, 1_101)
        live = store.append(note_event(incident_id, clock, "live"))
        received += await take(stream, 1)
        await assert_quiet(stream)
        assert received[-1] == live
        assert seqs(received) == list(range(1, 1_103))
