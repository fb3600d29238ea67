"""Several real processes ingesting the same alert group into one store at
once (a SQLite file, a PostgreSQL database) make exactly one incident: the
group row is a constraint, not process memory."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.storekit import NOW, firing, ingest, kinds
from tests.sqlstores import ENGINES, emptied, open_sql_store
from warroom.core.clock import FixedClock
from warroom.services import alerts as service
from warroom.store.sqlite import SQLiteStore

ALERTS = 40
BATCH = 4
SENDERS = 3


def sender(engine: str, where: str, order: int, barrier: Any) -> None:
    """Send the group's alerts in batches (every other process in reverse
    order), as the replicas of an Alertmanager HA cluster all do."""
    clock = FixedClock(NOW)
    storm = [firing(f"fp{n:02}") for n in range(ALERTS)]
    if order % 2:
        storm.reverse()
    store = open_sql_store(engine, where, clock)
    try:
        barrier.wait(timeout=60)
        for start in range(0, ALERTS, BATCH):
            ingest(store, clock, *storm[start : start + BATCH])
    finally:
        store.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_processes_ingesting_one_group_at_once_make_one_incident(
    engine: str, request: pytest.FixtureRequest, db_path: Path, clock: FixedClock
) -> None:
    if engine == "sqlite":
        where = str(db_path)
        SQLiteStore(db_path).close()  # made once, so all open a current file
    else:
        where = emptied(request.getfixturevalue("pg_worker_url"))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(SENDERS)
    senders = [
        context.Process(target=sender, args=(engine, where, order, barrier))
        for order in range(SENDERS)
    ]
    for process in senders:
        process.start()
    for process in senders:
        process.join(timeout=120)
    assert [process.exitcode for process in senders] == [0] * SENDERS

    store = open_sql_store(engine, where, clock)
    try:
        assert [incident.ref for incident in store.incidents()] == ["INC-1"]
        records = store.alert_rows("all", limit=1000)
        assert len(records) == ALERTS and {r.state for r in records} == {"incident"}
        # each sent by every process, stored once
        assert sum(r.repeats for r in records) == ALERTS * (SENDERS - 1)
        assert kinds(store).count("declared") == 1
        clock.advance(minutes=1)
        service.flush_summaries(store, clock.now())
        fired = kinds(store).count("alert_fired")
        [summary] = [e for e in store.events(records[0].incident_id) if e.data.get("fired")]
        assert fired == 20 and fired + summary.data["fired"] == ALERTS
    finally:
        store.close()
