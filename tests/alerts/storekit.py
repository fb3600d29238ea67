"""Alerts built by hand for the store and service tests (the payload parsers
have their own tests), decided by real rules: a real SQLite file on disk, a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import FIXED_NOW
from warroom.core.alerts.model import Alert, Ingested
from warroom.core.alerts.rules import AlertSettings, load_rules
from warroom.core.clock import FixedClock
from warroom.core.events import Event
from warroom.services import alerts as service
from warroom.store.sql.store import SQLStore

NOW = FIXED_NOW  # the root conftest's `clock`; `sql_store` is on it


RULES = load_rules(
    [
        (
            "storekit.toml",
            {"alert_rules": [{"name": "drop", "match": {"drop": "yes"}, "action": "drop"}]},
        )
    ]
)
"""The shipped defaults (critical declares SEV2, the rest to the inbox) after a drop rule."""
INBOX_RULES = load_rules(
    [("storekit.toml", {"alert_rules": [{"name": "inbox", "action": "inbox", "severity": 1}]})]
)
"""Everything to the inbox, as SEV1 when declared from there."""


def firing(
    key: str,
    starts_at: datetime | None = NOW - timedelta(minutes=3),
    group: str = "g1",
    severity: str = "critical",
    source: str = "alertmanager",
    **fields: Any,
) -> Alert:
    labels = {"alertname": "HighErrorRate", "service": "web-api", "severity": severity}
    labels.update(fields.pop("labels", {}))
    return Alert(
        source=source,
        key=key,
        status="firing",
        summary=fields.pop("summary", f"errors on {key}"),
        starts_at=starts_at,
        severity=severity,
        labels=labels,
        annotations=fields.pop("annotations", {"summary": f"errors on {key}"}),
        group=group,
        **fields,
    )


def resolved(alert: Alert, ends_at: datetime | None = None) -> Alert:
    from dataclasses import replace

    action = "resolve"
    return replace(alert, status="resolved", ends_at=ends_at, event_action=action)


def pagerduty(key: str, action: str = "trigger", severity: str = "critical") -> Alert:
    return Alert(
        source="pagerduty",
        key=key,
        status="resolved" if action == "resolve" else "firing",
        summary=f"disk full on {key}",
        severity=severity,
        labels={"severity": severity, "component": "db"},
        group=key,
        service_hint="db",
        event_action=action,
    )


def ingest(store: SQLStore, clock: FixedClock, *alerts: Alert, **options: Any) -> Ingested:
    return service.ingest(store, list(alerts), RULES, AlertSettings(), clock, **options)


def kinds(store: SQLStore, ref: str = "INC-1") -> list[str]:
    return [event.kind for event in store.events(store.resolve(ref))]


def of_kind(store: SQLStore, kind: str, ref: str = "INC-1") -> list[Event]:
    return [event for event in store.events(store.resolve(ref)) if event.kind == kind]
