"""What alerts do to incidents, through the service on a real SQLite file:
declare, group, dedup, re-fire, out-of-order, reopen window, PagerDuty."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.storekit import NOW, firing, ingest, kinds, of_kind, pagerduty, resolved
from warroom.core.clock import FixedClock
from warroom.services.incidents import write
from warroom.store.sql.store import SQLStore


def test_a_critical_alert_declares_an_incident_with_its_links_and_detected_time(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    alert = firing(
        "fp1",
        summary="High error rate on web-api",
        links=(("generator", "http://prom:9090/graph?g0"), ("bad", "javascript:alert(1)")),
    )
    result = ingest(sql_store, clock, alert)

    assert result.accepted == 1 and result.incidents == ["INC-1"]
    incident = sql_store.incident(sql_store.resolve("INC-1"))
    assert incident.title == "High error rate on web-api"
    assert incident.severity == 2 and incident.service == "web-api"
    assert incident.declared_by == "alerts:alertmanager"
    assert incident.milestones["detected"] == NOW - timedelta(minutes=3)
    assert [link.url for link in incident.links] == ["http://prom:9090/graph?g0"]
    assert kinds(sql_store) == ["declared", "link_added", "alert_fired"]
    fired = of_kind(sql_store, "alert_fired")[0]
    assert fired.data["alert"] == sql_store.alert_rows("all")[0].id
    assert fired.data["labels"]["alertname"] == "HighErrorRate"
    assert fired.occurred_at == NOW - timedelta(minutes=3)
    [record] = sql_store.alert_rows("all")
    assert record.state == "incident" and record.incident_id == incident.id
    assert sql_store.alert_rows("inbox") == []


def test_the_detected_time_is_clamped_into_the_back_dating_window(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    ingest(sql_store, clock, firing("old", starts_at=NOW - timedelta(days=90)))
    ingest(sql_store, clock, firing("future", starts_at=NOW + timedelta(hours=2), group="g2"))
    first = sql_store.incident(sql_store.resolve("INC-1"))
    window = sql_store.catalog.backdate_window
    assert first.milestones["detected"] == NOW - window + timedelta(minutes=1)
    assert sql_store.incident(sql_store.resolve("INC-2")).milestones["detected"] == NOW


def test_alerts_of_one_group_go_to_one_incident(sql_store: SQLStore, clock: FixedClock) -> None:
    ingest(sql_store, clock, firing("a"), firing("b"))
    clock.advance(minutes=5)
    result = ingest(sql_store, clock, firing("c", severity="warning"))  # inbox rule, open group
    assert result.incidents == ["INC-1"]
    assert len(sql_store.incidents()) == 1
    assert [e.data["alert"] for e in of_kind(sql_store, "alert_fired")] == [
        r.id for r in sorted(sql_store.alert_rows("all"), key=lambda r: r.key)
    ]


def test_a_re_sent_firing_counts_a_repeat_and_makes_no_event(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    ingest(sql_store, clock, firing("fp1"))
    clock.advance(minutes=4)
    result = ingest(sql_store, clock, firing("fp1"))
    assert result.incidents == ["INC-1"]
    assert kinds(sql_store) == ["declared", "alert_fired"]
    [record] = sql_store.alert_rows("all")
    assert record.repeats == 1 and record.last_seen == NOW + timedelta(minutes=4)
    assert record.first_seen == NOW


def test_a_firing_after_its_resolution_is_a_new_instance(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    first = firing("fp1")
    ingest(sql_store, clock, first)
    clock.advance(minutes=2)
    ingest(sql_store, clock, resolved(first, ends_at=NOW + timedelta(minutes=1)))
    clock.advance(minutes=2)
    ingest(sql_store, clock, firing("fp1", starts_at=NOW + timedelta(minutes=3)))
    assert kinds(sql_store) == ["declared", "alert_fired", "alert_resolved", "alert_fired"]
    instances = sql_store.alert_rows("all")
    assert [(r.status, r.starts_at) for r in instances] == [
        ("firing", NOW + timedelta(minutes=3)),
        ("resolved", NOW - timedelta(minutes=3)),
    ]
    assert of_kind(sql_store, "alert_resolved")[0].occurred_at == NOW + timedelta(minutes=1)
    assert len(sql_store.incidents()) == 1


def test_a_resolution_arriving_before_its_firing_shows_nothing(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    alert = firing("fp1")
    ingest(sql_store, clock, resolved(alert, ends_at=NOW - timedelta(minutes=1)))
    clock.advance(seconds=5)
    ingest(sql_store, clock, alert)  # the late firing of the same instance
    assert sql_store.incidents() == []
    [record] = sql_store.alert_rows("all")
    assert record.status == "resolved" and record.ends_at == NOW - timedelta(minutes=1)
    assert sql_store.alert_rows("inbox") == []


def test_instances_are_ordered_by_their_start_not_by_arrival(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    """Alertmanager's batch brings the new firing (started later) before the
    old instance's resolution: each goes to its own instance."""
    old = firing("fp1", starts_at=NOW - timedelta(minutes=10))
    ingest(sql_store, clock, old)
    clock.advance(minutes=1)
    new = firing("fp1", starts_at=NOW - timedelta(minutes=2))
    ingest(sql_store, clock, new, resolved(old, ends_at=NOW - timedelta(minutes=3)))
    by_start = {r.starts_at: r for r in sql_store.alert_rows("all")}
    assert by_start[old.starts_at].status == "resolved"
    assert by_start[new.starts_at].status == "firing"
    assert kinds(sql_store) == ["declared", "alert_fired", "alert_fired", "alert_resolved"]


