"""An alert as warroom knows it: `Alert` is one alert as a source sent it,
read into one shape; `AlertRecord` is an alert instance as the store keeps it;
`Decision` is what the rules decided for an alert; `Ingested` is what one
payload did.  Pure data: no store, no web framework."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATUSES: tuple[str, ...] = ("firing", "resolved")
STATES: tuple[str, ...] = ("inbox", "incident", "ignored")
ACTIONS: tuple[str, ...] = ("declare", "inbox", "drop")  # what a rule may decide
ALERT_ID_LENGTH = 16  # hex characters of an alert instance's id


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert as a source sent it, read into one shape (`warroom.core.alerts.sources`).

    `starts_at` is None when the source gives no start (PagerDuty, generic):
    the instance then starts when warroom first sees it firing.  `event_action`
    is PagerDuty's trigger / acknowledge / resolve; the other sources give
    "trigger" for firing and "resolve" for resolved.  Every string is as sent
    (untrusted: shown only through the text-safety helpers).
    """

    source: str
    # fingerprint (Alertmanager, Grafana), dedup_key (PagerDuty), generic fingerprint or hash
    key: str
    status: str  # "firing" | "resolved"
    summary: str  # the one line to show: annotations.summary, title, payload.summary, alertname
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    description: str = ""
    severity: str = ""  # the source's own word (labels.severity, payload.severity), lowercased
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    group: str = ""  # the source's own grouping: groupKey, dedup_key; "" when none
    links: tuple[tuple[str, str], ...] = ()  # (label, url); http(s) only
    service_hint: str = ""  # a service named outside the labels (PagerDuty component/source)
    event_action: str = "trigger"  # "trigger" | "acknowledge" | "resolve"
    extra: Mapping[str, Any] = field(default_factory=dict)  # source-specific fields kept as sent


@dataclass(frozen=True, slots=True)
class Decision:
    """What the first matching rule decided for one alert."""

    action: str  # "declare" | "inbox" | "drop"
    severity: int  # the SEV level an incident declared from it gets
    service: str | None
    group_key: str  # alerts with the same group key go to one incident
    rule: str  # which rule matched: its name, or "file:index"


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert instance as the store keeps it: (source, key, starts_at) is
    its identity and `id` is derived from it (`alert_id`)."""

    id: str
    source: str
    key: str
    starts_at: datetime
    status: str  # "firing" | "resolved"
    state: str  # "inbox" | "incident" | "ignored"
    summary: str
    group_key: str
    first_seen: datetime
    last_seen: datetime
    repeats: int = 0  # re-sent firings after the first
    ends_at: datetime | None = None
    severity: str = ""
    service: str | None = None
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    links: tuple[tuple[str, str], ...] = ()
    incident_id: str | None = None
    acknowledged: bool = False
    rule: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Ingested:
    """What one payload did: how many alerts it held, the incidents they went
    to (INC refs, in order, each once), and PagerDuty's dedup_key."""

    accepted: int = 0
    incidents: list[str] = field(default_factory=list)
    dedup_key: str | None = None


def alert_id(source: str, key: str, starts_at: datetime) -> str:
    """The id of the instance (source, key, starts_at): the same wherever it is computed."""
    moment = starts_at.isoformat()
    digest = hashlib.sha256(f"{source}\x00{key}\x00{moment}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:ALERT_ID_LENGTH]
