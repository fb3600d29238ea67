"""The storm through a real Prometheus Alertmanager: 2,000 alerts of one
group posted to Alertmanager's API in 10 s (in Prometheus' batches of 64),
which notifies warroom of the whole group at each group interval; warroom is
killed with SIGKILL halfway and restarted a second later, and Alertmanager's
own retries (and its next notifications) bring everything: one incident,
every alert stored once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.peer.alertmanager import Route, prom_alert
from tests.alerts.peer.conftest import StartAlertmanager
from tests.alerts.storm import paced
from tests.alerts.warroom import (
    ALERTMANAGER_PATH,
    AlertServer,
    KillAndRestart,
    eventually,
    running_alert_server,
    stored_alerts,
)

STORM = 2000
SECONDS = 10.0
PROMETHEUS_BATCH = 64  # alerts per post to Alertmanager (Prometheus' notifier)


@pytest.fixture
def warroom(tmp_path: Path) -> Iterator[AlertServer]:
    with running_alert_server(tmp_path / "warroom") as served:
        yield served


def test_a_storm_through_alertmanager_survives_a_killed_server(
    warroom: AlertServer, start_alertmanager: StartAlertmanager
) -> None:
    manager = start_alertmanager(
        warroom.url + ALERTMANAGER_PATH, warroom.alerts_token, Route(group_by=("alertname",))
    )
    began = datetime.now(UTC) - timedelta(minutes=1)
    alerts = [
        prom_alert(
            "CheckoutStorm",
            {"instance": f"pod-{n:05d}:9100", "job": "checkout-api", "severity": "critical"},
            summary=f"checkout pod {n} failing",
            starts_at=began,
        )
        for n in range(STORM)
    ]
    batches = [alerts[at : at + PROMETHEUS_BATCH] for at in range(0, STORM, PROMETHEUS_BATCH)]
    killer = KillAndRestart(warroom, at=len(batches) // 2)
    sent = paced(manager.url, "/api/v2/alerts", batches, SECONDS, {}, workers=1, during=killer)
    killer.join()
    assert sent.refused == [] and sent.retries == 0  # Alertmanager took every batch

    rows = eventually(
        lambda: stored_alerts(warroom.server.db), lambda rows: len(rows) >= STORM, timeout=90
    )
    keys = [row[1] for row in rows]
    assert len(keys) == STORM and len(set(keys)) == STORM, manager.log()[-3000:]
    incidents = warroom.incidents()
    assert len(incidents) == 1
    assert {record.incident_id for record in warroom.alerts(limit=STORM + 10)} == {
        incidents[0]["id"]
    }
