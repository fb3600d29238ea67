"""Alerts on an incident's timeline: the events the intake writes validate,
fold into the incident's alert counters (kept in its snapshot), describe
themselves in plain words, cut what is over the event limits, keep only
http(s) links, and are never offered to people as something to log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.alerts.conftest import payload
from tests.core.builder import Log
from warroom.core.alerts.events import (
    alert_event_id,
    fired_data,
    minute_of,
    resolved_data,
    summarized_data,
)
from warroom.core.alerts.model import AlertRecord, alert_id
from warroom.core.alerts.rules import load_rules
from warroom.core.alerts.sources import parse
from warroom.core.describe import describe
from warroom.core.errors import Refused
from warroom.core.incident import Incident
from warroom.core.kinds import LOG_KINDS, check_data, kinds_in
from warroom.core.kinds.alerts import (
    ELLIPSIS,
    GROUP_MAX,
    LABEL_VALUE_MAX,
    MAP_ENTRIES_MAX,
    SUMMARY_MAX,
)
from warroom.core.limits import EVENT_DATA_MAX

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def record(
    name: str = "alertmanager_firing", source: str = "alertmanager", **change: object
) -> AlertRecord:
    """The first alert of a documented payload, as the store would keep it."""
    alert = parse(source, payload(name))[0]
    decision = load_rules().decide(alert)
    starts = alert.starts_at or NOW
    values: dict[str, object] = {
        "id": alert_id(alert.source, alert.key, starts),
        "source": alert.source,
        "key": alert.key,
        "starts_at": starts,
        "status": alert.status,
        "state": "incident",
        "summary": alert.summary,
        "group_key": decision.group_key,
        "first_seen": NOW,
        "last_seen": NOW,
        "ends_at": alert.ends_at,
        "severity": alert.severity,
        "service": decision.service,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "links": alert.links,
    }
    values.update(change)
    return AlertRecord(**values)  # type: ignore[arg-type]


def incident_with_alerts() -> Log:
    log = Log()
    log.declare(actor="alerts:alertmanager")
    return log


def test_the_alert_kinds_are_not_for_people_to_log() -> None:
    assert kinds_in("alert") == {"alert_fired", "alert_resolved", "alerts_summarized"}
    assert not kinds_in("alert") & set(LOG_KINDS)


def test_fired_and_resolved_count_on_the_incident() -> None:
    log = incident_with_alerts()
    fired = record()
    log.add("alert_fired", fired_data(fired), actor="alerts:alertmanager")
    other = record(id="00000000000000ff", summary="second")
    log.add("alert_fired", fired_data(other), actor="alerts:alertmanager")
    state = log.state()
    assert (state.alerts_total, state.alerts_firing) == (2, 2)
    log.add("alert_resolved", resolved_data(fired, NOW), actor="alerts:alertmanager")
    state = log.state()
    assert (state.alerts_total, state.alerts_firing) == (2, 1)
    assert state.to_public(log.catalog)["alerts"] == {"total": 2, "firing": 1}


def test_resolved_never_counts_below_zero() -> None:
    log = incident_with_alerts()
    log.add("alert_resolved", resolved_data(record(), NOW), actor="alerts:alertmanager")
    assert (log.state().alerts_total, log.state().alerts_firing) == (0, 0)


def test_summarized_adds_its_hidden_alerts() -> None:
    log = incident_with_alerts()
    log.add("alert_fired", fired_data(record()), actor="alerts:alertmanager")
    minute = minute_of(NOW)
    log.add("alerts_summarized", summarized_data("g", minute, 180, 5), actor="alerts:alertmanager")
    state = log.state()
    assert (state.alerts_total, state.alerts_firing) == (181, 176)
    log.add("alerts_summarized", summarized_data("g", minute, 0, 500), actor="alerts:alertmanager")
    assert (log.state().alerts_total, log.state().alerts_firing) == (181, 0)


def test_the_counters_survive_the_snapshot() -> None:
    log = incident_with_alerts()
    log.add("alert_fired", fired_data(record()), actor="alerts:alertmanager")
    state = log.state()
    again = Incident.from_snapshot(json.loads(json.dumps(state.to_snapshot())))
    assert again == state and (again.alerts_total, again.alerts_firing) == (1, 1)
    older = state.to_snapshot()
    del older["alerts_total"], older["alerts_firing"]  # a snapshot from before alerts
    assert (
        Incident.from_snapshot(older).alerts_total,
        Incident.from_snapshot(older).alerts_firing,
    ) == (0, 0)


def test_describe_lines() -> None:
    log = incident_with_alerts()
    fired = log.add("alert_fired", fired_data(record()), actor="alerts:alertmanager")
    assert (
        describe(fired)
        == "BlackBox Probe Failure: https://server.example.org (critical, http_checks)"
    )
    again = log.add("alert_fired", fired_data(record(id="00000000000000ff"), after_resolution=True))
    assert describe(again).startswith("firing again after resolution: BlackBox Probe Failure")
    resolved = log.add("alert_resolved", resolved_data(record(), NOW))
    assert describe(resolved) == "resolved: BlackBox Probe Failure: https://server.example.org"
    group = 'alertmanager:{}:{alertname="X"}'
    summary = log.add("alerts_summarized", summarized_data(group, "2026-11-26T03:14Z", 178, 2))
    assert describe(summary) == f"+180 more alerts in group {group}"
    bare = record(
        summary="Cron late", severity="", service=None, labels={}, annotations={}, links=()
    )
    assert describe(log.add("alert_fired", fired_data(bare))) == "Cron late"


def test_minute_and_event_ids_come_from_their_cause() -> None:
    later = NOW + timedelta(seconds=59, microseconds=999)
    assert minute_of(later) == "2026-11-26T03:00Z"
    assert minute_of(later.astimezone(tz=None)) == "2026-11-26T03:00Z"
    one = alert_event_id("0123456789abcdef", "alert_fired")
    assert one == alert_event_id("0123456789abcdef", "alert_fired")
    assert one != alert_event_id("0123456789abcdef", "alert_resolved")
    assert one != alert_event_id("0123456789abcdee", "alert_fired")


def test_the_documented_payloads_make_valid_events() -> None:
    for name, source in [
        ("alertmanager_firing", "alertmanager"),
        ("grafana_firing", "grafana"),
        ("pagerduty_trigger", "pagerduty"),
        ("generic_firing", "generic"),
    ]:
        data = fired_data(record(name, source))
        checked = check_data("alert_fired", data)
        assert checked == check_data("alert_fired", checked)  # normalised once
        assert {k: v for k, v in checked.items() if k != "starts_at"} == {
            k: v for k, v in data.items() if k != "starts_at"
        }


def test_values_over_the_limits_are_cut_and_the_event_stays_small() -> None:
    huge = "x" * 10240
    labels = {f"label{n}": huge for n in range(200)}
    hostile = record(
        summary="[@click=app.quit]x[/]" + huge,
        labels=labels,
        annotations={"description": huge, "summary": "\x1b]52;c;AAAA\x07"},
        group_key="g" * 100_000,
        links=tuple(
            ("l" * 500, f"https://e.example/{n}/" + "p" * 3000 * (n % 2)) for n in range(20)
        ),
    )
    data = check_data("alert_fired", fired_data(hostile))
    assert len(json.dumps(data).encode()) < EVENT_DATA_MAX
    assert len(data["summary"]) == SUMMARY_MAX and data["summary"].endswith(ELLIPSIS)
    assert data["summary"].startswith("[@click=app.quit]x[/]")  # kept literally, only cut
    assert len(data["labels"]) == MAP_ENTRIES_MAX
    assert data["labels"][ELLIPSIS] == f"+{200 - MAP_ENTRIES_MAX + 1} more"
    assert len(data["labels"]["label0"]) == LABEL_VALUE_MAX
    assert data["annotations"]["summary"] == "\x1b]52;c;AAAA\x07"
    assert all(len(link["url"]) < 3000 and len(link["label"]) <= 100 for link in data["links"])
    assert 0 < len(data["links"]) <= 5
    assert len(data["group"]) == GROUP_MAX
    assert len(summarized_data(hostile.group_key, "2026-11-26T03:14Z", 1, 0)["group"]) == GROUP_MAX


def test_the_event_model_cuts_what_a_writer_did_not() -> None:
    data = fired_data(record())
    data["labels"] = {"big": "y" * 5000}
    data["summary"] = "s" * 1000
    checked = check_data("alert_fired", data)
    assert len(checked["labels"]["big"]) == LABEL_VALUE_MAX
    assert len(checked["summary"]) == SUMMARY_MAX


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"links": [{"url": "javascript:alert(1)"}]}, "http"),
        ({"alert": "not-an-id"}, "alert"),
        ({"starts_at": "2026-11-26T03:00:00"}, "starts_at"),
        ({"labels": {"a": 1}}, "labels"),
        ({"after_resolution": "yes"}, "after_resolution"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_alert_event_data_is_refused(change: dict[str, object], words: str) -> None:
    with pytest.raises(Refused, match=words):
        check_data("alert_fired", {**fired_data(record()), **change})


@pytest.mark.parametrize(
    "change",
    [{"fired": -1}, {"resolved": 1.5}, {"minute": "2026-11-26T03:14:00Z"}, {"fired": True}],
)
def test_bad_summary_data_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(Refused):
        check_data(
            "alerts_summarized", {**summarized_data("g", "2026-11-26T03:14Z", 1, 0), **change}
        )


def test_a_resolved_alert_needs_its_end() -> None:
    with pytest.raises(ValueError):
        resolved_data(record(ends_at=None))
    ended = record("alertmanager_resolved")
    assert resolved_data(ended)["ends_at"] == "2023-02-06T13:23:45.828000Z"
