"""`validate`: every refusal, with a reason a person can act on; and what passes."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest

from tests.core.builder import T0, Log, minutes
from warroom.core.errors import Refused
from warroom.core.events import Event, make_event
from warroom.core.validate import validate

NOW = minutes(40)


@pytest.fixture
def log() -> Log:
    log = Log()
    log.declare(actor="alice", severity=2, lead="alice")
    return log


def event(log: Log, kind: str, data: Any, actor: str = "bob", **kw: Any) -> Event:
    return make_event(log.incident_id, kind, actor, data, kw.pop("at", NOW), **kw)


def check(log: Log, kind: str, data: Any, actor: str = "bob", **kw: Any) -> Event:
    """Validate one new event against the log's current state at NOW."""
    state = log.state() if log.events else None
    return validate(state, event(log, kind, data, actor, **kw), log.catalog, NOW)


def refused(log: Log, kind: str, data: Any, match: str, **kw: Any) -> str:
    state = log.state() if log.events else None
    before = state.to_snapshot() if state else None
    with pytest.raises(Refused, match=match) as caught:
        check(log, kind, data, **kw)
    after = log.state().to_snapshot() if log.events else None
    assert after == before, "validate must not change the state"
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# -- the incident's existence ----------------------------------------------


def test_the_first_event_must_be_declared() -> None:
    refused(Log(), "note", {"text": "hello"}, "starts with a declared event")


def test_an_incident_is_declared_once(log: Log) -> None:
    refused(log, "declared", {"title": "again", "severity": 2}, "is already declared")


# -- severity --------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 6, -1, 99])
def test_severity_outside_1_to_5_is_refused_at_declaration(level: int) -> None:
    message = refused(Log(), "declared", {"title": "t", "severity": level}, f"severity {level}")
    assert "1-5" in message


@pytest.mark.parametrize("level", [0, 6])
def test_severity_outside_1_to_5_is_refused_on_change(log: Log, level: int) -> None:
    refused(log, "severity_changed", {"severity": level}, r"is not defined; use 1-5")


def test_the_same_severity_is_refused(log: Log) -> None:
    refused(log, "severity_changed", {"severity": 2}, r"is already SEV2")


def test_the_same_title_is_refused(log: Log) -> None:
    refused(log, "title_changed", {"title": "  Checkout API 502s "}, "title is unchanged")


# -- status ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ([], "closed", "identified, mitigated, resolved, cancelled"),
        (["resolved"], "identified", "investigating, closed"),
        (["resolved"], "mitigated", "investigating, closed"),
        (["resolved"], "cancelled", "investigating, closed"),
        (["mitigated"], "closed", "investigating, identified, resolved, cancelled"),
    ],
)
def test_a_refused_transition_names_the_allowed_moves(
    log: Log, path: list[str], target: str, allowed: str
) -> None:
    for step in path:
        log.add("status_changed", {"to": step})
    current = log.state().status
    message = refused(log, "status_changed", {"to": target}, f"from {current} to {target}")
    assert message.endswith(f"allowed: {allowed}")


@pytest.mark.parametrize("final", ["closed", "cancelled"])
@pytest.mark.parametrize("target", ["investigating", "resolved", "closed", "cancelled"])
def test_closed_and_cancelled_are_final(log: Log, final: str, target: str) -> None:
    if final == "closed":
        log.add("status_changed", {"to": "resolved"})
    log.add("status_changed", {"to": final})
    if target == final:
        refused(log, "status_changed", {"to": target}, f"is already {final}")
    else:
        refused(log, "status_changed", {"to": target}, f"none: {final} is final")


def test_the_same_status_is_refused(log: Log) -> None:
    refused(log, "status_changed", {"to": "investigating"}, "is already investigating")


def test_an_unknown_status_is_refused_with_the_list(log: Log) -> None:
    message = refused(log, "status_changed", {"to": "fixed"}, "unknown status 'fixed'")
    assert "investigating, identified, mitigated, resolved, closed, cancelled" in message


def test_duplicate_of_goes_only_with_cancelled(log: Log) -> None:
    refused(
        log,
        "status_changed",
        {"to": "resolved", "duplicate_of": "0" * 32},
        "duplicate_of only goes with status cancelled",
    )


def test_an_incident_is_not_a_duplicate_of_itself(log: Log) -> None:
    data = {"to": "cancelled", "duplicate_of": log.incident_id}
    refused(log, "status_changed", data, "cannot be a duplicate of itself")


# -- roles and people ------------------------------------------------------


