"""The server's alert desk on a real SQLite file, with the server's own writer
thread and hub: requests committed together, one failing alone, the sweeper's
summaries and purge, inbox notices for changes made by another process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from warroom.core.alerts.sources import parse
from warroom.core.clock import FixedClock
from warroom.server.alerts import LANE, AlertConfig, AlertDesk
from warroom.server.hub import Hub
from warroom.server.writer import GroupWriter
from warroom.services import alerts as service
from warroom.store.sqlite import SQLiteStore

PAYLOADS = Path(__file__).parents[1] / "alerts" / "payloads"


@dataclass
class Desk:
    desk: AlertDesk
    store: SQLiteStore
    writer: GroupWriter
    hub: Hub
    clock: FixedClock


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    clock = FixedClock(datetime.now(UTC).replace(second=5, microsecond=0))
    store = SQLiteStore(tmp_path / "warroom.db", clock=clock)
    writer = GroupWriter(store)
    hub = Hub(store)
    await hub.start()
    alerts = AlertDesk(store, writer, hub, AlertConfig.default(), clock)
    try:
        yield Desk(alerts, store, writer, hub, clock)
    finally:
        await alerts.close()
        await hub.close()
        await asyncio.to_thread(writer.close)
        store.close()


def generic(title: str, severity: str = "warning", status: str = "firing", **more: Any) -> Any:
    return parse("generic", {"title": title, "status": status, "severity": severity, **more})


async def test_concurrent_requests_are_committed_together(desk: Desk) -> None:
    before = desk.writer.groups
    answers = await asyncio.gather(
        *(desk.desk.ingest(generic(f"disk full on node-{n}")) for n in range(40))
    )
    assert all(answer.accepted == 1 for answer in answers)
    assert len(desk.store.alert_rows("all", limit=1000)) == 40
    assert desk.writer.groups - before < 40  # some requests shared a transaction


async def test_a_failing_request_fails_alone(desk: Desk) -> None:
    config = desk.desk.config
    doomed = service.ingest_request(generic("never stored"), config.rules, config.settings)

    def failing(tx: Any) -> Any:
        doomed(tx)  # writes its alert row, then fails: rolled back to its savepoint
        raise RuntimeError("this request fails")

    results = await asyncio.gather(
        desk.desk.ingest(generic("stored before")),
        desk.writer.submit(LANE, failing),
        desk.desk.ingest(generic("stored after")),
        return_exceptions=True,
    )
    assert isinstance(results[1], RuntimeError)
    summaries = {record.summary for record in desk.store.alert_rows("all")}
    assert summaries == {"stored before", "stored after"}


async def test_the_sweeper_sums_up_a_storm_once_its_minute_is_over(desk: Desk) -> None:
    body = json.loads((PAYLOADS / "alertmanager_firing.json").read_text(encoding="utf-8"))
    template, body["alerts"] = body["alerts"][0], []
    for n in range(30):  # one Alertmanager group, thirty alerts
        alert = json.loads(json.dumps(template))
        alert["fingerprint"] = f"storm{n:04}"
        alert["labels"]["instance"] = f"node-{n}"
        body["alerts"].append(alert)
    answer = await desk.desk.ingest(parse("alertmanager", body))
    (ref,) = answer.incidents
    desk.clock.advance(minutes=1)
    desk.desk.start(sweep=0.05)
    for _ in range(200):
        if desk.desk.flushed:
            break
        await asyncio.sleep(0.05)
    assert desk.desk.flushed >= 1
    events = desk.store.events(desk.store.resolve(ref))
    shown = sum(1 for event in events if event.kind == "alert_fired")
    hidden = sum(event.data["fired"] for event in events if event.kind == "alerts_summarized")
    assert shown + hidden == 30 and hidden > 0


async def test_purge_drops_alerts_past_their_retention(desk: Desk) -> None:
    await desk.desk.ingest(generic("cron late", fingerprint="cron-1"))
    await desk.desk.ingest(generic("cron late", status="resolved", fingerprint="cron-1"))
    await desk.desk.ingest(generic("still firing", fingerprint="cron-2"))
    assert await desk.desk.purge() == 0
    desk.clock.advance(days=31)
    assert await desk.desk.purge() == 1
    assert [record.key for record in desk.store.alert_rows("all")] == ["cron-2"]


async def test_a_change_by_another_process_is_noticed_by_the_sweeper(
    desk: Desk, tmp_path: Path
) -> None:
    subscription = desk.hub.subscribe(None)
    desk.desk.notices.interval = 0.01
    desk.desk.start(sweep=0.05)
    await asyncio.sleep(0.2)  # the sweeper has seen the inbox once
    with SQLiteStore(tmp_path / "warroom.db") as other:  # `warroom alert ingest` elsewhere
        inbox = service.LocalInbox(other, AlertConfig.default().rules)
        inbox.ingest("generic", {"title": "from a cron job", "status": "firing"})
    told: list[dict[str, Any]] = []
    for _ in range(100):
        while (notice := subscription.take_notice()) is not None:
            name, data = notice.decode().strip().split("\n")
            assert name == "event: inbox"
            told.append(json.loads(data.removeprefix("data: ")))
        if any(body["count"] == 1 for body in told):
            break
        await asyncio.sleep(0.05)
    assert told and told[-1] == {
        "count": 1,
        "critical": [],
        "alerts": [],
        "causes": ["elsewhere"],
    }


async def test_an_idle_sweeper_writes_nothing(desk: Desk) -> None:
    await desk.desk.ingest(generic("one alert, then quiet"))
    desk.clock.advance(minutes=1)
    desk.desk.start(sweep=0.05)
    await asyncio.sleep(0.4)  # rounds that may flush what arrived
    version, gseq = desk.store.alerts_version(), desk.store.last_gseq()
    await asyncio.sleep(0.4)
    assert (desk.store.alerts_version(), desk.store.last_gseq()) == (version, gseq)
