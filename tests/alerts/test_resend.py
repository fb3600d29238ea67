"""Alertmanager sends the whole group at every group interval: bodies that
are mostly alerts sent before.  What a re-sent alert does (a repeat counted,
its last-seen time, nothing else) is the same wherever it stands in a body:
before new alerts, twice in one body, before its own resolution, waiting in
the inbox, or in a request of a transaction that fails.  Through the service
on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.storekit import (
    INBOX_RULES,
    NOW,
    RULES,
    firing,
    ingest,
    kinds,
    of_kind,
    resolved,
)
from tests.alerts.test_transaction import failing
from tests.sqlstores import sql_rows
from warroom.core.alerts.rules import AlertSettings
from warroom.core.clock import FixedClock
from warroom.services import alerts as service
from warroom.services.alerts import ingest_request
from warroom.store.sql.store import SQLStore


def by_key(store: SQLStore) -> dict[str, tuple[str, int, object, str | None]]:
    """Each instance by key: (status, repeats, last_seen, incident ref)."""
    refs = {incident.id: incident.ref for incident in store.incidents(include_closed=True)}
    return {
        record.key: (record.status, record.repeats, record.last_seen, refs.get(record.incident_id))
        for record in store.alert_rows("all", limit=1000)
    }


def test_the_whole_group_re_sent_counts_repeats_and_adds_only_the_new_alerts(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    first = [firing(f"k{n}") for n in range(3)]
    ingest(sql_store, clock, *first)
    clock.advance(minutes=1)
    result = ingest(sql_store, clock, *first, firing("k3"), *first[:1])  # k0 twice
    assert result.accepted == 5 and result.incidents == ["INC-1"]
    later = NOW + timedelta(minutes=1)
    assert by_key(sql_store) == {
        "k0": ("firing", 2, later, "INC-1"),
        "k1": ("firing", 1, later, "INC-1"),
        "k2": ("firing", 1, later, "INC-1"),
        "k3": ("firing", 0, later, "INC-1"),
    }
    assert kinds(sql_store) == ["declared", *["alert_fired"] * 4]
    [record] = [r for r in sql_store.alert_rows("all") if r.key == "k1"]
    assert record.first_seen == NOW and record.labels["alertname"] == "HighErrorRate"


def test_an_alert_re_sent_then_resolved_in_one_body_counts_its_repeat_and_resolves(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    alert = firing("fp1")
    ingest(sql_store, clock, alert, firing("fp2"))
    clock.advance(minutes=2)
    ends = NOW + timedelta(minutes=1)
    ingest(sql_store, clock, alert, firing("fp2"), resolved(alert, ends_at=ends), alert)
    later = NOW + timedelta(minutes=2)
    records = by_key(sql_store)
    # the firing after the resolution: a late firing of a resolved instance, counted
    assert records["fp1"] == ("resolved", 2, later, "INC-1")
    assert records["fp2"] == ("firing", 1, later, "INC-1")
    assert kinds(sql_store) == ["declared", "alert_fired", "alert_fired", "alert_resolved"]
    assert of_kind(sql_store, "alert_resolved")[0].occurred_at == ends


def test_re_sent_inbox_alerts_count_repeats_and_go_along_when_their_group_declares(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    waiting = [firing(f"w{n}", severity="warning") for n in range(2)]
    ingest(sql_store, clock, *waiting)
    assert sql_store.incidents() == [] and len(sql_store.alert_rows("inbox")) == 2
    clock.advance(minutes=1)
    ingest(sql_store, clock, *waiting)  # re-sent while waiting in the inbox
    clock.advance(minutes=1)
    result = ingest(sql_store, clock, *waiting, firing("c1"))  # a critical one declares
    assert result.incidents == ["INC-1"]
    records = by_key(sql_store)
    assert records["w0"] == ("firing", 2, NOW + timedelta(minutes=2), "INC-1")
    assert records["w1"] == ("firing", 2, NOW + timedelta(minutes=2), "INC-1")
    assert records["c1"] == ("firing", 0, NOW + timedelta(minutes=2), "INC-1")
    assert sql_store.alert_rows("inbox") == []
    assert kinds(sql_store) == ["declared", "alert_fired", "alert_fired", "alert_fired"]


def test_re_sent_alerts_of_a_request_that_fails_count_nothing(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    alerts = [firing(f"k{n}") for n in range(3)]
    ingest(sql_store, clock, *alerts)
    clock.advance(minutes=1)
    results = sql_store.alert_requests(
        [
            failing(*alerts, firing("k9")),
            ingest_request(alerts[:1], RULES, AlertSettings()),
        ],
        clock.now(),
    )
    assert isinstance(results[0], RuntimeError)
    records = by_key(sql_store)
    assert "k9" not in records
    assert records["k0"] == ("firing", 1, NOW + timedelta(minutes=1), "INC-1")
    assert records["k1"] == ("firing", 0, NOW, "INC-1")
    assert sql_rows(sql_store, "SELECT sum(repeats) FROM alerts") == [(1,)]


def test_re_sent_ignored_alerts_count_repeats_and_stay_ignored(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    alert = firing("noise", severity="warning")
    service.ingest(sql_store, [alert], INBOX_RULES, AlertSettings(), clock)
    inbox = service.LocalInbox(sql_store, INBOX_RULES, clock=clock)
    inbox.ignore(sql_store.alert_rows("all")[0].id, "dana")
    clock.advance(minutes=1)
    result = service.ingest(sql_store, [alert, alert], INBOX_RULES, AlertSettings(), clock)
    assert result.incidents == []
    [record] = sql_store.alert_rows("all")
    assert (record.state, record.repeats, record.last_seen) == (
        "ignored",
        2,
        NOW + timedelta(minutes=1),
    )
    assert sql_store.incidents() == []
