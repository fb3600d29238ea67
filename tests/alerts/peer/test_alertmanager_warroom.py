"""A real Prometheus Alertmanager in front of a real `warroom serve`: alerts
posted to Alertmanager's own API reach warroom through its webhook receiver
(bearer authorization with an `alerts`-role token), one incident per group as
Alertmanager groups them; a resolved alert arrives as resolved; a re-sent
group is absorbed (no new incident, no new alert)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.peer.alertmanager import Route, am_time, prom_alert
from tests.alerts.peer.conftest import StartAlertmanager
from tests.alerts.warroom import ALERTMANAGER_PATH, AlertServer, eventually, running_alert_server


@pytest.fixture
def warroom(tmp_path: Path) -> Iterator[AlertServer]:
    with running_alert_server(tmp_path / "warroom") as served:
        yield served


def test_alerts_through_alertmanager_open_one_incident_per_group_and_resolve(
    warroom: AlertServer, start_alertmanager: StartAlertmanager
) -> None:
    manager = start_alertmanager(
        warroom.url + ALERTMANAGER_PATH,
        warroom.alerts_token,
        Route(group_by=("alertname", "cluster"), repeat_interval="2s"),
    )
    began = datetime.now(UTC) - timedelta(minutes=3)
    labels = {"cluster": "eu-west-1", "job": "checkout-api", "severity": "critical"}
    latency = [
        prom_alert(
            "CheckoutLatency",
            {**labels, "instance": f"api-{n}:9100"},
            summary=f"p99 above 2 s on api-{n}",
            starts_at=began,
        )
        for n in range(3)
    ]
    errors = prom_alert(
        "CheckoutErrors", {**labels, "instance": "api-0:9100"}, summary="5xx above 5 %",
        starts_at=began,
    )  # fmt: skip
    manager.post([*latency, errors])

    stored = eventually(warroom.alerts, lambda found: len(found) == 4)
    assert len(stored) == 4, manager.log()
    assert {record.source for record in stored} == {"alertmanager"}
    assert {record.status for record in stored} == {"firing"}
    by_summary = {record.summary: record for record in stored}
    groups = {record.group_key for record in stored}
    assert len(groups) == 2  # as Alertmanager grouped them: by alertname and cluster
    latency_incidents = {by_summary[f"p99 above 2 s on api-{n}"].incident_id for n in range(3)}
    assert len(latency_incidents) == 1 and None not in latency_incidents
    (latency_incident,) = latency_incidents
    assert by_summary["5xx above 5 %"].incident_id not in (None, latency_incident)

    incidents = warroom.incidents()
    assert len(incidents) == 2
    assert {incident["severity"] for incident in incidents} == {2}  # critical -> SEV2
    assert {incident["service"] for incident in incidents} == {"checkout-api"}  # labels.job
    room = warroom.events(latency_incident)
    assert room[0]["kind"] == "declared" and room[0]["actor"] == "alerts:alertmanager"
    fired = [event for event in room if event["kind"] == "alert_fired"]
    assert sorted(event["data"]["summary"] for event in fired) == [
        f"p99 above 2 s on api-{n}" for n in range(3)
    ]

    # api-0's latency ends: Prometheus posts it again with endsAt in the past.
    manager.post([{**latency[0], "endsAt": am_time(datetime.now(UTC) - timedelta(seconds=1))}])
    resolved_id = by_summary["p99 above 2 s on api-0"].id
    after = eventually(
        warroom.alerts,
        lambda found: any(r.id == resolved_id and r.status == "resolved" for r in found),
    )
    statuses = {record.summary: record.status for record in after}
    assert statuses["p99 above 2 s on api-0"] == "resolved", manager.log()
    assert statuses["p99 above 2 s on api-1"] == "firing"
    room = warroom.events(latency_incident)
    assert [event["data"]["alert"] for event in room if event["kind"] == "alert_resolved"] == [
        resolved_id
    ]

    # Alertmanager re-sends the groups every repeat_interval (2 s): absorbed.
    repeats = eventually(
        warroom.alerts,
        lambda found: any(r.repeats > 0 for r in found if r.status == "firing"),
        timeout=15,
    )
    assert any(record.repeats > 0 for record in repeats), manager.log()
    assert len(repeats) == 4
    assert len(warroom.incidents()) == 2
    room = warroom.events(latency_incident)
    assert len([event for event in room if event["kind"] == "alert_fired"]) == 3


def test_a_token_warroom_refuses_is_not_taken(
    warroom: AlertServer, start_alertmanager: StartAlertmanager
) -> None:
    """Alertmanager with a wrong credential: warroom answers 401 (not retried
    by Alertmanager) and stores nothing."""
    manager = start_alertmanager(warroom.url + ALERTMANAGER_PATH, "wr_not-a-token")
    manager.post([prom_alert("Unauthorized", {"severity": "critical"})])
    manager.post([prom_alert("Unauthorized2", {"severity": "critical"})])
    eventually(manager.log, lambda text: "401" in text, timeout=15)
    assert "401" in manager.log()
    assert warroom.alerts() == []
    assert warroom.incidents() == []
