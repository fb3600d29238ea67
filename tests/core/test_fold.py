"""`fold`: what each kind of event does to an incident's state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.core.builder import RUNBOOK, SAMPLES, T0, Log, minutes, ready_for
from warroom.core.events import make_event, new_id
from warroom.core.fold import fold
from warroom.core.incident import Incident, Link
from warroom.core.kinds import KINDS


@pytest.fixture
def log() -> Log:
    log = Log()
    log.declare()
    return log


# -- every kind ------------------------------------------------------------


def test_the_samples_cover_every_kind() -> None:
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"declared"}))
def test_every_kind_is_accepted_folded_and_counted(kind: str) -> None:
    log = ready_for(kind)
    before = log.state()
    event = log.add(kind, SAMPLES[kind], actor="carol")
    after = log.state()
    assert after.event_count == before.event_count + 1
    assert after.last_seq == event.seq
    assert after.last_gseq == event.gseq
    assert after.updated_at == event.recorded_at


# -- declared --------------------------------------------------------------


def test_declared_sets_the_incident_up() -> None:
    log = Log()
    event = log.declare(actor="alice", title="Checkout API 502s", severity=2, service="checkout")
    state = log.state()
    assert state.id == log.incident_id
    assert (state.title, state.severity, state.service) == ("Checkout API 502s", 2, "checkout")
    assert state.status == "investigating"
    assert state.drill is False
    assert state.declared_by == "alice"
    assert state.declared_at == event.occurred_at
    assert state.participants == {"alice": event.occurred_at}
    assert state.milestones == {"started": T0, "detected": T0}
    assert state.roles == {}
    assert state.lead is None
    assert (state.last_seq, state.event_count) == (1, 1)


def test_declared_with_lead_and_drill() -> None:
    log = Log()
    log.declare(actor="alice", lead="bob", drill=True)
    state = log.state()
    assert state.lead == "bob"
    assert state.roles == {"lead": ["bob"]}
    assert set(state.participants) == {"alice", "bob"}
    assert state.drill is True
    # The lead named at declaration is not someone acknowledging the page.
    assert "acknowledged" not in state.milestones


def test_declared_back_dated_start_and_detection() -> None:
    log = Log()
    log.declare(
        at=minutes(30),
        started_at=minutes(-20).isoformat(),
        detected_at=minutes(-5).isoformat(),
    )
    state = log.state()
    assert state.milestones["started"] == minutes(-20)
    assert state.milestones["detected"] == minutes(-5)
    assert state.declared_at == minutes(30)


def test_started_defaults_to_detected_not_to_declaration() -> None:
    log = Log()
    log.declare(at=minutes(30), detected_at=minutes(-5).isoformat())
    assert log.state().milestones["started"] == minutes(-5)


def test_an_explicit_start_later_than_detection_is_kept() -> None:
    log = Log()
    log.declare(
        at=minutes(30), started_at=minutes(10).isoformat(), detected_at=minutes(5).isoformat()
    )
    state = log.state()
    assert state.milestones["started"] == minutes(10)
    assert state.milestones["detected"] == minutes(5)


def test_back_dated_detection_pulls_an_implicit_start_back(log: Log) -> None:
    log.add("milestone", {"name": "detected"}, at=minutes(-15))
    state = log.state()
    assert state.milestones["detected"] == minutes(-15)
    assert state.milestones["started"] == minutes(-15)


def test_back_dated_detection_leaves_an_explicit_start_alone() -> None:
    log = Log()
    log.declare(at=minutes(30), started_at=minutes(20).isoformat())
    log.add("milestone", {"name": "detected"}, at=minutes(5))
    state = log.state()
    assert state.milestones["started"] == minutes(20)
    assert state.milestones["detected"] == minutes(5)


def test_later_detection_does_not_push_the_start_later(log: Log) -> None:
    log.add("milestone", {"name": "detected"}, at=minutes(10))
    state = log.state()
    assert state.milestones["detected"] == minutes(10)
    assert state.milestones["started"] == T0


# -- single-valued fields ----------------------------------------------------


def test_title_service_summary_and_severity_changes(log: Log) -> None:
    log.add("title_changed", {"title": "Checkout down everywhere"})
    log.add("service_changed", {"service": "payments"})
    log.add("summary_set", {"text": "Impact: all checkouts fail. Next: roll back."})
    log.add("severity_changed", {"severity": 1, "note": "all regions"})
    state = log.state()
    assert state.title == "Checkout down everywhere"
    assert state.service == "payments"
    assert state.summary == "Impact: all checkouts fail. Next: roll back."
    assert state.severity == 1
    assert state.concurrent == []


def test_service_can_be_cleared(log: Log) -> None:
    log.add("service_changed", {"service": "payments"})
    log.add("service_changed", {"service": None})
    assert log.state().service is None


def test_last_writer_wins_by_seq_not_by_clock(log: Log) -> None:
    log.add("title_changed", {"title": "Second, written first"}, at=minutes(50))
    log.add("title_changed", {"title": "Written last, clock behind"}, at=minutes(5))
    assert log.state().title == "Written last, clock behind"


def test_a_change_whose_author_missed_the_previous_one_is_concurrent(log: Log) -> None:
    first = log.add("summary_set", {"text": "DB is slow"}, actor="alice")
    second = log.add("summary_set", {"text": "LB is dropping"}, actor="bob", base_seq=1)
    state = log.state()
    assert state.summary == "LB is dropping"
    assert sorted(state.concurrent) == [first.seq, second.seq]


def test_a_change_made_after_seeing_the_previous_one_is_not_concurrent(log: Log) -> None:
    first = log.add("summary_set", {"text": "DB is slow"})
    log.add("summary_set", {"text": "LB is dropping"}, base_seq=first.seq)
    assert log.state().concurrent == []


def test_append_only_facts_never_conflict(log: Log) -> None:
    log.add("note", {"text": "one"}, base_seq=0)
    log.add("note", {"text": "two"}, base_seq=0)
    log.add("link_added", {"url": "https://a.example"}, base_seq=0)
    assert log.state().concurrent == []


# -- status ----------------------------------------------------------------


def test_status_moves(log: Log) -> None:
    for target in ("identified", "mitigated", "investigating", "resolved", "closed"):
        log.add("status_changed", {"to": target, "reason": f"now {target}"})
        assert log.state().status == target


def test_cancelled_as_a_duplicate(log: Log) -> None:
    other = new_id()
    log.add("status_changed", {"to": "cancelled", "duplicate_of": other})
    state = log.state()
    assert state.status == "cancelled"
    assert state.duplicate_of == other
    assert not state.is_open(log.catalog)


def test_cancelled_as_a_false_alarm_has_no_duplicate(log: Log) -> None:
    log.add("status_changed", {"to": "cancelled", "reason": "false alarm"})
    state = log.state()
    assert state.status == "cancelled"
    assert state.duplicate_of is None


def test_mitigated_and_resolved_set_their_milestones(log: Log) -> None:
    log.add("status_changed", {"to": "mitigated"}, at=minutes(10))
    log.add("status_changed", {"to": "resolved"}, at=minutes(20))
    milestones = log.state().milestones
    assert milestones["mitigated"] == minutes(10)
    assert milestones["resolved"] == minutes(20)


def test_a_status_does_not_overwrite_a_milestone_already_set(log: Log) -> None:
    log.add("milestone", {"name": "mitigated"}, at=minutes(4))
    log.add("status_changed", {"to": "mitigated"}, at=minutes(10))
    assert log.state().milestones["mitigated"] == minutes(4)


def test_a_failed_mitigation_clears_the_automatic_milestone(log: Log) -> None:
    log.add("status_changed", {"to": "mitigated"}, at=minutes(10))
    log.add("status_changed", {"to": "investigating", "reason": "errors are back"})
    assert "mitigated" not in log.state().milestones
    log.add("status_changed", {"to": "mitigated"}, at=minutes(30))
    assert log.state().milestones["mitigated"] == minutes(30)


def test_moving_back_keeps_an_explicit_milestone(log: Log) -> None:
    log.add("milestone", {"name": "mitigated"}, at=minutes(8))
    log.add("status_changed", {"to": "mitigated"}, at=minutes(10))
    log.add("status_changed", {"to": "identified"})
    state = log.state()
    assert state.status == "identified"
    assert state.milestones["mitigated"] == minutes(8)


def test_reopening_clears_automatic_resolved_and_mitigated(log: Log) -> None:
    log.add("status_changed", {"to": "mitigated"}, at=minutes(10))
    log.add("status_changed", {"to": "resolved"}, at=minutes(20))
    log.add("status_changed", {"to": "investigating", "reason": "it came back"})
    milestones = log.state().milestones
    assert "resolved" not in milestones
    assert "mitigated" not in milestones
    assert milestones["started"] == T0


def test_reopening_keeps_an_explicit_resolved(log: Log) -> None:
    log.add("status_changed", {"to": "resolved"}, at=minutes(20))
    log.add("milestone", {"name": "resolved"}, at=minutes(15))
    log.add("status_changed", {"to": "investigating"})
    assert log.state().milestones["resolved"] == minutes(15)


# -- roles and people ------------------------------------------------------


def test_lead_handover_keeps_one_holder(log: Log) -> None:
    log.add("role_assigned", {"role": "lead", "person": "alice"})
    log.add("role_assigned", {"role": "lead", "person": "bob"})
    state = log.state()
    assert state.roles["lead"] == ["bob"]
    assert state.lead == "bob"
    assert "bob" in state.participants


def test_releasing_the_lead_leaves_no_lead(log: Log) -> None:
    log.add("role_assigned", {"role": "lead", "person": "bob"})
    log.add("role_released", {"role": "lead", "person": "bob"})
    state = log.state()
    assert state.lead is None
    assert state.roles["lead"] == []


def test_a_multi_role_holds_many_and_releases_one(log: Log) -> None:
    log.add("role_assigned", {"role": "responder", "person": "bob"})
    log.add("role_assigned", {"role": "responder", "person": "carol"})
    assert log.state().roles["responder"] == ["bob", "carol"]
    log.add("role_released", {"role": "responder", "person": "bob"})
    assert log.state().roles["responder"] == ["carol"]


def test_single_roles_are_independent(log: Log) -> None:
    log.add("role_assigned", {"role": "lead", "person": "alice"})
    log.add("role_assigned", {"role": "comms", "person": "dana"})
    log.add("role_assigned", {"role": "support", "person": "erin"})
    roles = log.state().roles
    assert roles == {"lead": ["alice"], "comms": ["dana"], "support": ["erin"]}


def test_a_raced_handover_is_marked_concurrent(log: Log) -> None:
    first = log.add("role_assigned", {"role": "lead", "person": "bob"}, base_seq=1)
    second = log.add("role_assigned", {"role": "lead", "person": "carol"}, base_seq=1)
    state = log.state()
    assert state.lead == "carol"
    assert sorted(state.concurrent) == [first.seq, second.seq]


def test_participants_join_and_leave(log: Log) -> None:
    joined = log.add("participant_joined", {"person": "bob"}, at=minutes(3))
    log.add("participant_joined", {"person": "carol"})
    log.add("participant_left", {"person": "carol"})
    state = log.state()
    assert state.participants == {"alice": T0, "bob": joined.occurred_at}


# -- acknowledged ----------------------------------------------------------


def test_the_first_other_person_to_join_acknowledges(log: Log) -> None:
    log.add("participant_joined", {"person": "bob"}, at=minutes(4))
    log.add("participant_joined", {"person": "carol"}, at=minutes(6))
    assert log.state().milestones["acknowledged"] == minutes(4)


def test_the_first_role_assignment_of_another_person_acknowledges(log: Log) -> None:
    log.add("role_assigned", {"role": "responder", "person": "bob"}, at=minutes(7))
    assert log.state().milestones["acknowledged"] == minutes(7)


def test_the_declarer_does_not_acknowledge_their_own_incident(log: Log) -> None:
    log.add("role_assigned", {"role": "lead", "person": "alice"})
    log.add("role_assigned", {"role": "responder", "person": "alice"})
    log.add("participant_left", {"person": "alice"})
    log.add("participant_joined", {"person": "alice"})
    assert "acknowledged" not in log.state().milestones


def test_an_explicit_acknowledgement_is_not_moved_by_a_join(log: Log) -> None:
    log.add("milestone", {"name": "acknowledged"}, at=minutes(2))
    log.add("participant_joined", {"person": "bob"}, at=minutes(9))
    assert log.state().milestones["acknowledged"] == minutes(2)


# -- the timeline entries --------------------------------------------------


@pytest.mark.parametrize("kind", ["note", "finding", "action", "decision"])
def test_log_entries_are_kept_without_changing_state(log: Log, kind: str) -> None:
    before = log.state().to_snapshot()
    log.add(kind, {"text": f"a {kind}"})
    after = log.state().to_snapshot()
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"event_count", "last_seq", "last_gseq", "updated_at"}
    assert log.events[-1].data == {"text": f"a {kind}"}


def test_an_unknown_kind_is_kept_counted_and_changes_nothing(log: Log) -> None:
    before = log.state().to_snapshot()
    event = log.add("pager_acknowledged", {"anything": ["goes", 1]})
    state = log.state()
    after = state.to_snapshot()
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"event_count", "last_seq", "last_gseq", "updated_at"}
    assert state.event_count == 2
    assert state.last_seq == event.seq
    assert event.data == {"anything": ["goes", 1]}


# -- comms updates ---------------------------------------------------------


@pytest.mark.parametrize(("severity", "cadence"), [(1, 15), (2, 30), (3, 60), (4, None), (5, None)])
def test_next_update_due_follows_the_severity_cadence(severity: int, cadence: int | None) -> None:
    log = Log()
    log.declare(severity=severity)
    state = log.state()
    expected = None if cadence is None else T0 + timedelta(minutes=cadence)
    assert state.next_update_due(log.catalog) == expected
    log.add("comms_update", {"text": "investigating"}, at=minutes(12))
    state = log.state()
    assert state.last_update_at == minutes(12)
    expected = None if cadence is None else minutes(12 + cadence)
    assert state.next_update_due(log.catalog) == expected


def test_a_severity_change_changes_the_cadence(log: Log) -> None:
    log.add("comms_update", {"text": "first"}, at=minutes(10))
    assert log.state().next_update_due(log.catalog) == minutes(40)
    log.add("severity_changed", {"severity": 1})
    assert log.state().next_update_due(log.catalog) == minutes(25)


def test_an_overdue_update_is_reported(log: Log) -> None:
    log.add("comms_update", {"text": "first"}, at=minutes(10))
    state = log.state()
    assert not state.update_overdue(log.catalog, minutes(40))
    assert state.update_overdue(log.catalog, minutes(41))


def test_a_back_dated_update_does_not_move_the_last_update_back(log: Log) -> None:
    log.add("comms_update", {"text": "latest"}, at=minutes(20))
    log.add("comms_update", {"text": "forgot to log this one"}, at=minutes(5))
    assert log.state().last_update_at == minutes(20)


def test_every_audience_counts_as_an_update(log: Log) -> None:
    log.add("comms_update", {"text": "status page", "audience": "customers"}, at=minutes(9))
    assert log.state().last_update_at == minutes(9)


def test_no_update_is_due_once_resolved(log: Log) -> None:
    log.add("status_changed", {"to": "resolved"})
    assert log.state().next_update_due(log.catalog) is None


# -- milestones, links, runbooks -------------------------------------------


def test_a_back_dated_milestone_takes_its_occurred_at(log: Log) -> None:
    log.add("milestone", {"name": "acknowledged"}, at=minutes(-3) + timedelta(seconds=30))
    state = log.state()
    assert state.milestones["acknowledged"] == T0 - timedelta(minutes=2, seconds=30)
    assert "acknowledged" in state.explicit_milestones


def test_links_are_kept_in_order_with_who_and_when(log: Log) -> None:
    log.add("link_added", {"url": "https://bridge.example/123", "label": "bridge"}, actor="bob")
    log.add("link_added", {"url": "https://grafana.example/d/1"}, actor="carol", at=minutes(9))
    assert log.state().links == [
        Link(url="https://bridge.example/123", label="bridge", actor="bob", at=minutes(1)),
        Link(url="https://grafana.example/d/1", label="", actor="carol", at=minutes(9)),
    ]


def test_a_runbook_brings_its_steps(log: Log) -> None:
    log.add("runbook_attached", RUNBOOK)
    state = log.state()
    assert state.runbooks == [{"name": "checkout-502", "content_hash": "sha256:abc"}]
    assert list(state.steps) == ["s1", "s2"]
    s1, s2 = state.steps["s1"], state.steps["s2"]
    assert (s1.text, s1.section, s1.runbook, s1.checked_by) == (
        "Check the load balancer",
        "Triage",
        "checkout-502",
        None,
    )
    assert s2.command == "deploy rollback checkout"
    assert state.steps_done() == (0, 2)


def test_steps_are_added_checked_and_unchecked(log: Log) -> None:
    log.add("runbook_attached", RUNBOOK)
    log.add("step_added", {"step": {"id": "s3", "text": "Tell support"}}, actor="bob")
    log.add("step_checked", {"step": "s1"}, actor="carol", at=minutes(5))
    log.add("step_checked", {"step": "s3"}, actor="bob")
    state = log.state()
    assert state.steps["s3"].added_by == "bob"
    assert state.steps["s3"].runbook == ""
    assert (state.steps["s1"].checked_by, state.steps["s1"].checked_at) == ("carol", minutes(5))
    assert state.steps_done() == (2, 3)
    log.add("step_unchecked", {"step": "s1"}, actor="dana")
    state = log.state()
    assert (state.steps["s1"].checked_by, state.steps["s1"].checked_at) == (None, None)
    assert state.steps_done() == (1, 3)


def test_a_second_runbook_does_not_replace_existing_steps(log: Log) -> None:
    log.add("runbook_attached", RUNBOOK)
    log.add("step_checked", {"step": "s1"})
    other = {
        "name": "db-failover",
        "content_hash": "sha256:def",
        "steps": [{"id": "s1", "text": "Other s1"}, {"id": "d1", "text": "Fail over"}],
    }
    log.add("runbook_attached", other)
    state = log.state()
    assert [r["name"] for r in state.runbooks] == ["checkout-502", "db-failover"]
    assert state.steps["s1"].text == "Check the load balancer"
    assert state.steps["s1"].checked_by == "alice"
    assert state.steps["d1"].runbook == "db-failover"


# -- the fold itself -------------------------------------------------------


def test_folding_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="declared"):
        fold([])


def test_fold_is_pure_and_repeatable(log: Log) -> None:
    log.add("role_assigned", {"role": "lead", "person": "bob"})
    log.add("status_changed", {"to": "mitigated"})
    events = list(log.events)
    first = fold(events).to_snapshot()
    assert fold(events).to_snapshot() == first
    assert events == log.events


def test_the_snapshot_round_trips(log: Log) -> None:
    log.add("runbook_attached", RUNBOOK)
    log.add("step_checked", {"step": "s2"})
    log.add("link_added", {"url": "https://x.example", "label": "x"})
    log.add("summary_set", {"text": "raced"}, base_seq=0)
    log.add("summary_set", {"text": "raced again"}, base_seq=0)
    state = log.state()
    assert Incident.from_snapshot(state.to_snapshot()) == state


def test_unstored_events_fold_too() -> None:
    """Events without seq (e.g. pending in an outbox) still fold."""
    incident_id = new_id()
    events = [
        make_event(incident_id, "declared", "alice", {"title": "t", "severity": 4}, T0),
        make_event(incident_id, "note", "alice", {"text": "n"}, minutes(1)),
    ]
    state = fold(events)
    assert (state.title, state.event_count, state.last_seq) == ("t", 2, 0)
    assert state.updated_at == minutes(1)
