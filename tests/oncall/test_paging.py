"""Paging on a real SQLite store with an injected clock: the runner pages
level 1 on declaration, level 2 after the wait, is stopped by `ack` and not by
a join, uses `[escalation.default]`, says "nobody paged" without a policy,
runs out (exhaustion), stops on resolution, and two runners on one store write
each page once; an incident an alert declares is paged like any other."""

from __future__ import annotations

import json
import threading
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.core.alerts.rules import AlertSettings, load_rules
from warroom.core.clock import FixedClock
from warroom.core.describe import describe
from warroom.core.errors import Refused
from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import OnCall
from warroom.core.times import format_time
from warroom.resources import data_path
from warroom.services.alerts import LocalInbox
from warroom.services.incidents import declare, write
from warroom.services.paging import acknowledge, run_escalations
from warroom.store.sqlite import SQLiteStore

DECLARED = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # a Tuesday: dana's week on payments-primary


def sample(extra: str = "") -> OnCall:
    text = data_path("services.toml").read_text(encoding="utf-8") + extra
    return load_oncall([("services.toml", tomllib.loads(text))])


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DECLARED)


@pytest.fixture
def store(db_path: Path, clock: FixedClock):
    with SQLiteStore(db_path, clock=clock) as opened:
        yield opened


def timeline(store: SQLiteStore, incident_id: str) -> list[str]:
    return [
        describe(event)
        for event in store.events(incident_id)
        if event.kind in {"page_sent", "page_acknowledged", "escalation_exhausted", "nobody_paged"}
    ]


def test_level_one_at_once_level_two_after_the_wait(store: SQLiteStore, clock: FixedClock) -> None:
    tables = sample()
    incident = declare(store, "erik", clock, "Checkout 502s", severity=1, service="checkout-api")
    run_escalations(store, tables, clock)
    assert timeline(store, incident.id) == [
        "paged dana (level 1, schedule:payments-primary): declared"
    ]
    state = store.incident(incident.id)
    assert state.unacknowledged and state.paged_at == DECLARED
    clock.advance(minutes=4, seconds=59)
    assert run_escalations(store, tables, clock) == []
    clock.advance(seconds=1)
    run_escalations(store, tables, clock)
    assert timeline(store, incident.id)[1:] == [
        "paged gina (level 2, person:gina): level 1 not acknowledged in 5 min"
    ]
    assert run_escalations(store, tables, clock) == []  # idempotent


def test_a_join_does_not_stop_it_an_ack_does(store: SQLiteStore, clock: FixedClock) -> None:
    tables = sample()
    incident = declare(store, "erik", clock, "Checkout 502s", service="checkout-api")
    run_escalations(store, tables, clock)
    clock.advance(minutes=1)
    write(store, incident.id, "participant_joined", "dana", {"person": "dana"}, clock)
    state = store.incident(incident.id)
    assert "acknowledged" not in state.milestones and state.unacknowledged
    clock.advance(minutes=4)
    run_escalations(store, tables, clock)
    assert len(timeline(store, incident.id)) == 2  # level 2 paged all the same
    clock.advance(minutes=1)
    state, _ = acknowledge(store, incident.ref, "gina", clock)
    assert state.acked_by == "gina" and not state.unacknowledged
    assert state.milestones["acknowledged"] == clock.now()
    with pytest.raises(Refused, match="already acknowledged by gina"):
        acknowledge(store, incident.ref, "dana", clock)
    clock.advance(hours=2)
    assert run_escalations(store, tables, clock) == []
    assert timeline(store, incident.id)[-1] == "gina acknowledged the page (via cli)"
    assert store.incident(incident.id).exhausted_at is None


def test_without_a_policy_a_join_still_acknowledges(store: SQLiteStore, clock: FixedClock) -> None:
    tables = sample().__class__(people=sample().people)  # no policies at all
    incident = declare(store, "erik", clock, "Search slow", service="search")
    run_escalations(store, tables, clock)
    run_escalations(store, tables, clock)
    assert timeline(store, incident.id) == ["nobody paged: no escalation policy for search"]
    write(store, incident.id, "participant_joined", "dana", {"person": "dana"}, clock)
    assert "acknowledged" in store.incident(incident.id).milestones  # the existing rule