def resolve_incident(sql_store: SQLStore, clock: FixedClock) -> None:
    incident = sql_store.resolve("INC-1")
    write(sql_store, incident, "status_changed", "dana", {"to": "resolved"}, clock)


def test_a_group_firing_again_within_the_reopen_window_goes_to_its_resolved_incident(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    ingest(sql_store, clock, firing("a"))
    clock.advance(minutes=5)
    resolve_incident(sql_store, clock)
    clock.advance(minutes=50)
    result = ingest(sql_store, clock, firing("b", starts_at=clock.now()))
    assert result.incidents == ["INC-1"] and len(sql_store.incidents(include_closed=True)) == 1
    again = of_kind(sql_store, "alert_fired")[-1]
    assert again.data["after_resolution"] is True
    assert sql_store.incident(sql_store.resolve("INC-1")).status == "resolved"


def test_a_group_firing_after_the_reopen_window_declares_a_new_incident_that_follows_the_old(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    ingest(sql_store, clock, firing("a"))
    clock.advance(minutes=5)
    resolve_incident(sql_store, clock)
    clock.advance(minutes=61)
    result = ingest(sql_store, clock, firing("b", starts_at=clock.now()))
    assert result.incidents == ["INC-2"]
    assert kinds(sql_store, "INC-2") == ["declared", "note", "alert_fired"]
    assert of_kind(sql_store, "note", "INC-2")[0].data["text"].startswith("follows INC-1")
    clock.advance(minutes=1)
    ingest(sql_store, clock, firing("c", starts_at=clock.now()))
    assert kinds(sql_store, "INC-2")[-1] == "alert_fired"
    assert kinds(sql_store, "INC-1")[-1] == "status_changed"


def test_a_dropped_alert_stores_nothing(sql_store: SQLStore, clock: FixedClock) -> None:
    result = ingest(sql_store, clock, firing("x", labels={"drop": "yes"}))
    assert result.accepted == 1 and result.incidents == []
    assert sql_store.alert_rows("all") == [] and sql_store.incidents() == []


def test_pagerduty_trigger_repeat_acknowledge_resolve_and_trigger_again(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    result = ingest(sql_store, clock, pagerduty("disk-1"))
    assert result.dedup_key == "disk-1" and result.incidents == ["INC-1"]
    clock.advance(seconds=30)
    ingest(sql_store, clock, pagerduty("disk-1"))
    ingest(sql_store, clock, pagerduty("disk-1", "acknowledge"))
    [record] = sql_store.alert_rows("all")
    assert record.repeats == 1 and record.acknowledged and record.status == "firing"
    assert record.starts_at == NOW
    assert kinds(sql_store) == ["declared", "alert_fired"]
    clock.advance(seconds=30)
    ingest(sql_store, clock, pagerduty("disk-1", "resolve"))
    assert kinds(sql_store) == ["declared", "alert_fired", "alert_resolved"]
    clock.advance(seconds=30)
    ingest(sql_store, clock, pagerduty("disk-1"))
    assert kinds(sql_store) == ["declared", "alert_fired", "alert_resolved", "alert_fired"]
    assert [r.status for r in sql_store.alert_rows("all")] == ["firing", "resolved"]


def test_an_acknowledge_without_a_firing_alert_changes_nothing(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    result = ingest(sql_store, clock, pagerduty("nothing", "acknowledge"))
    assert result.accepted == 1 and sql_store.alert_rows("all") == []
