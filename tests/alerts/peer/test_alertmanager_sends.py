"""What a real Prometheus Alertmanager sends to a webhook receiver, checked
against a plain recording HTTP receiver (no warroom): the bearer credential,
the version 4 body, one body per group, a resolved alert in the group's next
body, and a retry after a 5xx.  warroom's alertmanager endpoint relies on
each of these."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.alerts.peer.alertmanager import Route, am_time, prom_alert
from tests.alerts.peer.conftest import StartAlertmanager
from tests.alerts.peer.receiver import Receiver

TOKEN = "am-test-token"
ALERT_KEYS = {
    "status",
    "labels",
    "annotations",
    "startsAt",
    "endsAt",
    "generatorURL",
    "fingerprint",
}
BODY_KEYS = {
    "version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
    "commonLabels", "commonAnnotations", "externalURL", "alerts",
}  # fmt: skip


def test_one_body_per_group_with_bearer_and_resolved_in_the_next(
    start_alertmanager: StartAlertmanager,
) -> None:
    began = datetime.now(UTC) - timedelta(minutes=2)
    latency = [
        prom_alert("HighLatency", {"cluster": "eu", "instance": f"api-{n}"}, starts_at=began)
        for n in range(2)
    ]
    disk = prom_alert("DiskFull", {"cluster": "eu", "instance": "db-1"}, starts_at=began)
    with Receiver() as receiver:
        # group_wait 3 s: on a loaded machine the API may take over 1 s to
        # hand Alertmanager's dispatcher the alerts of one POST.
        route = Route(group_by=("alertname", "cluster"), group_wait="3s")
        manager = start_alertmanager(receiver.url, TOKEN, route)
        manager.post([*latency, disk])
        first = receiver.wait_for(2)
        for request in first:
            assert request.path == "/hook"
            assert request.headers["Authorization"] == f"Bearer {TOKEN}"
            assert request.headers["Content-Type"] == "application/json"
            body = request.json()
            assert set(body) == BODY_KEYS
            assert body["version"] == "4" and body["status"] == "firing"
            for alert in body["alerts"]:
                assert set(alert) == ALERT_KEYS
                assert alert["endsAt"] == "0001-01-01T00:00:00Z"
        by_group = {request.json()["groupKey"]: request.json() for request in first}
        assert set(by_group) == {
            '{}:{alertname="HighLatency", cluster="eu"}',
            '{}:{alertname="DiskFull", cluster="eu"}',
        }
        latency_body = by_group['{}:{alertname="HighLatency", cluster="eu"}']
        assert len(latency_body["alerts"]) == 2
        fingerprints = {
            alert["labels"]["instance"]: alert["fingerprint"] for alert in latency_body["alerts"]
        }

        ended = datetime.now(UTC) - timedelta(seconds=1)
        manager.post([{**latency[0], "endsAt": am_time(ended)}])
        resolved = receiver.wait_for(3)[2].json()
        assert resolved["groupKey"] == '{}:{alertname="HighLatency", cluster="eu"}'
        statuses = {alert["fingerprint"]: alert["status"] for alert in resolved["alerts"]}
        assert statuses == {fingerprints["api-0"]: "resolved", fingerprints["api-1"]: "firing"}
        assert resolved["status"] == "firing"  # the group still has a firing alert


def test_a_5xx_is_retried_with_the_same_body(start_alertmanager: StartAlertmanager) -> None:
    with Receiver() as receiver:
        receiver.status = 503
        manager = start_alertmanager(receiver.url, TOKEN)
        manager.post([prom_alert("Retried", {"instance": "a"})])
        refused = receiver.wait_for(1)[0]
        receiver.status = 200
        again = receiver.wait_for(2)[1]
        assert again.json()["alerts"] == refused.json()["alerts"]