def test_an_unknown_role_is_refused_with_the_list(log: Log) -> None:
    message = refused(log, "role_assigned", {"role": "scribe", "person": "bob"}, "'scribe'")
    assert "roles: lead, responder, comms, support" in message
    refused(log, "role_released", {"role": "scribe", "person": "bob"}, "unknown role 'scribe'")


def test_assigning_a_holder_twice_is_refused(log: Log) -> None:
    refused(log, "role_assigned", {"role": "lead", "person": "alice"}, "alice already holds lead")
    log.add("role_assigned", {"role": "responder", "person": "bob"})
    refused(
        log, "role_assigned", {"role": "responder", "person": "bob"}, "bob already holds responder"
    )


def test_releasing_a_non_holder_is_refused(log: Log) -> None:
    refused(log, "role_released", {"role": "lead", "person": "bob"}, "bob does not hold lead")
    refused(log, "role_released", {"role": "comms", "person": "bob"}, "bob does not hold comms")


def test_joining_twice_is_refused(log: Log) -> None:
    log.add("participant_joined", {"person": "bob"})
    refused(log, "participant_joined", {"person": "bob"}, r"bob is already in")


def test_leaving_when_absent_is_refused(log: Log) -> None:
    refused(log, "participant_left", {"person": "zoe"}, r"zoe is not in")


# -- milestones and time ---------------------------------------------------


def test_an_unknown_milestone_is_refused_with_the_list(log: Log) -> None:
    message = refused(log, "milestone", {"name": "fixed"}, "unknown milestone 'fixed'")
    assert "started, detected, acknowledged, mitigated, resolved" in message


def test_a_milestone_in_the_future_is_refused(log: Log) -> None:
    message = refused(
        log, "milestone", {"name": "mitigated"}, "is in the future", at=NOW + timedelta(hours=1)
    )
    assert message.startswith("milestone time 2026-11-26 04:40:00Z")
    assert "back-date it" in message


def test_the_future_is_reported_in_utc_whatever_the_zone(log: Log) -> None:
    plus_five = timezone(timedelta(hours=5))
    message = refused(
        log,
        "milestone",
        {"name": "mitigated"},
        "is in the future",
        at=(NOW + timedelta(hours=1)).astimezone(plus_five),
    )
    assert "2026-11-26 04:40:00Z" in message


def test_any_event_in_the_future_is_refused(log: Log) -> None:
    message = refused(log, "note", {"text": "hi"}, "is in the future", at=NOW + timedelta(days=1))
    assert message.startswith("event time")


def test_clock_skew_of_up_to_60_seconds_is_tolerated(log: Log) -> None:
    check(log, "milestone", {"name": "mitigated"}, at=NOW + timedelta(seconds=60))
    refused(
        log,
        "milestone",
        {"name": "mitigated"},
        "in the future",
        at=NOW + timedelta(seconds=61),
    )


def test_a_back_dated_milestone_passes(log: Log) -> None:
    checked = check(log, "milestone", {"name": "detected"}, at=T0 - timedelta(hours=3))
    assert checked.occurred_at == T0 - timedelta(hours=3)


@pytest.mark.parametrize("field", ["started_at", "detected_at"])
def test_a_declaration_with_a_future_start_or_detection_is_refused(field: str) -> None:
    data = {"title": "t", "severity": 3, field: (NOW + timedelta(hours=2)).isoformat()}
    message = refused(Log(), "declared", data, "is in the future")
    assert field.removesuffix("_at") in message


def test_a_negative_base_seq_is_refused(log: Log) -> None:
    refused(log, "note", {"text": "x"}, "base_seq must not be negative", base_seq=-1)


# -- comms and runbooks ----------------------------------------------------


def test_an_unknown_audience_is_refused_with_the_list(log: Log) -> None:
    message = refused(
        log, "comms_update", {"text": "hi", "audience": "press"}, "unknown audience 'press'"
    )
    assert "internal, leadership, customers, support" in message


def test_a_runbook_without_steps_is_refused(log: Log) -> None:
    data = {"name": "empty", "content_hash": "h", "steps": []}
    refused(log, "runbook_attached", data, "runbook 'empty' has no steps")


def test_a_runbook_with_duplicate_step_ids_is_refused(log: Log) -> None:
    steps = [{"id": "a", "text": "one"}, {"id": "a", "text": "two"}]
    data = {"name": "dup", "content_hash": "h", "steps": steps}
    refused(log, "runbook_attached", data, "runbook 'dup' has duplicate step ids")


def test_a_runbook_step_needs_its_text(log: Log) -> None:
    data = {"name": "r", "content_hash": "h", "steps": [{"id": "a"}]}
    refused(log, "runbook_attached", data, r"steps\.0\.text is missing")


