"""Events written while no sender runs are still told and paged once one
starts (a real SQLite file, real Apprise to a receiver on 127.0.0.1, the
sender driven step by step with an injected clock):

- a store's first sender routes the events recorded in the last hour (an
  incident declared 30 minutes before is told and paged; the store's older
  history is not sent);
- a sender that was down catches up from where the last one stopped,
  however long ago: an incident declared 3 hours before it came back is
  told and paged."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.notify.receiver import Receiver
from tests.notify.test_sender import routes
from warroom.core.clock import FixedClock
from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import OnCall
from warroom.services.incidents import declare
from warroom.services.notify.sender import Sender, catch_up_start
from warroom.services.paging import EscalationRound
from warroom.store.sqlite import SQLiteStore

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def oncall(receiver: Receiver) -> OnCall:
    text = f"""
[people.dana]
apprise = ["{receiver.url("json", "/dana")}"]
[escalation.default]
[[escalation.default.levels]]
targets = ["person:dana"]
wait_minutes = 30
"""
    return load_oncall([("oncall.toml", tomllib.loads(text))])


def sender(store: SQLiteStore, receiver: Receiver, clock: FixedClock, owner: str) -> Sender:
    config = routes({"name": "chat", "on": ["declared"], "apprise": [receiver.url()]})
    rounds = [EscalationRound(oncall(receiver), clock, every=0)]
    return Sender(store, config, clock=clock, owner=owner, rounds=rounds)


def one_pass(running: Sender) -> None:
    """What the sender's loop does once: hold the lease, route, page, deliver."""
    assert running.hold()
    running.route()
    for work in running.rounds:
        work(running)
    running.deliver("page")
    running.deliver("notify")


def told(receiver: Receiver) -> list[tuple[str, str]]:
    """(path, the message's first line) of everything received."""
    return sorted(
        (item["path"], item.get("message", "").splitlines()[0]) for item in receiver.received
    )


def test_the_first_sender_tells_and_pages_the_last_hour(tmp_path: Path, receiver: Receiver) -> None:
    clock = FixedClock(T0)
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        declare(store, "erik", clock, "Old outage", severity=2, service="api")
        clock.advance(minutes=90)
        declare(store, "erik", clock, "Checkout 502s", severity=1, service="api")
        clock.advance(minutes=30)  # nobody ran a sender all this time
        first = sender(store, receiver, clock, "first")
        one_pass(first)
        assert first.started_from == 1  # INC-1's declaration is before the last hour
        assert told(receiver) == [
            ("/dana", "INC-2 SEV1 investigating: Checkout 502s"),
            ("/hook", "INC-2 SEV1 investigating: Checkout 502s"),
        ]
        paged = [e for e in store.events(store.resolve("INC-2")) if e.kind == "page_sent"]
        assert [e.occurred_at for e in paged] == [clock.now()]  # its waits start now
        assert not [e for e in store.events(store.resolve("INC-1")) if e.kind == "page_sent"]
        one_pass(first)
        assert len(receiver.received) == 2  # nothing twice


def test_a_sender_back_after_hours_tells_and_pages_what_it_missed(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = FixedClock(T0)
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        earlier = sender(store, receiver, clock, "earlier")
        assert earlier.hold()
        earlier.queue.drop_lease("earlier")  # it stopped
        clock.advance(minutes=10)
        declare(store, "erik", clock, "Checkout 502s", severity=1, service="api")
        clock.advance(hours=3)
        later = sender(store, receiver, clock, "later")
        one_pass(later)
        assert later.started_from == 0  # where the earlier one left the log
        assert told(receiver) == [
            ("/dana", "INC-1 SEV1 investigating: Checkout 502s"),
            ("/hook", "INC-1 SEV1 investigating: Checkout 502s"),
        ]


def test_the_catch_up_start_is_the_first_event_of_the_hour(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        assert catch_up_start(store, T0) == 0  # an empty store
        for _ in range(7):
            declare(store, "erik", clock, "one a minute")
            clock.advance(minutes=1)
        assert catch_up_start(store, T0) == 0
        assert catch_up_start(store, T0 + timedelta(minutes=3, seconds=30)) == 4
        assert catch_up_start(store, T0 + timedelta(minutes=3)) == 3
        assert catch_up_start(store, T0 + timedelta(hours=1)) == store.last_gseq()
