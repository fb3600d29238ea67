"""Two real processes ingesting the same alert group into one file at once
make exactly one incident: the group row is a constraint, not process memory."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from tests.alerts.storekit import NOW, firing, ingest, kinds
from warroom.core.clock import FixedClock
from warroom.services import alerts as service
from warroom.store.sqlite import SQLiteStore

ALERTS = 40
BATCH = 4


def sender(path: str, order: int, barrier: Any) -> None:
    """Send the group's alerts in batches (one process in reverse order), as
    two Alertmanager replicas of an HA pair both do."""
    clock = FixedClock(NOW)
    storm = [firing(f"fp{n:02}") for n in range(ALERTS)]
    if order:
        storm.reverse()
    with SQLiteStore(path, clock=clock) as store:
        barrier.wait(timeout=60)
        for start in range(0, ALERTS, BATCH):
            ingest(store, clock, *storm[start : start + BATCH])


def test_two_processes_ingesting_one_group_make_one_incident(
    db_path: Path, clock: FixedClock
) -> None:
    SQLiteStore(db_path).close()  # made once, so both open a current file
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    senders = [
        context.Process(target=sender, args=(str(db_path), order, barrier)) for order in (0, 1)
    ]
    for process in senders:
        process.start()
    for process in senders:
        process.join(timeout=120)
    assert [process.exitcode for process in senders] == [0, 0]

    with SQLiteStore(db_path, clock=clock) as store:
        assert [incident.ref for incident in store.incidents()] == ["INC-1"]
        records = store.alert_rows("all", limit=1000)
        assert len(records) == ALERTS and {r.state for r in records} == {"incident"}
        assert sum(r.repeats for r in records) == ALERTS  # each sent twice, stored once
        assert kinds(store).count("declared") == 1
        clock.advance(minutes=1)
        service.flush_summaries(store, clock.now())
        fired = kinds(store).count("alert_fired")
        [summary] = [e for e in store.events(records[0].incident_id) if e.data.get("fired")]
        assert fired == 20 and fired + summary.data["fired"] == ALERTS