def test_adding_an_existing_step_is_refused(log: Log) -> None:
    log.add("step_added", {"step": {"id": "s1", "text": "one"}})
    refused(log, "step_added", {"step": {"id": "s1", "text": "again"}}, "'s1' already exists")


def test_checking_an_unknown_step_is_refused(log: Log) -> None:
    refused(log, "step_checked", {"step": "nope"}, "no runbook step 'nope'")
    refused(log, "step_unchecked", {"step": "nope"}, "no runbook step 'nope'")


def test_checking_a_checked_step_names_who_checked_it(log: Log) -> None:
    log.add("step_added", {"step": {"id": "s1", "text": "one"}})
    log.add("step_checked", {"step": "s1"}, actor="carol")
    refused(log, "step_checked", {"step": "s1"}, "'s1' is already checked by carol")


def test_unchecking_an_unchecked_step_is_refused(log: Log) -> None:
    log.add("step_added", {"step": {"id": "s1", "text": "one"}})
    refused(log, "step_unchecked", {"step": "s1"}, "'s1' is not checked")


# -- the shape of data -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "match"),
    [
        ("declared", {"title": "", "severity": 2}, "declared: title must not be empty"),
        ("declared", {"title": "   ", "severity": 2}, "declared: title must not be empty"),
        (
            "declared",
            {"title": "x" * 100_000, "severity": 2},
            r"declared: title is too long \(100000 characters; at most 300\)",
        ),
        ("declared", {"title": "t"}, "declared: severity is missing"),
        ("declared", {"severity": 2}, "declared: title is missing"),
        (
            "declared",
            {"title": "t", "severity": 2, "colour": "red"},
            "declared: colour is not a field of this kind",
        ),
        ("declared", {"title": "t", "severity": "2"}, "declared: severity: .*integer"),
        ("declared", {"title": "t", "severity": 2.0}, "declared: severity: .*integer"),
        ("declared", {"title": "t", "severity": True}, "declared: severity: .*integer"),
        ("declared", {"title": 5, "severity": 2}, "declared: title: .*string"),
        (
            "declared",
            {"title": "t", "severity": 2, "started_at": "2026-11-26T03:00"},
            "declared: started_at: .*timezone",
        ),
        ("declared", [], "data of a declared event must be a JSON object"),
        ("Note!", {"text": "x"}, r"kind 'Note!' is not a valid kind name"),
        ("NOTE", {"text": "x"}, r"kind 'NOTE' is not a valid kind name"),
        ("note-2", {"text": "x"}, r"kind 'note-2' is not a valid kind name"),
    ],
)
def test_bad_data_is_refused_before_anything_else(kind: str, data: Any, match: str) -> None:
    refused(Log(), kind, data, match)


@pytest.mark.parametrize(
    ("kind", "data", "match"),
    [
        ("note", {"text": ""}, "note: text must not be empty"),
        ("note", {}, "note: text is missing"),
        ("note", {"text": "x" * 70_000}, r"note: text is too long \(70000 characters"),
        ("note", {"text": None}, "note: text: .*string"),
        ("note", "hello", "data of a note event must be a JSON object"),
        ("title_changed", {"title": "x" * 100_000}, "title is too long"),
        ("step_checked", {"step": ""}, "step_checked: step must not be empty"),
        ("link_added", {"url": ""}, "link_added: url must not be empty"),
        ("role_assigned", {"role": "lead"}, "role_assigned: person is missing"),
        ("severity_changed", {"severity": "high"}, "severity_changed: severity: "),
    ],
)
def test_bad_data_of_other_kinds_is_refused(log: Log, kind: str, data: Any, match: str) -> None:
    refused(log, kind, data, match)


@pytest.mark.parametrize("actor", ["", "   ", "x" * 101])
def test_the_actor_must_be_a_name(log: Log, actor: str) -> None:
    refused(log, "note", {"text": "x"}, "actor must be 1 to 100 characters", actor=actor)


# -- what passes -----------------------------------------------------------


def test_a_valid_declaration_comes_back_normalised() -> None:
    log = Log()
    checked = check(
        log,
        "declared",
        {"title": "  Checkout down \n", "severity": 1, "service": " checkout ", "lead": None},
        actor="  alice\t",
    )
    assert checked.actor == "alice"
    assert checked.data == {"title": "Checkout down", "severity": 1, "service": "checkout",
                            "drill": False}  # fmt: skip
    assert checked.kind == "declared"
    assert checked.seq is None and checked.gseq is None


