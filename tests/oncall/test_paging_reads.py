"""The sender's escalation round reads only what changed: an incident with a
long timeline is read once, then only its events after the last one read,
and not at all while it does not move (a real SQLite file whose `events`
reads are counted), and the round still pages level 2 when its wait is up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.notify.test_sender import routes
from tests.oncall.test_paging import sample
from warroom.core.clock import FixedClock
from warroom.core.events import Event
from warroom.services.incidents import declare, write
from warroom.services.notify.sender import Sender
from warroom.services.paging import EscalationRound
from warroom.store.sqlite import SQLiteStore

DECLARED = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)


class CountedStore(SQLiteStore):
    """A store file that counts the events its `events` reads return."""

    read = 0

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        found = super().events(incident_id, after_seq)
        self.read += len(found)
        return found


def test_a_round_reads_only_the_new_events(tmp_path: Path) -> None:
    clock = FixedClock(DECLARED)
    with CountedStore(tmp_path / "warroom.db", clock=clock) as store:
        incident = declare(
            store, "erik", clock, "Checkout 502s", severity=1, service="checkout-api"
        )
        for n in range(300):
            write(store, incident.id, "note", "erik", {"text": f"alert {n}"}, clock)
        escalation = EscalationRound(sample(), clock, every=0)
        sender = Sender(store, routes(), clock=clock)

        def round_reads() -> int:
            store.read = 0
            escalation(sender)
            return store.read

        assert round_reads() >= 301  # the first round reads the whole timeline once
        assert round_reads() == 1  # then only its own page
        assert round_reads() == 0  # nothing moved: nothing read
        write(store, incident.id, "note", "erik", {"text": "one more"}, clock)
        assert round_reads() == 1
        clock.advance(minutes=5)
        assert round_reads() == 0
        assert round_reads() == 1  # level 2's page, written by the round before
        pages = [e.data["level"] for e in store.events(incident.id) if e.kind == "page_sent"]
        assert pages == [1, 2]
