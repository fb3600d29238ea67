"""Escalation with an injected clock: level 2 after the wait, the levels
repeated, exhaustion, stopped by an acknowledgement, escalating at once past
an empty slot, a person without an address or failed deliveries, and the
default policy."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta

from warroom.core.clock import FixedClock
from warroom.core.kinds.paging import nobody_paged
from warroom.core.oncall.escalation import escalation
from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import OnCall, Override, Target
from warroom.resources import data_path

DECLARED = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # a Tuesday: dana's week on payments-primary


def sample(extra: str = "") -> OnCall:
    text = data_path("services.toml").read_text(encoding="utf-8") + extra
    return load_oncall([("services.toml", tomllib.loads(text))])


def minutes(n: float) -> datetime:
    return DECLARED + timedelta(minutes=n)


def test_level_two_after_the_wait_then_the_levels_repeat_then_exhaustion() -> None:
    tables = sample()
    policy = tables.escalation["payments"]
    clock = FixedClock(DECLARED)

    def now():
        return escalation(policy, tables, DECLARED, clock.now())

    first = now()
    assert [(p.round, p.level, p.due) for p in first.pages] == [(1, 1, DECLARED)]
    (dana,) = first.pages[0].recipients
    assert (dana.person, dana.target, dana.reachable) == (
        "dana",
        Target("schedule", "payments-primary"),
        True,
    )
    assert first.next_at == minutes(5) and first.exhausted_at is None
    clock.advance(minutes=4, seconds=59)
    assert len(now().pages) == 1
    clock.advance(seconds=1)
    second = now()
    assert [(p.level, p.recipients[0].person) for p in second.pages] == [(1, "dana"), (2, "gina")]
    assert second.next_at == minutes(15)
    clock.set(minutes(29))
    assert [(p.round, p.level) for p in now().pages] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert now().next_at == minutes(30) and now().exhausted_at is None
    clock.set(minutes(30))
    done = now()
    assert len(done.pages) == 4 and done.exhausted_at == minutes(30)
    assert done.next_at is None and not done.stopped


def test_an_acknowledgement_stops_it() -> None:
    tables = sample()
    policy = tables.escalation["payments"]
    result = escalation(policy, tables, DECLARED, minutes(60), stopped_at=minutes(7))
    assert [p.level for p in result.pages] == [1, 2]
    assert result.stopped and result.next_at is None and result.exhausted_at is None
    # Acknowledged at the very instant level 2 fell due: level 2 is not paged.
    at_once = escalation(policy, tables, DECLARED, minutes(60), stopped_at=minutes(5))
    assert [p.level for p in at_once.pages] == [1] and at_once.stopped


def test_an_empty_slot_and_a_person_without_an_address_escalate_at_once() -> None:
    tables = sample("""
[people.hugo]
[schedules.later]
timezone = "UTC"
[[schedules.later.layers]]
people = ["erik"]
shift = "daily"
handoff = "00:00"
start = "2027-01-01"
[escalation.holes]
[[escalation.holes.levels]]
targets = ["schedule:later"]
wait_minutes = 30
[[escalation.holes.levels]]
targets = ["person:hugo"]
wait_minutes = 30
[[escalation.holes.levels]]
targets = ["person:erik"]
wait_minutes = 30
""")
    result = escalation(tables.escalation["holes"], tables, DECLARED, DECLARED)
    assert [(p.level, p.due) for p in result.pages] == [(1, DECLARED), (2, DECLARED), (3, DECLARED)]
    empty, hugo, erik = (p.recipients[0] for p in result.pages)
    assert (empty.person, empty.reachable) == (None, False)
    assert (hugo.person, hugo.reachable) == ("hugo", False)
    assert (erik.person, erik.reachable) == ("erik", True)
    assert result.next_at == minutes(30)  # erik's wait, then exhaustion


def test_a_level_whose_deliveries_all_failed_escalates_when_the_sender_says_so() -> None:
    tables = sample()
    policy = tables.escalation["payments"]
    result = escalation(policy, tables, DECLARED, minutes(3), failed={0: minutes(2)})
    assert [(p.level, p.due) for p in result.pages] == [(1, DECLARED), (2, minutes(2))]
    assert result.next_at == minutes(12)


def test_the_person_paged_is_the_one_on_call_when_the_page_falls_due() -> None:
    tables = sample()
    policy = tables.escalation["payments"]
    # An override in the store from the 5th minute: the second round pages frank.
    frank = Override("frank", minutes(5), minutes(120), "ov1", "store")
    result = escalation(
        policy, tables, DECLARED, minutes(16), overrides={"payments-primary": [frank]}
    )
    assert [p.recipients[0].person for p in result.pages] == ["dana", "gina", "frank"]


def test_fractional_waits_and_the_default_policy() -> None:
    tables = sample("""
[escalation.quick]
[[escalation.quick.levels]]
targets = ["person:gina"]
wait_minutes = 0.5
""")
    quick = escalation(tables.escalation["quick"], tables, DECLARED, minutes(0.5))
    assert quick.exhausted_at == minutes(0.5)
    default = tables.policy_for("no-such-service")
    assert default is not None and default.name == "default"
    result = escalation(default, tables, DECLARED, DECLARED)
    assert result.pages[0].recipients[0].target == Target("schedule", "platform")


def test_without_any_policy_nobody_is_paged_and_the_timeline_says_why() -> None:
    tables = load_oncall([])
    assert tables.policy_for("checkout-api") is None
    assert nobody_paged("checkout-api") == "nobody paged: no escalation policy for checkout-api"


def test_page_ids_come_from_their_cause() -> None:
    from warroom.core.events import normalise_uuid
    from warroom.core.oncall.escalation import exhausted_event_id, page_event_id

    tables = sample()
    policy = tables.escalation["payments"]
    incident = "0b7c6f3e-8d1a-4c55-9f00-5a1e2b3c4d5e"
    one = escalation(policy, tables, DECLARED, minutes(30))
    again = escalation(policy, tables, DECLARED, minutes(45))  # a second sender, later
    ids = [page_event_id(incident, p, r) for p in one.pages for r in p.recipients]
    assert ids == [page_event_id(incident, p, r) for p in again.pages for r in p.recipients]
    assert len(set(ids)) == 4 and all(normalise_uuid(i) == i for i in ids)
    assert page_event_id("another", one.pages[0], one.pages[0].recipients[0]) not in ids
    assert exhausted_event_id(incident, policy) == exhausted_event_id(incident, policy)
    assert exhausted_event_id(incident, policy) not in ids
