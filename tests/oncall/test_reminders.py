"""The update rhythm with an injected clock: the comms lead (else the lead)
is reminded once per overdue interval, and an update starts the count again."""

from __future__ import annotations

from tests.core.builder import Log, minutes
from warroom.core.clock import FixedClock
from warroom.core.reminders import update_reminder


def test_reminded_once_per_overdue_interval_then_an_update_resets_it() -> None:
    log = Log()
    log.declare(severity=2, lead="alice", at=minutes(0))  # SEV2: an update every 30 minutes
    clock = FixedClock(minutes(29))

    def now():
        return update_reminder(log.state(), log.catalog, clock.now())

    assert now() is None
    clock.set(minutes(30))
    first = now()
    assert first is not None
    assert (first.person, first.role, first.interval, first.due_at) == (
        "alice",
        "lead",
        1,
        minutes(30),
    )
    clock.set(minutes(59))
    assert now() == first  # the same interval: the same reminder, the same key
    log.add("role_assigned", {"role": "comms", "person": "bob"}, at=minutes(40))
    clock.set(minutes(60))
    second = now()
    assert second is not None
    assert (second.person, second.role, second.interval) == ("bob", "comms", 2)
    assert second.key != first.key
    log.add("comms_update", {"text": "still on it", "audience": "customers"}, at=minutes(70))
    clock.set(minutes(99))
    assert now() is None
    clock.set(minutes(100))
    again = now()
    assert again is not None and again.interval == 1 and again.key not in (first.key, second.key)


def test_no_reminder_without_a_cadence_or_once_resolved() -> None:
    quiet = Log()
    quiet.declare(severity=4, lead="alice", at=minutes(0))  # SEV4: no cadence
    assert update_reminder(quiet.state(), quiet.catalog, minutes(600)) is None
    done = Log()
    done.declare(severity=1, at=minutes(0))
    done.add("status_changed", {"to": "resolved"}, at=minutes(5))
    assert update_reminder(done.state(), done.catalog, minutes(60)) is None


def test_a_new_severity_brings_its_cadence_and_new_keys() -> None:
    log = Log()
    log.declare(severity=2, lead="alice", at=minutes(0))
    before = update_reminder(log.state(), log.catalog, minutes(31))
    log.add("severity_changed", {"severity": 1}, at=minutes(32))  # SEV1: every 15 minutes
    after = update_reminder(log.state(), log.catalog, minutes(32))
    assert before is not None and after is not None
    assert after.interval == 2 and after.due_at == minutes(30) and after.key != before.key
