"""`Incident.to_snapshot`, written out field by field, gives exactly what the
`dataclasses.asdict` version gave (same keys, order, values, JSON text), shares
no list or dict with the incident, and `from_snapshot` reads it back."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from hypothesis import given

from tests.core.builder import SAMPLES, Log
from tests.core.test_properties import PURE_SETTINGS, Scenario, scenarios
from warroom.core.errors import Refused
from warroom.core.incident import Incident
from warroom.core.times import format_time


def asdict_snapshot(state: Incident) -> dict[str, Any]:
    """The snapshot as `to_snapshot` made it before: `asdict`, times as text."""
    return _times_to_text(asdict(state))


def _times_to_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _times_to_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_times_to_text(item) for item in value]
    return value


def check_snapshot(state: Incident) -> None:
    snapshot = state.to_snapshot()
    expected = asdict_snapshot(state)
    assert snapshot == expected
    assert json.dumps(snapshot) == json.dumps(expected)  # key order too
    assert Incident.from_snapshot(json.loads(json.dumps(snapshot))) == state
    assert Incident.from_snapshot(state.to_snapshot()) == state
    _assert_nothing_shared(snapshot, state)


def _assert_nothing_shared(snapshot: dict[str, Any], state: Incident) -> None:
    """Emptying the snapshot's containers leaves the incident as it was."""
    before = asdict_snapshot(state)
    for value in snapshot.values():
        if isinstance(value, dict):
            for item in value.values():
                if isinstance(item, list | dict):
                    item.clear()
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    item.clear()
        if isinstance(value, list | dict):
            value.clear()
    assert asdict_snapshot(state) == before


@PURE_SETTINGS
@given(scenario=scenarios(max_events=30))
def test_the_snapshot_of_any_folded_incident_is_the_asdict_one(scenario: Scenario) -> None:
    for state in scenario.states.values():
        check_snapshot(state)


def test_every_field_set_gives_the_asdict_snapshot() -> None:
    """One incident with each kind's sample folded in, so every field is set."""
    log = Log()
    log.declare(lead="alice", service="checkout")
    for kind, data in SAMPLES.items():
        if kind in ("declared", "followup_done", "followup_verified", "participant_left"):
            continue
        with contextlib.suppress(Refused):  # (e.g. joining after a role made one join)
            log.add(kind, data)
    log.add("followup_done", SAMPLES["followup_done"])
    log.add("followup_verified", SAMPLES["followup_verified"])
    log.add("step_checked", {"step": "s2"})
    log.add("summary_set", {"text": "raced"}, base_seq=1)
    state = log.state()
    for name in ("steps", "followups", "links", "runbooks", "roles", "participants"):
        assert getattr(state, name), name
    assert state.paged_at and state.acked_at and state.last_update_at
    assert any(step.checked_at for step in state.steps.values())
    check_snapshot(state)


def test_a_new_incident_gives_the_asdict_snapshot() -> None:
    check_snapshot(Incident(id="5b1f2c9e-0000-4000-8000-000000000000"))
