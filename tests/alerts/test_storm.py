"""Alert storms against a real `warroom serve`: 2,000 alerts of one group in
10 s, as Alertmanager sends them (the whole group at every group interval)
and as single PagerDuty events, make exactly one incident with every distinct
alert stored once, and a room that is not drowned (at most 20 alert entries
per group per minute).  Killed with SIGKILL mid-storm and restarted while the
sender retries (as Alertmanager does on refused connections and 5xx), the
server loses nothing and absorbs the duplicates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.alerts.storm import (
    PAGERDUTY_STORM_RULES,
    Sent,
    cumulative_bodies,
    paced,
    pagerduty_event,
    storm_alerts,
)
from tests.alerts.warroom import (
    ALERTMANAGER_PATH,
    PAGERDUTY_PATH,
    AlertServer,
    Freeze,
    KillAndRestart,
    running_alert_server,
    stored_alerts,
)
from tests.server.conftest import auth

STORM = 2000  # alerts
SECONDS = 10.0  # over which they arrive
SENDS = 10  # Alertmanager's notifications of the group in that time (group_interval 1 s)
GROUP = {"alertname": "CheckoutStorm"}
PER_MINUTE = 20  # alert entries a room shows per group and minute, then one summary


def assert_one_incident_holding_every_alert(served: AlertServer, source: str) -> None:
    """One incident; each of the STORM distinct alerts stored once, on it; its
    room shows at most PER_MINUTE alert entries per minute of the storm."""
    incidents = served.incidents()
    assert len(incidents) == 1, [incident["title"] for incident in incidents]
    header = incidents[0]
    rows = stored_alerts(served.server.db)
    assert {row[0] for row in rows} == {source}
    keys = [row[1] for row in rows]
    assert len(keys) == STORM and len(set(keys)) == STORM
    records = served.alerts(limit=STORM + 10)
    assert len(records) == STORM
    assert {record.incident_id for record in records} == {incidents[0]["id"]}
    room = [event for event in served.events(header["id"]) if event["seq"] <= header["last_seq"]]
    fired = [event for event in room if event["kind"] == "alert_fired"]
    minutes = {event["recorded_at"][:16] for event in fired}  # minutes of arrival
    assert 1 <= len(fired) <= PER_MINUTE * len(minutes) + 1  # + the declaring alert's own
    # the room's header counts what its timeline holds (up to the header's
    # last_seq: the sweeper may add a summary meanwhile, once a minute is over)
    summarized = sum(
        event["data"]["fired"] for event in room if event["kind"] == "alerts_summarized"
    )
    assert header["alerts"]["total"] == len(fired) + summarized


def alertmanager_storm(served: AlertServer, during: Callable[[int], None] | None = None) -> Sent:
    """The storm as Alertmanager sends it: the whole group at each of SENDS
    group intervals, one notification after another (one sender)."""
    bodies = cumulative_bodies(storm_alerts(STORM), SENDS, GROUP)
    headers = auth(served.alerts_token)
    return paced(served.url, ALERTMANAGER_PATH, bodies, SECONDS, headers, workers=1, during=during)


def test_an_alertmanager_storm_makes_one_incident(tmp_path: Path) -> None:
    with running_alert_server(tmp_path / "warroom") as served:
        sent = alertmanager_storm(served)
        assert sent.refused == [] and sent.retries == 0
        assert len(sent.answers) == SENDS
        # each body: the whole group so far
        expected = [round(STORM * send / SENDS) for send in range(1, SENDS + 1)]
        assert [answer["accepted"] for answer in sent.answers] == expected
        assert_one_incident_holding_every_alert(served, "alertmanager")


def test_a_pagerduty_storm_of_single_events_makes_one_incident(tmp_path: Path) -> None:
    with running_alert_server(tmp_path / "warroom", PAGERDUTY_STORM_RULES) as served:
        events = [pagerduty_event(served.alerts_token, index) for index in range(STORM)]
        sent = paced(served.url, PAGERDUTY_PATH, events, SECONDS, {}, workers=4)
        assert sent.refused == [] and sent.retries == 0
        assert len(sent.answers) == STORM
        assert {answer["status"] for answer in sent.answers} == {"success"}
        assert sorted(answer["dedup_key"] for answer in sent.answers) == sorted(
            event["dedup_key"] for event in events
        )
        assert_one_incident_holding_every_alert(served, "pagerduty")


def test_killed_mid_alertmanager_storm_the_server_loses_nothing(tmp_path: Path) -> None:
    with running_alert_server(tmp_path / "warroom") as served:
        killer = KillAndRestart(served, at=SENDS // 2)
        sent = alertmanager_storm(served, during=killer)
        killer.join()
        assert sent.refused == []
        assert sent.retries >= 1  # the sender met the dead server and retried
        assert_one_incident_holding_every_alert(served, "alertmanager")


def test_killed_mid_pagerduty_storm_the_server_loses_nothing(tmp_path: Path) -> None:
    with running_alert_server(tmp_path / "warroom", PAGERDUTY_STORM_RULES) as served:
        events = [pagerduty_event(served.alerts_token, index) for index in range(STORM)]
        killer = KillAndRestart(served, at=STORM // 2)
        sent = paced(served.url, PAGERDUTY_PATH, events, SECONDS, {}, workers=4, during=killer)
        killer.join()
        assert sent.refused == []
        assert sent.retries >= 1
        assert len(sent.answers) == STORM
        assert_one_incident_holding_every_alert(served, "pagerduty")


def test_timed_out_and_sent_again_the_duplicates_are_absorbed(tmp_path: Path) -> None:
    """The server stops answering for 2 s (SIGSTOP) in a storm of single
    PagerDuty events; the sender times out after 1 s and sends again, then
    the server takes both copies: each alert is still stored once."""
    count = 500
    with running_alert_server(tmp_path / "warroom", PAGERDUTY_STORM_RULES) as served:
        events = [pagerduty_event(served.alerts_token, index) for index in range(count)]
        freeze = Freeze(served, at=count // 2, seconds=2.0)
        sent = paced(
            served.url, PAGERDUTY_PATH, events, 5.0, {}, workers=4, timeout=1.0, during=freeze
        )
        freeze.join()
        assert sent.refused == [] and sent.retries >= 4  # each sender timed out
        assert len(sent.answers) == count
        assert len(served.incidents()) == 1
        keys = [row[1] for row in stored_alerts(served.server.db)]
        assert len(keys) == count and len(set(keys)) == count
        records = served.alerts(limit=count + 10)
        assert sum(record.repeats for record in records) >= 1  # duplicates did arrive