def test_the_default_policy_pages_a_service_without_one(
    store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(store, "erik", clock, "Search slow", service="search")
    run_escalations(store, sample(), clock)
    (line,) = timeline(store, incident.id)
    assert line.startswith("paged ") and "schedule:platform" in line


def test_exhaustion_then_nothing_more(store: SQLiteStore, clock: FixedClock) -> None:
    tables = sample()
    incident = declare(store, "erik", clock, "Checkout 502s", service="checkout-api", lead="erik")
    for _ in range(31):  # a runner every minute for 30 minutes
        run_escalations(store, tables, clock)
        clock.advance(minutes=1)
    lines = timeline(store, incident.id)
    assert len(lines) == 5
    assert lines[2] == (
        "paged dana (level 1, round 2, schedule:payments-primary): "
        "level 2 not acknowledged in 10 min"
    )
    assert lines[-1] == "escalation exhausted: 4 pages of payments, nobody acknowledged"
    assert store.incident(incident.id).exhausted_at is not None
    # the lead (erik) is told, at his address, in the page queue
    told = [r for r in store.deliveries().rows(kind="page") if "EXHAUSTED" in r.payload]
    assert [r.target for r in told] == ["ntfy://ntfy.example.com/erik-pager"]
    clock.advance(hours=1)
    assert run_escalations(store, tables, clock) == []


def test_resolution_stops_it(store: SQLiteStore, clock: FixedClock) -> None:
    tables = sample()
    incident = declare(store, "erik", clock, "Checkout 502s", service="checkout-api")
    run_escalations(store, tables, clock)
    write(store, incident.id, "status_changed", "erik", {"to": "resolved"}, clock)
    clock.advance(minutes=30)
    assert run_escalations(store, tables, clock) == []
    assert len(timeline(store, incident.id)) == 1


def test_an_unreachable_level_escalates_at_once(store: SQLiteStore, clock: FixedClock) -> None:
    tables = sample("""
[people.hugo]
[escalation.lonely]
[[escalation.lonely.levels]]
targets = ["person:hugo"]
wait_minutes = 30
[[escalation.lonely.levels]]
targets = ["person:gina"]
wait_minutes = 30
[services.ledger]
escalation = "lonely"
""")
    incident = declare(store, "erik", clock, "Ledger stuck", service="ledger")
    run_escalations(store, tables, clock)
    assert timeline(store, incident.id) == [
        "cannot page hugo: no address (level 1, person:hugo): declared",
        "paged gina (level 2, person:gina): level 1 could not be reached",
    ]


def test_a_drill_pages_only_when_it_says_so(store: SQLiteStore, clock: FixedClock) -> None:
    tables = sample()
    quiet = declare(store, "drill", clock, "Drill", service="checkout-api", drill=True)
    loud = declare(store, "drill", clock, "Drill", service="checkout-api", drill=True, page=True)
    run_escalations(store, tables, clock)
    assert timeline(store, quiet.id) == []
    assert len(timeline(store, loud.id)) == 1


def test_an_old_incident_is_not_paged_by_a_new_sender(
    store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(store, "erik", clock, "Checkout 502s", service="checkout-api")
    clock.advance(hours=3)
    assert run_escalations(store, sample(), clock) == []
    assert timeline(store, incident.id) == []


def test_two_runners_on_one_store_write_each_page_once(db_path: Path, clock: FixedClock) -> None:
    tables = sample()
    with SQLiteStore(db_path, clock=clock) as first:
        incident = declare(first, "erik", clock, "Checkout 502s", service="checkout-api")
    stores = [SQLiteStore(db_path, clock=clock) for _ in range(2)]
    try:
        for minute in range(32):
            clock.set(DECLARED.replace(minute=minute % 60, hour=15 + minute // 60))
            barrier = threading.Barrier(2)

            def run(store: SQLiteStore, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                run_escalations(store, tables, clock)

            threads = [threading.Thread(target=run, args=(s,)) for s in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        events = stores[0].events(incident.id)
        pages = [e for e in events if e.kind == "page_sent"]
        assert [e.data["step"] for e in pages] == [0, 1, 2, 3]
        assert [e.kind for e in events].count("escalation_exhausted") == 1
    finally:
        for store in stores:
            store.close()


def test_a_page_tried_and_undelivered_for_two_minutes_pages_the_next_level(
    store: SQLiteStore, clock: FixedClock
) -> None:
    tables = sample()
    incident = declare(store, "erik", clock, "Checkout 502s", service="checkout-api")
    run_escalations(store, tables, clock)
    queue = store.deliveries()
    now, until = format_time(clock.now()), format_time(clock.now() + timedelta(minutes=1))
    rows = queue.claim("page", "sender-1", now, until, 10)
    assert len(rows) == 2  # dana's two addresses
    queue.failed_attempt([r.id for r in rows], "sender-1", "down", now, give_up=False)
    clock.advance(minutes=1, seconds=59)
    assert run_escalations(store, tables, clock) == []
    clock.advance(seconds=1)
    (second,) = run_escalations(store, tables, clock)
    assert (second.data["level"], second.data["cause"]) == (2, "level 1: every delivery failed")
    assert second.occurred_at == clock.now()
    clock.advance(minutes=1)
    assert run_escalations(store, tables, clock) == []  # the time it fell due never moves
    assert len(timeline(store, incident.id)) == 2


def test_an_incident_an_alert_declares_is_paged(store: SQLiteStore, clock: FixedClock) -> None:
    raw = Path(__file__).parents[1] / "alerts" / "payloads" / "alertmanager_firing.json"
    inbox = LocalInbox(store, load_rules(), AlertSettings(), clock)
    (ref,) = inbox.ingest("alertmanager", json.loads(raw.read_text())).incidents
    incident = store.incident(store.resolve(ref))
    (page,) = run_escalations(store, sample(), clock)
    assert page.incident_id == incident.id and page.data["level"] == 1
    assert store.incident(incident.id).unacknowledged


def test_the_sender_runs_the_round_for_people_without_any_policy(tmp_path: Path) -> None:
    """Paging set up (people) but no policy at all: the sender still runs the
    round, so the timeline says nobody was paged; no on-call tables at all:
    no round, and nothing said on any incident."""
    from warroom.config import load_settings
    from warroom.services.paging import escalation_rounds

    config = tmp_path / "config.toml"
    env = {"WARROOM_CONFIG": str(config), "WARROOM_SITE_CONFIG": str(tmp_path / "none.toml")}
    config.write_text("")
    with SQLiteStore(tmp_path / "a.db") as store:
        assert escalation_rounds(load_settings(env=env), FixedClock(DECLARED), store) == []
        config.write_text('[people.dana]\napprise = ["json://localhost:1/dana"]\n')
        (round_,) = escalation_rounds(load_settings(env=env), FixedClock(DECLARED), store)
        assert round_.oncall.people and not round_.oncall.escalation
