"""Each source's documented payload reads into alerts as the sender meant them;
a payload of the wrong shape is refused naming the field; what a sender adds
is tolerated; hostile text is kept as data, and only http(s) links are kept."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.alerts.conftest import PAYLOADS, payload
from warroom.core.alerts import SOURCES
from warroom.core.alerts.errors import BadPayload
from warroom.core.alerts.sources import PARSERS, parse
from warroom.core.alerts.sources.generic import generic_key

AM_START = datetime(2023, 2, 6, 13, 8, 45, 828000, tzinfo=UTC)


# -- the documented payloads ------------------------------------------------------


def test_every_sample_parses_with_its_source() -> None:
    assert set(PARSERS) == set(SOURCES)
    for path in sorted(PAYLOADS.glob("*.json")):
        source = path.stem.split("_")[0]
        alerts = parse(source, payload(path.stem))
        assert alerts and all(alert.source == source for alert in alerts), path.name


def test_alertmanager_firing() -> None:
    [alert] = parse("alertmanager", payload("alertmanager_firing"))
    assert alert.key == "1a30ba71cca2921f"
    assert alert.status == "firing" and alert.event_action == "trigger"
    assert alert.summary == "BlackBox Probe Failure: https://server.example.org"
    assert alert.description.startswith("Instance https://server.example.org has been down")
    assert alert.starts_at == AM_START
    assert alert.ends_at is None  # Go's zero time: still firing
    assert alert.severity == "critical"
    assert alert.labels["job"] == "http_checks"
    assert alert.group == '{}/{severity="critical"}:{alertname="ProbeFailure"}'
    assert alert.links == (
        (
            "source",
            "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1",
        ),
    )


def test_alertmanager_resolved_has_its_end() -> None:
    [alert] = parse("alertmanager", payload("alertmanager_resolved"))
    assert alert.status == "resolved" and alert.event_action == "resolve"
    assert alert.starts_at == AM_START
    assert alert.ends_at == datetime(2023, 2, 6, 13, 23, 45, 828000, tzinfo=UTC)


def test_alertmanager_times_keep_their_zone_and_nanoseconds_are_read() -> None:
    body = payload("alertmanager_firing")
    body["alerts"][0]["startsAt"] = "2018-08-03T09:52:26.739266876+02:00"
    [alert] = parse("alertmanager", body)
    assert alert.starts_at == datetime(2018, 8, 3, 7, 52, 26, 739266, tzinfo=UTC)


def test_grafana_firing_keeps_its_own_fields() -> None:
    first, second = parse("grafana", payload("grafana_firing"))
    assert (first.key, second.key) == ("c6eadffa33fcdf37", "bc97ff14869b13e3")
    assert first.group == second.group == "{}:{}"
    assert first.summary == "This alert was triggered for zone us-1"
    assert first.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert first.ends_at is None
    assert first.extra["values"] == {"B": 44.23943737541908, "C": 1}
    assert first.extra["orgId"] == 1
    assert first.extra["silenceURL"].startswith("https://play.grafana.org/alerting/silence/")
    assert "dashboardURL" not in first.extra  # sent empty
    labels = [label for label, _ in first.links]
    assert labels == ["source", "runbook", "silence"]


def test_grafana_resolved() -> None:
    alerts = parse("grafana", payload("grafana_resolved"))
    assert [a.status for a in alerts] == ["resolved", "resolved"]
    assert alerts[0].ends_at == datetime(2021, 10, 12, 8, 6, 3, 157076, tzinfo=UTC)


def test_grafana_sends_version_1_and_older_grafana_a_value_string() -> None:
    body = payload("grafana_firing")
    for alert in body["alerts"]:
        del alert["values"]
        alert["valueString"] = "[ metric='' labels={} value=14151.331895396988 ]"
    first, _ = parse("grafana", body)
    assert first.extra["valueString"].startswith("[ metric=''")
    with pytest.raises(BadPayload) as refused:  # Alertmanager's endpoint wants its version 4
        parse("alertmanager", payload("grafana_firing"))
    assert refused.value.field == "version"


def test_pagerduty_trigger() -> None:
    [alert] = parse("pagerduty", payload("pagerduty_trigger"))
    assert alert.key == alert.group == "srv01/mysql"
    assert alert.status == "firing" and alert.event_action == "trigger"
    assert alert.summary == "DISK at 99% on machine prod-datapipe03.example.com"
    assert alert.severity == "critical"
    assert alert.labels == {
        "severity": "critical",
        "source": "prod-datapipe03.example.com",
        "component": "mysql",
        "group": "prod-datapipe",
        "class": "disk",
    }
    assert alert.service_hint == "mysql"
    assert alert.starts_at is None  # the instance starts when warroom first sees it
    # "+0000", as PagerDuty's own example writes it
    assert alert.extra["timestamp"] == "2015-07-17T08:42:58.315000Z"
    assert alert.extra["custom_details"]["load avg"] == 0.75
    assert alert.extra["client"] == "Sample Monitoring Service"
    assert alert.extra["images"][0]["alt"] == "An example link with an image"
    assert alert.links == (
        ("An example link.", "http://pagerduty.example.com"),
        ("Sample Monitoring Service", "https://monitoring.service.com"),
    )
    assert "e93facc04764012d7bfb002500d5d1a6" not in repr(alert)  # the routing key is a credential


def test_pagerduty_acknowledge_and_resolve() -> None:
    [ack] = parse("pagerduty", payload("pagerduty_acknowledge"))
    [resolve] = parse("pagerduty", payload("pagerduty_resolve"))
    assert (ack.key, ack.event_action, ack.status) == ("srv01/mysql", "acknowledge", "firing")
    assert (resolve.key, resolve.event_action, resolve.status) == (
        "srv01/mysql",
        "resolve",
        "resolved",
    )


def test_pagerduty_trigger_without_dedup_key_gets_a_new_one() -> None:
    body = payload("pagerduty_trigger")
    del body["dedup_key"]
    [first] = parse("pagerduty", body)
    [second] = parse("pagerduty", body)
    assert len(first.key) == 32 and int(first.key, 16) >= 0
    assert first.key != second.key and first.group == first.key
    assert first.service_hint == "mysql"


def test_pagerduty_service_falls_back_to_source() -> None:
    body = payload("pagerduty_trigger")
    del body["payload"]["component"]
    [alert] = parse("pagerduty", body)
    assert alert.service_hint == "prod-datapipe03.example.com"
    assert "component" not in alert.labels


def test_generic_firing_and_resolved() -> None:
    [firing] = parse("generic", payload("generic_firing"))
    [resolved] = parse("generic", payload("generic_resolved"))
    assert firing.key == resolved.key == "backup-nightly-db1"
    assert firing.summary == "Nightly backup failed"
    assert firing.severity == "critical" and firing.service_hint == "backups"
    assert firing.description == "pg_dump exited with status 1 on db1"
    assert firing.links == (("link", "https://ci.example.com/jobs/backup/1234"),)
    assert firing.labels == {"host": "db1", "team": "storage"}
    assert firing.starts_at is None
    assert resolved.status == "resolved" and resolved.event_action == "resolve"


def test_generic_without_fingerprint_is_keyed_by_title_and_service() -> None:
    body = {"title": "Disk full", "status": "firing", "service": "db"}
    [one] = parse("generic", body)
    [again] = parse("generic", {**body, "severity": "warning"})
    [other] = parse("generic", {**body, "service": "web"})
    assert one.key == again.key == generic_key("Disk full", "db")
    assert len(one.key) == 32 and one.key != other.key


def test_unknown_source_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown alert source"):
        parse("nagios", {})


# -- wrong shapes name the field --------------------------------------------------


def _am_with_alerts(count: int) -> dict[str, Any]:
    body = payload("alertmanager_firing")
    body["alerts"] = [
        {**copy.deepcopy(body["alerts"][0]), "fingerprint": f"f{n}"} for n in range(count)
    ]
    return body


def _refused(source: str, body: Any) -> BadPayload:
    with pytest.raises(BadPayload) as refused:
        parse(source, body)
    assert isinstance(refused.value, ValueError)
    assert str(refused.value) == f"{refused.value.field}: {refused.value.detail}"
    return refused.value


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda b: b["alerts"][2].pop("startsAt"), "alerts[2].startsAt", "missing"),
        (lambda b: b["alerts"][2].update(startsAt=17), "alerts[2].startsAt", "string"),
        (
            lambda b: b["alerts"][2].update(startsAt="2023-02-06T13:08:45"),
            "alerts[2].startsAt",
            "no timezone",
        ),
        (
            lambda b: b["alerts"][2].update(startsAt="yesterday"),
            "alerts[2].startsAt",
            "not an RFC 3339",
        ),
        (
            lambda b: b["alerts"][2].update(startsAt="2023-02-30T13:08:45Z"),
            "alerts[2].startsAt",
            "calendar",
        ),
        (lambda b: b["alerts"][1].update(endsAt="soon"), "alerts[1].endsAt", "RFC 3339"),
        (lambda b: b["alerts"][3].update(labels=["a"]), "alerts[3].labels", "object"),
        (lambda b: b["alerts"][3].pop("labels"), "alerts[3].labels", "missing"),
        (
            lambda b: b["alerts"][0]["labels"].update(severity=1),
            "alerts[0].labels.severity",
            "string",
        ),
        (
            lambda b: b["alerts"][0]["annotations"].update(summary=None),
            "alerts[0].annotations.summary",
            "string",
        ),
        (lambda b: b["alerts"][0].update(status="pending"), "alerts[0].status", "firing"),
        (lambda b: b["alerts"][0].pop("fingerprint"), "alerts[0].fingerprint", "missing"),
        (lambda b: b["alerts"][0].update(fingerprint=""), "alerts[0].fingerprint", "empty"),
        (lambda b: b["alerts"].__setitem__(1, "x"), "alerts[1]", "object"),
        (lambda b: b.update(alerts={}), "alerts", "array"),
        (lambda b: b.pop("alerts"), "alerts", "missing"),
        (lambda b: b.pop("groupKey"), "groupKey", "missing"),
        (lambda b: b.update(status="ok"), "status", "firing"),
        (lambda b: b.update(version="3"), "version", '"4"'),
        (lambda b: b.update(truncatedAlerts=-1), "truncatedAlerts", "non-negative"),
        (lambda b: b.update(commonLabels="x"), "commonLabels", "object"),
        (
            lambda b: b["alerts"][0]["annotations"].update(summary="a\x00b"),
            "alerts[0].annotations.summary",
            "NUL",
        ),
    ],
)
def test_alertmanager_wrong_shapes_name_the_field(change: Any, field: str, words: str) -> None:
    body = _am_with_alerts(4)
    change(body)
    refused = _refused("alertmanager", body)
    assert refused.field == field
    assert words in refused.detail


def test_a_body_that_is_not_an_object_is_refused() -> None:
    for source in SOURCES:
        for body in ([], "text", None, 3):
            assert _refused(source, body).field == "body"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["alerts"][1].update(values=[1]), "alerts[1].values"),
        (lambda b: b["alerts"][1]["values"].update(B="high"), "alerts[1].values.B"),
        (lambda b: b["alerts"][0].update(silenceURL=5), "alerts[0].silenceURL"),
        (lambda b: b.update(orgId="one"), "orgId"),
        (lambda b: b.update(message=["x"]), "message"),
        (lambda b: b["alerts"][1].pop("startsAt"), "alerts[1].startsAt"),
    ],
)
def test_grafana_wrong_shapes_name_the_field(change: Any, field: str) -> None:
    body = payload("grafana_firing")
    change(body)
    assert _refused("grafana", body).field == field


@pytest.mark.parametrize(
    ("name", "change", "field", "words"),
    [
        ("pagerduty_trigger", lambda b: b.update(event_action="snooze"), "event_action", "trigger"),
        ("pagerduty_trigger", lambda b: b.pop("event_action"), "event_action", "missing"),
        ("pagerduty_trigger", lambda b: b.pop("payload"), "payload", "required"),
        ("pagerduty_trigger", lambda b: b.update(payload="x"), "payload", "object"),
        ("pagerduty_trigger", lambda b: b["payload"].pop("summary"), "payload.summary", "missing"),
        (
            "pagerduty_trigger",
            lambda b: b["payload"].update(summary=" "),
            "payload.summary",
            "empty",
        ),
        ("pagerduty_trigger", lambda b: b["payload"].pop("source"), "payload.source", "missing"),
        (
            "pagerduty_trigger",
            lambda b: b["payload"].update(severity="major"),
            "payload.severity",
            "critical, error, warning, info",
        ),
        (
            "pagerduty_trigger",
            lambda b: b["payload"].pop("severity"),
            "payload.severity",
            "missing",
        ),
        (
            "pagerduty_trigger",
            lambda b: b["payload"].update(timestamp="2015-07-17T08:42:58"),
            "payload.timestamp",
            "no timezone",
        ),
        (
            "pagerduty_trigger",
            lambda b: b["payload"].update(timestamp=1437122578),
            "payload.timestamp",
            "string",
        ),
        (
            "pagerduty_trigger",
            lambda b: b["payload"].update(component=3),
            "payload.component",
            "string",
        ),
        ("pagerduty_trigger", lambda b: b.update(dedup_key=7), "dedup_key", "string"),
        ("pagerduty_trigger", lambda b: b.update(dedup_key="k" * 256), "dedup_key", "255"),
        ("pagerduty_trigger", lambda b: b["links"][0].pop("href"), "links[0].href", "missing"),
        ("pagerduty_trigger", lambda b: b.update(links={}), "links", "array"),
        ("pagerduty_trigger", lambda b: b["images"][0].pop("src"), "images[0].src", "missing"),
        ("pagerduty_trigger", lambda b: b.update(routing_key=5), "routing_key", "string"),
        ("pagerduty_acknowledge", lambda b: b.pop("dedup_key"), "dedup_key", "required"),
        ("pagerduty_resolve", lambda b: b.update(dedup_key=""), "dedup_key", "required"),
    ],
)
def test_pagerduty_wrong_shapes_name_the_field(
    name: str, change: Any, field: str, words: str
) -> None:
    body = payload(name)
    change(body)
    refused = _refused("pagerduty", body)
    assert refused.field == field and words in refused.detail


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.pop("title"), "title"),
        (lambda b: b.update(title=""), "title"),
        (lambda b: b.update(status="open"), "status"),
        (lambda b: b.pop("status"), "status"),
        (lambda b: b.update(severity=2), "severity"),
        (lambda b: b.update(labels={"host": 1}), "labels.host"),
        (lambda b: b.update(url=["https://x.example"]), "url"),
    ],
)
def test_generic_wrong_shapes_name_the_field(change: Any, field: str) -> None:
    body = payload("generic_firing")
    change(body)
    assert _refused("generic", body).field == field


# -- what senders add is tolerated -----------------------------------------------


def test_unknown_extra_fields_are_tolerated() -> None:
    am = payload("alertmanager_firing")
    am["newTopLevel"] = {"anything": [1, 2]}
    am["alerts"][0]["newPerAlert"] = True
    assert parse("alertmanager", am)[0].key == "1a30ba71cca2921f"
    grafana = payload("grafana_firing")
    grafana["alerts"][0]["imageURL"] = "https://grafana.example/render/1.png"
    grafana["alerts"][0]["orgUnknown"] = 1
    first, _ = parse("grafana", grafana)
    assert ("image", "https://grafana.example/render/1.png") in first.links
    pd = payload("pagerduty_trigger")
    pd["payload"]["extra"] = "x"
    pd["new"] = 1
    assert parse("pagerduty", pd)[0].key == "srv01/mysql"
    generic = payload("generic_firing")
    generic["team"] = "storage"
    assert parse("generic", generic)[0].key == "backup-nightly-db1"


def test_null_optional_maps_and_fields_are_empty() -> None:
    body = payload("alertmanager_firing")
    body["alerts"][0]["annotations"] = None
    body["alerts"][0].pop("generatorURL")
    body["commonAnnotations"] = None
    [alert] = parse("alertmanager", body)
    assert alert.annotations == {} and alert.links == ()
    assert alert.summary == "ProbeFailure"  # no summary annotation: the alertname


# -- hostile text is data ----------------------------------------------------------

HOSTILE = (
    "[@click=app.quit]x[/]",
    "[/]",
    "[bold red]loud[/]",
    "\x1b]0;title\x07",
    "\x1b]52;c;AAAA\x07",
    "\x1b[31mred\x1b[0m",
    "a\x9bb\x85c",  # C1 bytes
    "abc\u202edcba\u202c",  # a bidi override
    "x" * 10240,
)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_are_kept_as_data_in_every_source(text: str) -> None:
    am = payload("alertmanager_firing")
    am["alerts"][0]["labels"]["team"] = text
    am["alerts"][0]["annotations"]["summary"] = text
    [alert] = parse("alertmanager", am)
    assert alert.labels["team"] == text and alert.summary == text
    pd = payload("pagerduty_trigger")
    pd["payload"]["summary"] = text
    pd["payload"]["component"] = text
    [alert] = parse("pagerduty", pd)
    assert alert.summary == text and alert.labels["component"] == text == alert.service_hint
    [alert] = parse("generic", {"title": text, "status": "firing", "labels": {"k": text}})
    assert alert.summary == text and alert.labels == {"k": text}


def test_the_hostile_sample_keeps_its_text_and_drops_its_links() -> None:
    [alert] = parse("alertmanager", payload("alertmanager_hostile"))
    assert alert.labels["alertname"] == "[@click=app.quit]x[/]"
    assert alert.labels["team"] == "\x1b]52;c;AAAA\x07ops"
    assert len(alert.labels["big"]) == 10240
    assert alert.links == ()  # javascript: generator and runbook links


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<b>x</b>",
        "ftp://files.example/x",
        "//no-scheme.example/x",
        "https://",
        "https://host.example/\x1b]8;;evil\x07",
        "https://host.example/a b",
        "relative/path",
    ],
)
def test_only_http_links_are_kept(url: str) -> None:
    am = payload("alertmanager_firing")
    am["alerts"][0]["generatorURL"] = url
    am["alerts"][0]["annotations"]["runbook_url"] = "HTTPS://runbooks.example/disk"
    [alert] = parse("alertmanager", am)
    assert alert.links == (("runbook", "HTTPS://runbooks.example/disk"),)
    [generic] = parse("generic", {"title": "t", "status": "firing", "url": url})
    assert generic.links == ()
    pd = payload("pagerduty_trigger")
    pd["links"] = [{"href": url, "text": "x"}]
    pd["client_url"] = url
    [paged] = parse("pagerduty", pd)
    assert paged.links == ()


# -- anything else is a BadPayload, never a crash ------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "firing", "4"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
SAMPLES = sorted(path.stem for path in PAYLOADS.glob("*.json"))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLES), st.integers(0, 10_000), JSON)
def test_any_change_to_a_documented_payload_parses_or_is_a_bad_payload(
    name: str, pick: int, value: Any
) -> None:
    body = payload(name)
    paths = _paths(body)
    path = paths[pick % len(paths)]
    if not path:
        body = value
    else:
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = value
    try:
        alerts = parse(name.split("_")[0], body)
    except BadPayload as refused:
        assert refused.field and refused.detail
        return
    for alert in alerts:
        assert alert.key and alert.summary and alert.status in ("firing", "resolved")
        assert all(url.lower().startswith(("http://", "https://")) for _, url in alert.links)
