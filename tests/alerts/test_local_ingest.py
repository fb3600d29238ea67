"""The documented payloads through `LocalInbox.ingest` (parse, the shipped
rules, the store): what `warroom alert ingest` does on a shared file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.storekit import kinds
from warroom.core.alerts.rules import AlertSettings, load_rules
from warroom.core.clock import FixedClock
from warroom.services.alerts import LocalInbox
from warroom.store.sql.store import SQLStore

PAYLOADS = Path(__file__).with_name("payloads")


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


@pytest.fixture
def inbox(sql_store: SQLStore, clock: FixedClock) -> LocalInbox:
    return LocalInbox(sql_store, load_rules(), AlertSettings(), clock)


@pytest.mark.parametrize(
    ("source", "fires", "resolves"),
    [
        ("alertmanager", "alertmanager_firing", "alertmanager_resolved"),
        ("pagerduty", "pagerduty_trigger", "pagerduty_resolve"),
        ("generic", "generic_firing", "generic_resolved"),
    ],
)
def test_a_critical_payload_declares_and_its_resolution_resolves(
    source: str, fires: str, resolves: str, inbox: LocalInbox, sql_store: SQLStore
) -> None:
    first = inbox.ingest(source, payload(fires))
    assert first.accepted == 1 and first.incidents == ["INC-1"]
    again = inbox.ingest(source, payload(fires))
    assert again.incidents == ["INC-1"]  # a re-send: no new event
    inbox.ingest(source, payload(resolves))
    timeline = kinds(sql_store)
    assert timeline[0] == "declared" and timeline[-2:] == ["alert_fired", "alert_resolved"]
    incident = sql_store.incident(sql_store.resolve("INC-1"))
    assert incident.declared_by == f"alerts:{source}"
    assert (incident.alerts_total, incident.alerts_firing) == (1, 0)
    [record] = inbox.list("all")
    assert record.status == "resolved" and record.repeats == 1


def test_pagerduty_acknowledge_only_marks_the_alert(inbox: LocalInbox, sql_store: SQLStore) -> None:
    trigger = inbox.ingest("pagerduty", payload("pagerduty_trigger"))
    assert trigger.dedup_key == "srv01/mysql"
    before = kinds(sql_store)
    inbox.ingest("pagerduty", payload("pagerduty_acknowledge"))
    assert kinds(sql_store) == before
    assert inbox.list("all")[0].acknowledged


def test_grafana_warnings_wait_in_the_inbox_and_leave_it_resolved(inbox: LocalInbox) -> None:
    result = inbox.ingest("grafana", payload("grafana_firing"))
    assert result.accepted == 2 and result.incidents == []
    assert len(inbox.list()) == 2 and inbox.summary().count == 2
    inbox.ingest("grafana", payload("grafana_resolved"))
    assert inbox.list() == [] and len(inbox.list("all")) == 2


def test_hostile_text_is_kept_whole_in_the_table_and_cut_in_events(
    inbox: LocalInbox, sql_store: SQLStore
) -> None:
    sent = payload("alertmanager_hostile")["alerts"][0]
    inbox.ingest("alertmanager", payload("alertmanager_hostile"))
    [record] = inbox.list("all")
    assert dict(record.labels) == sent["labels"]  # byte for byte, 10 kB included
    incident = sql_store.incident(sql_store.resolve("INC-1"))
    assert incident.service == sent["labels"]["service"]  # stored as data, shown through clean()
    fired = next(e for e in sql_store.events(incident.id) if e.kind == "alert_fired")
    assert fired.data["labels"]["alertname"] == "[@click=app.quit]x[/]"
    assert len(fired.data["labels"]["big"]) < len(sent["labels"]["big"])
    assert fired.data["labels"]["big"].endswith("…")
    assert all(not link["url"].startswith("javascript:") for link in fired.data["links"])
    assert all(not link.url.startswith("javascript:") for link in incident.links)


def test_a_pagerduty_incident_is_detected_at_the_event_timestamp(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    body = payload("pagerduty_trigger")
    body["payload"]["timestamp"] = "2026-11-26T03:31:00.000+0000"
    inbox.ingest("pagerduty", body)
    incident = sql_store.incident(sql_store.resolve("INC-1"))
    assert incident.milestones["detected"] == clock.now() - timedelta(minutes=9)


def test_without_a_server_each_ingest_purges_alerts_past_their_retention(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    """No sweeper runs on a shared file: `warroom alert ingest` purges first."""
    kept = LocalInbox(sql_store, load_rules(), AlertSettings(retention=timedelta(days=40)), clock)
    inbox = LocalInbox(sql_store, load_rules(), AlertSettings(), clock)
    inbox.ingest("generic", payload("generic_firing"))
    inbox.ingest("generic", payload("generic_resolved"))
    clock.advance(days=31)
    kept.ingest("generic", {"title": "disk 80%", "status": "firing"})
    assert len(inbox.list("all")) == 2  # 31 days: within the 40 days configured
    inbox.ingest("generic", {"title": "disk 80%", "status": "firing"})
    [left] = inbox.list("all")  # past the default 30 days: purged
    assert left.summary == "disk 80%" and left.repeats == 1
