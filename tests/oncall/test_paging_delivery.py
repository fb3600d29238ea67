"""Pages delivered by the real sender (Apprise to a receiver on 127.0.0.1 the
test runs): the paged person's address gets the page, with the incident and
how to acknowledge; when every delivery of level 1 fails, level 2 is paged at
once (not after the wait)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notify.receiver import Receiver
from tests.notify.test_sender import Running, routes, until
from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import OnCall
from warroom.services.incidents import declare
from warroom.services.notify import delivery_queue
from warroom.services.notify.sender import Sender
from warroom.services.paging import EscalationRound, run_escalations
from warroom.store.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "warroom.db")
    yield opened
    opened.close()


def tables(url: str) -> OnCall:
    text = f"""
[people.dana]
apprise = ["{url}"]
[people.gina]
apprise = ["{url.replace("/dana", "/gina")}"]
[escalation.default]
[[escalation.default.levels]]
targets = ["person:dana"]
wait_minutes = 30
[[escalation.default.levels]]
targets = ["person:gina"]
wait_minutes = 30
"""
    return load_oncall([("oncall.toml", tomllib.loads(text))])


def test_the_page_reaches_the_person(store: SQLiteStore, receiver: Receiver) -> None:
    oncall = tables(receiver.url("json", "/dana"))
    incident = declare(store, "erik", SYSTEM_CLOCK, "Checkout 502s", severity=1, service="api")
    (page,) = run_escalations(store, oncall, SYSTEM_CLOCK)
    with Running(Sender(store, routes(), poll=0.02)):
        (text,) = receiver.wait_for(1)
    assert receiver.received[0]["path"] == "/dana"
    assert "INC-1 SEV1 investigating: Checkout 502s" in text
    assert "PAGE for dana (level 1, person:dana): declared" in text
    assert "warroom ack INC-1" in text
    (row,) = delivery_queue(store).rows(kind="page")
    assert (row.event_id, row.state, row.route) == (page.id, "sent", "page")
    assert run_escalations(store, oncall, SYSTEM_CLOCK) == []  # nothing twice
    assert len(delivery_queue(store).rows(kind="page")) == 1
    assert incident.id == page.incident_id


def test_every_delivery_failed_pages_the_next_level_at_once(
    store: SQLiteStore, receiver: Receiver
) -> None:
    oncall = tables(receiver.url("json", "/dana"))
    receiver.stop()  # nobody answers: the sender gives up after 0.01 minute
    incident = declare(store, "erik", SYSTEM_CLOCK, "Checkout 502s", severity=1, service="api")
    run_escalations(store, oncall, SYSTEM_CLOCK)
    with Running(Sender(store, routes(give_up=0.01), poll=0.02)):
        until(lambda: [r for r in delivery_queue(store).rows(kind="page") if r.state == "failed"])
    (second,) = run_escalations(store, oncall, SYSTEM_CLOCK)
    assert (second.data["level"], second.data["person"]) == (2, "gina")
    assert second.data["cause"] == "level 1: every delivery failed"
    assert run_escalations(store, oncall, SYSTEM_CLOCK) == []
    assert second.incident_id == incident.id


def test_the_sender_runs_the_escalation_as_one_of_its_rounds(
    store: SQLiteStore, receiver: Receiver
) -> None:
    oncall = tables(receiver.url("json", "/dana"))
    rounds = [EscalationRound(oncall, SYSTEM_CLOCK, every=0.1)]
    with Running(Sender(store, routes(), poll=0.02, rounds=rounds)):
        declare(store, "erik", SYSTEM_CLOCK, "Checkout 502s", severity=1, service="api")
        (text,) = receiver.wait_for(1)  # declared -> paged -> delivered, by the sender alone
    assert "PAGE for dana (level 1, person:dana): declared" in text
