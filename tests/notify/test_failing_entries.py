"""A failing route is on the timeline of every incident whose message it
failed to carry: one `delivery_failing` entry each (however many retries),
one `delivery_recovered` each when it works again, and the incident's state
says which routes are failing meanwhile (what the TUI marks), so a sender
restarted in between tells none of them twice and each when it works again.  Real SQLite
file, real Apprise to a receiver on 127.0.0.1, the sender driven step by step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.notify.receiver import Receiver
from tests.notify.test_sender import routes
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare
from warroom.services.notify.sender import Sender
from warroom.store.sqlite import SQLiteStore


def entries(store: SQLiteStore, incident_id: str) -> list[str]:
    return [e.kind for e in store.events(incident_id) if e.kind.startswith("delivery_")]


def chat_sender(store: SQLiteStore, receiver: Receiver, clock: FixedClock) -> Sender:
    config = routes({"name": "chat", "on": ["declared"], "apprise": [receiver.url()]})
    sender = Sender(store, config, clock=clock, owner="s")
    assert sender.hold()
    return sender


def failing(store: SQLiteStore, receiver: Receiver, clock: FixedClock) -> tuple[Sender, list[str]]:
    """Two incidents declared while the receiver is down, their messages
    tried three times; the sender and the incidents' ids."""
    receiver.stop()
    ids = [declare(store, "dana", clock, t, severity=2).id for t in ("Checkout 502s", "Search")]
    sender = chat_sender(store, receiver, clock)
    sender.route()
    for _ in range(3):
        sender.deliver("notify")
        clock.advance(seconds=31)
    for incident_id in ids:
        assert entries(store, incident_id) == ["delivery_failing"]
        state = store.incident(incident_id)
        assert state.failing_deliveries == ["chat json://***"]
        assert state.to_public(store.catalog)["failing_deliveries"] == ["chat json://***"]
    receiver.start()
    return sender, ids


def test_each_incident_is_told_once_failing_and_once_back(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = FixedClock(datetime.now(UTC))
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        sender, ids = failing(store, receiver, clock)
        assert sender.deliver("notify") == 2
        assert len(receiver.wait_for(2)) == 2
        for incident_id in ids:
            assert entries(store, incident_id) == ["delivery_failing", "delivery_recovered"]
            assert store.incident(incident_id).failing_deliveries == []


def test_a_restarted_sender_tells_the_incident_of_the_success(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = FixedClock(datetime.now(UTC))
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        _, ids = failing(store, receiver, clock)
        receiver.stop()  # still down when the sender restarts
        restarted = chat_sender(store, receiver, clock)
        assert restarted.deliver("notify") == 2
        for incident_id in ids:  # no second "failing" entry
            assert entries(store, incident_id) == ["delivery_failing"]
        receiver.start()
        clock.advance(seconds=31)
        assert restarted.deliver("notify") == 2
        assert len(receiver.wait_for(2)) == 2
        for incident_id in ids:  # the state the earlier sender left says who to tell
            assert entries(store, incident_id) == ["delivery_failing", "delivery_recovered"]
            assert store.incident(incident_id).failing_deliveries == []
