"""Alerts are kept for the retention (30 days by default) after they resolve, then purged."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.storekit import NOW, firing, ingest, kinds, resolved
from warroom.core.alerts.rules import AlertSettings
from warroom.core.clock import FixedClock
from warroom.services import alerts as service
from warroom.store.sql.store import SQLStore


def test_purge_deletes_alerts_resolved_longer_than_the_retention_ago(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    old, recent, still = firing("old"), firing("recent"), firing("still", severity="warning")
    ingest(sql_store, clock, old, recent, still)
    clock.advance(minutes=5)
    ingest(sql_store, clock, resolved(old, NOW + timedelta(minutes=4)))
    clock.advance(days=10)
    ingest(sql_store, clock, resolved(recent, clock.now()))
    timeline = kinds(sql_store)

    clock.advance(days=20, minutes=3)  # old: resolved 30 days 4 min ago; recent: 20 days
    assert service.purge(sql_store, clock.now()) == 1
    assert sorted(r.key for r in sql_store.alert_rows("all")) == ["recent", "still"]
    assert kinds(sql_store) == timeline  # the timeline keeps its events

    assert service.purge(sql_store, clock.now(), AlertSettings(retention=timedelta(days=5))) == 1
    assert [r.key for r in sql_store.alert_rows("all")] == ["still"]
    assert service.purge(sql_store, clock.now() + timedelta(days=400)) == 0  # firing: kept


def test_an_alert_resolved_long_ago_by_the_senders_clock_is_kept_the_retention_from_arrival(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    late = firing("late")
    ingest(sql_store, clock, late)
    # The resolve says the alert ended 90 days ago (a sender's wrong clock, a
    # resend of an old resolve): it is kept 30 days from when warroom learnt it.
    ingest(sql_store, clock, resolved(late, NOW - timedelta(days=90)))
    assert service.purge(sql_store, clock.now()) == 0
    assert [r.key for r in sql_store.alert_rows("all")] == ["late"]
    clock.advance(days=30, minutes=1)
    assert service.purge(sql_store, clock.now()) == 1
