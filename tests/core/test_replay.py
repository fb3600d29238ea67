"""Replay: the state after each event equals `fold` of the events up to it."""

from __future__ import annotations

import pytest

from tests.core.builder import Log
from warroom.core import replay as replay_module
from warroom.core.fold import fold
from warroom.core.replay import Replay


def long_log(notes: int = 300) -> Log:
    log = Log()
    log.declare("Checkout 5xx", severity=2)
    log.add("role_assigned", {"role": "lead", "person": "alice"})
    for n in range(notes):
        log.add("note", {"text": f"note {n}"})
        if n == 100:
            log.add("status_changed", {"to": "identified"})
        if n == 200:
            log.add("milestone", {"name": "mitigated"})
            log.add("severity_changed", {"severity": 3})
    log.add("status_changed", {"to": "resolved"})
    return log


def test_every_step_equals_the_fold_of_its_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replay_module, "CHECKPOINT_EVERY", 16)  # exercise the checkpoints
    log = long_log(60)
    replay = Replay(log.events, log.catalog, number=7)
    order = [*range(len(log.events)), *reversed(range(len(log.events))), 40, 3, 61, 0, 59]
    for index in order:
        state = replay.state_at(index)
        expected = fold(log.events[: index + 1], log.catalog)
        expected.number = 7
        assert state.to_snapshot() == expected.to_snapshot(), index


def test_landmarks_are_the_declaration_status_changes_and_milestones() -> None:
    log = long_log(300)
    replay = Replay(log.events, log.catalog)
    kinds = [log.events[i].kind for i in replay.landmarks]
    assert kinds[0] == "declared" and kinds[-1] == "status_changed"
    assert set(kinds) == {"declared", "status_changed", "milestone"}
    identified = replay.next_landmark(0)
    assert replay.state_at(identified).status == "identified"
    assert replay.state_at(identified - 1).status == "investigating"
    assert replay.previous_landmark(identified) == 0
    assert replay.next_landmark(replay.last) == replay.last
    assert replay.previous_landmark(0) == 0


def test_positions_are_clamped_and_labelled() -> None:
    log = long_log(3)
    replay = Replay(log.events, log.catalog)
    assert replay.position(-5).index == 0
    last = replay.position(999)
    assert last.index == replay.last and last.label.startswith(f"event {len(log.events)} of ")
