"""The alert inbox of a store's own file (`LocalInbox`): list, get, ignore,
attach, declare from an alert (its group's inbox alerts go along), resolved
alerts leave the inbox, and `changed()` notices other processes' writes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.alerts.storekit import INBOX_RULES, NOW, firing, ingest, kinds, of_kind, resolved
from tests.sqlstores import reopen
from warroom.config import Settings
from warroom.core.alerts.model import Alert
from warroom.core.alerts.rules import AlertSettings
from warroom.core.clock import FixedClock
from warroom.core.errors import NotFound, Refused, UsageError
from warroom.core.runbook_library import load_library, shipped_folder
from warroom.services.alerts import LocalInbox, inbox_for
from warroom.store.base import AlertInbox, InboxSummary
from warroom.store.sql.store import SQLStore


@pytest.fixture
def inbox(sql_store: SQLStore, clock: FixedClock) -> LocalInbox:
    return LocalInbox(
        sql_store,
        INBOX_RULES,
        AlertSettings(),
        clock,
        runbooks=lambda: load_library([shipped_folder()]),
    )


def to_inbox(store: SQLStore, clock: FixedClock, *alerts: Alert) -> None:
    from warroom.services import alerts as service

    service.ingest(store, list(alerts), INBOX_RULES, AlertSettings(), clock)


def test_the_local_inbox_is_an_alert_inbox(inbox: LocalInbox) -> None:
    assert isinstance(inbox, AlertInbox)


def test_inbox_alerts_are_listed_newest_first_with_a_summary(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    old = firing("old", starts_at=NOW - timedelta(minutes=30), severity="warning")
    new = firing("new", starts_at=NOW - timedelta(minutes=1), group="g2")
    to_inbox(sql_store, clock, old, new)
    assert sql_store.incidents() == []
    listed = inbox.list()
    assert [r.key for r in listed] == ["new", "old"]
    assert all(r.state == "inbox" and r.incident_id is None for r in listed)
    assert inbox.summary() == InboxSummary(2, (listed[0].id,))
    assert inbox.get(listed[1].id[:6]).key == "old"
    assert [r.key for r in inbox.list(limit=1)] == ["new"]


def test_get_says_when_a_prefix_names_no_alert_or_several(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    to_inbox(sql_store, clock, *(firing(f"k{n}", group=f"g{n}") for n in range(40)))
    with pytest.raises(NotFound, match="more than one alert"):
        inbox.get(inbox.list()[0].id[:1])
    with pytest.raises(NotFound, match="no alert"):
        inbox.get("ffffffffffffffff0")
    with pytest.raises(NotFound, match="not an alert id"):
        inbox.get("INC-1")


def test_ignore_takes_an_alert_out_of_the_inbox(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    to_inbox(sql_store, clock, firing("a"))
    record = inbox.list()[0]
    ignored = inbox.ignore(record.id[:8], "dana")
    assert ignored.state == "ignored"
    assert inbox.list() == [] and inbox.summary().count == 0
    assert [r.state for r in inbox.list("all")] == ["ignored"]
    assert [r.state for r in inbox.list("ignored")] == ["ignored"]
    with pytest.raises(UsageError, match="unknown alert state 'gone'"):
        inbox.list("gone")
    assert sql_store.incidents() == []


def test_resolved_inbox_alerts_leave_the_inbox(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    alert = firing("a")
    to_inbox(sql_store, clock, alert)
    clock.advance(minutes=1)
    to_inbox(sql_store, clock, resolved(alert, NOW))
    assert inbox.list() == []
    assert [r.status for r in inbox.list("all")] == ["resolved"]


def test_declaring_from_an_alert_takes_its_group_along_and_attaches_the_runbook(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    group = [firing(f"db{n}", labels={"service": "orders-db"}) for n in range(3)]
    other = firing("web", group="g2")
    to_inbox(sql_store, clock, *group, other)
    clock.advance(minutes=2)
    chosen = next(r for r in inbox.list() if r.key == "db1")

    incident = inbox.declare(chosen.id[:10], "dana")

    assert incident.ref == "INC-1" and incident.declared_by == "dana"
    assert incident.title == "errors on db1" and incident.severity == 1  # the rule's SEV
    assert incident.service == "orders-db"
    assert incident.milestones["detected"] == NOW - timedelta(minutes=3)
    assert incident.runbooks and incident.runbooks[0]["name"].startswith("Database failover")
    fired = [e.data["alert"] for e in of_kind(sql_store, "alert_fired")]
    assert fired[0] == chosen.id and len(fired) == 3
    assert [r.key for r in inbox.list()] == ["web"]
    on_incident = inbox.list("all", incident="INC-1")
    assert sorted(r.key for r in on_incident) == ["db0", "db1", "db2"]
    # the group's next alert goes to the incident
    to_inbox(sql_store, clock, firing("db9", labels={"service": "orders-db"}))
    assert kinds(sql_store)[-1] == "alert_fired"


def test_declare_takes_a_severity_and_a_title_and_refuses_a_group_with_an_open_incident(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    to_inbox(sql_store, clock, firing("a"))
    incident = inbox.declare(inbox.list()[0].id, "dana", severity=3, title="web is slow")
    assert (incident.severity, incident.title) == (3, "web is slow")
    with pytest.raises(Refused, match="already on INC-1"):
        inbox.declare(inbox.list("all")[0].id, "dana")


def test_attach_records_the_alert_and_its_group_on_an_incident(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    ingest(sql_store, clock, firing("crit", group="other"))  # INC-1 (declared by rule)
    to_inbox(sql_store, clock, firing("a"), firing("b"))
    alert = next(r for r in inbox.list() if r.key == "a")
    with pytest.raises(NotFound):
        inbox.attach(alert.id, "INC-9", "dana")
    incident = inbox.attach(alert.id, "INC-1", "dana")
    assert incident.ref == "INC-1"
    assert inbox.list() == []
    fired = of_kind(sql_store, "alert_fired")
    assert [e.actor for e in fired] == ["alerts:alertmanager", "dana", "dana"]
    with pytest.raises(Refused, match="already on INC-1"):
        inbox.attach(alert.id, "INC-1", "dana")
    to_inbox(sql_store, clock, firing("c"))  # the group now goes to INC-1
    assert of_kind(sql_store, "alert_fired")[-1].actor == "alerts:alertmanager"


def test_changed_moves_when_another_connection_or_process_writes(
    inbox: LocalInbox, sql_store: SQLStore, clock: FixedClock
) -> None:
    before = inbox.changed()
    assert inbox.changed() == before  # nothing written: the same
    with reopen(sql_store) as other:
        to_inbox(other, clock, firing("a"))
    assert inbox.changed() != before
    assert inbox.summary().count == 1
    seen = inbox.changed()
    inbox.ignore(inbox.list()[0].id, "dana")  # this process, through the store's own pool
    assert inbox.changed() != seen and inbox.summary().count == 0


def test_inbox_for_a_file_is_the_local_inbox(sql_store: SQLStore, tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "warroom.db", db_is_default=False, user="dana")
    found = inbox_for(sql_store, settings)
    assert isinstance(found, LocalInbox) and found.list() == []
