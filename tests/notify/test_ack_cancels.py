"""An acknowledgement stops the pages still queued: a level-1 page being
retried and a level-2 page waiting to go out are cancelled, not sent, once
`warroom ack` (the real command, in a subprocess) has acknowledged the
incident; `warroom notify status --all --json` shows them cancelled and why.
A resolved incident's queued pages are cancelled too.  Real SQLite file,
real Apprise to a receiver on 127.0.0.1, the sender driven step by step."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

from tests.cli.conftest import Cli
from tests.notify.receiver import Receiver, two_levels
from tests.notify.test_sender import routes
from warroom.core.clock import FixedClock
from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import OnCall
from warroom.services.incidents import declare, write
from warroom.services.notify import delivery_queue
from warroom.services.notify.sender import Sender
from warroom.services.paging import EscalationRound
from warroom.store.sqlite import SQLiteStore


def oncall(receiver: Receiver) -> OnCall:
    return load_oncall([("oncall.toml", tomllib.loads(two_levels(receiver, 5, 5)))])


def escalate(running: Sender) -> None:
    assert running.hold()
    for work in running.rounds:
        work(running)


def paging_sender(store: SQLiteStore, tables: OnCall, clock: FixedClock) -> Sender:
    """The store's sender with the escalation round of `tables`, run by hand."""
    return Sender(
        store, routes(), clock=clock, owner="s", rounds=[EscalationRound(tables, clock, every=0)]
    )


def pages(store: SQLiteStore) -> list[tuple[str, str]]:
    return sorted(
        (row.target.rsplit("/", 1)[1], row.state) for row in delivery_queue(store).rows(kind="page")
    )


def test_an_ack_cancels_the_pages_still_queued(tmp_path: Path, receiver: Receiver) -> None:
    cli = Cli.make(tmp_path)
    clock = FixedClock(datetime.now(UTC))
    tables = oncall(receiver)
    receiver.stop()  # dana's phone is unreachable
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        incident = declare(store, "erik", clock, "Checkout 502s", severity=1, service="api")
        sender = paging_sender(store, tables, clock)
        escalate(sender)
        sender.deliver("page")  # fails: retried in a second
        clock.advance(minutes=5)
        escalate(sender)  # level 2 is paged: gina's page is queued
        assert pages(store) == [("dana", "pending"), ("gina", "pending")]
        done = cli.ok("ack", incident.ref)
        assert "acknowledged" in done.stdout
        receiver.start()  # the receiver is back: anything not cancelled would arrive now
        clock.advance(seconds=30)
        assert sender.deliver("page") == 2
        assert pages(store) == [("dana", "cancelled"), ("gina", "cancelled")]
        clock.advance(minutes=10)
        escalate(sender)
        sender.deliver("page")
    assert receiver.received == []
    shown = [
        row for row in cli.json("notify", "status", "--all", "--json") if row["kind"] == "page"
    ]
    assert {row["state"] for row in shown} == {"cancelled"}
    assert {row["last_error"] for row in shown} == {
        f"not sent: {incident.ref} was acknowledged by tester"
    }
    assert cli.json("notify", "status", "--json") == []  # nothing pending, nothing failed


def test_a_resolved_incident_is_not_paged_any_more(tmp_path: Path, receiver: Receiver) -> None:
    clock = FixedClock(datetime.now(UTC))
    tables = oncall(receiver)
    receiver.stop()
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        incident = declare(store, "erik", clock, "Checkout 502s", severity=1, service="api")
        sender = paging_sender(store, tables, clock)
        escalate(sender)
        sender.deliver("page")
        write(store, incident.id, "status_changed", "erik", {"to": "resolved"}, clock)
        receiver.start()
        clock.advance(seconds=30)
        sender.deliver("page")
        assert pages(store) == [("dana", "cancelled")]
        (row,) = delivery_queue(store).rows(kind="page")
        assert row.last_error == f"not sent: {incident.ref} is resolved"
    assert receiver.received == []