def test_a_valid_event_keeps_its_envelope_and_trims_its_text(log: Log) -> None:
    original = event(log, "note", {"text": "  the DB is slow  "}, actor=" bob ", base_seq=1)
    checked = validate(log.state(), original, log.catalog, NOW)
    assert checked.actor == "bob"
    assert checked.data == {"text": "the DB is slow"}
    assert (checked.id, checked.incident_id, checked.occurred_at, checked.base_seq) == (
        original.id,
        original.incident_id,
        original.occurred_at,
        1,
    )


def test_defaults_are_filled_in(log: Log) -> None:
    assert check(log, "comms_update", {"text": "hi"}).data == {
        "text": "hi",
        "audience": "internal",
    }
    assert check(log, "link_added", {"url": " https://x.example "}).data == {
        "url": "https://x.example",
        "label": "",
    }


def test_declared_times_in_any_zone_mean_the_same_instant() -> None:
    log = Log()
    log.declare(at=minutes(30), detected_at="2026-11-26T04:02:00+01:00")
    assert log.state().milestones["detected"] == minutes(2)
    assert log.state().milestones["started"] == minutes(2)


def test_an_unknown_kind_with_a_valid_name_passes_unchanged(log: Log) -> None:
    data = {"Anything": [1, {"goes": None}]}
    assert check(log, "pager_acknowledged", data).data == data


def test_validate_does_not_change_the_state(log: Log) -> None:
    state = log.state()
    before = state.to_snapshot()
    check(log, "status_changed", {"to": "mitigated"})
    check(log, "role_assigned", {"role": "lead", "person": "bob"})
    check(log, "participant_joined", {"person": "bob"})
    assert state.to_snapshot() == before


def test_every_event_of_a_full_incident_passes() -> None:
    log = Log()
    log.declare(lead="alice", service="checkout")
    for kind, data in [
        ("participant_joined", {"person": "bob"}),
        ("role_assigned", {"role": "responder", "person": "bob"}),
        ("role_assigned", {"role": "comms", "person": "carol"}),
        ("severity_changed", {"severity": 1}),
        ("summary_set", {"text": "all checkouts fail"}),
        ("link_added", {"url": "https://bridge.example", "label": "bridge"}),
        ("status_changed", {"to": "identified"}),
        ("status_changed", {"to": "mitigated"}),
        ("comms_update", {"text": "mitigated", "audience": "customers"}),
        ("status_changed", {"to": "resolved"}),
        ("role_assigned", {"role": "lead", "person": "bob"}),
        ("participant_left", {"person": "carol"}),
        ("status_changed", {"to": "closed"}),
        ("note", {"text": "review booked"}),
    ]:
        log.add(kind, data)
    state = log.state()
    assert (state.status, state.severity, state.lead) == ("closed", 1, "bob")


# -- back-dating is bounded (30 days by default) ------------------------------


def test_an_impact_start_long_before_the_declaration_is_refused() -> None:
    fresh = Log()
    declared = make_event(
        fresh.incident_id,
        "declared",
        "alice",
        {"title": "x", "severity": 2, "started_at": "1971-01-01T00:00:00Z"},
        NOW,
    )
    with pytest.raises(Refused, match=r"started time 1971-01-01 .* more than 30 days before"):
        validate(None, declared, fresh.catalog, NOW)
    within = make_event(
        fresh.incident_id,
        "declared",
        "alice",
        {"title": "x", "severity": 2, "started_at": (NOW - timedelta(days=29)).isoformat()},
        NOW,
    )
    assert validate(None, within, fresh.catalog, NOW).data["started_at"]


def test_an_event_long_before_the_impact_start_is_refused(log: Log) -> None:
    message = refused(
        log, "note", {"text": "old"}, "more than 30 days before", at=T0 - timedelta(days=31)
    )
    assert "1970" not in message and "backdate_window_days" in message
    assert check(log, "note", {"text": "ok"}, at=T0 - timedelta(days=29))


def test_moving_the_impact_start_long_before_the_declaration_is_refused(log: Log) -> None:
    refused(
        log, "milestone", {"name": "started"}, "before the declaration", at=T0 - timedelta(days=40)
    )
    assert check(log, "milestone", {"name": "started"}, at=T0 - timedelta(days=2))


def test_the_window_is_configurable() -> None:
    from warroom.core.catalog import build_catalog, load_data_documents

    wide = build_catalog(
        *load_data_documents(), overrides={"workflow": {"backdate_window_days": 400}}
    )
    log = Log(catalog=wide)
    log.declare(actor="alice", severity=2)
    assert check(log, "note", {"text": "long ago"}, at=T0 - timedelta(days=300))
    with pytest.raises(ValueError, match="backdate_window_days"):
        build_catalog(*load_data_documents(), overrides={"workflow": {"backdate_window_days": 0}})
