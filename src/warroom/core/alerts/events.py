"""The timeline events an alert makes, as data ready for `check_data`: an
alert instance fired on an incident, resolved, and a minute of a group's
hidden alerts summarized.  Values over the event limits are cut here (with
"…"), so a 10 kB label never makes an event too large; the alerts table keeps
them whole.  Event ids come from their cause, so a retried request makes the
same event (the store's idempotence absorbs it).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.kinds.alerts import (
    ANNOTATION_VALUE_MAX,
    GROUP_MAX,
    LABEL_VALUE_MAX,
    LINKS_MAX,
    SUMMARY_MAX,
    cut,
    cut_map,
)
from warroom.core.kinds.base import NAME_MAX, URL_MAX
from warroom.core.text import is_web_link
from warroom.core.times import format_time

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord

# uuid5 namespace of alert events' ids (fixed: ids must be the same everywhere)
_NAMESPACE = uuid.UUID("7c1d4d2e-5b7a-4f4e-9d53-1b0c6a0e7a12")
REFIRED_SECONDS = 30.0  # how long a face shows `refired_notice` (a notification)


def alert_event_id(cause: str, kind: str) -> str:
    """The id of the `kind` event caused by `cause` (an alert id, or group and
    minute): the same for the same cause, so a retry stores nothing twice."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}\x00{cause}"))


def minute_of(moment: datetime) -> str:
    """The minute a bucket of alerts is counted in: `2026-12-05T07:14Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def fired_data(record: AlertRecord, after_resolution: bool = False) -> dict[str, Any]:
    """`alert_fired` data for one alert instance."""
    data: dict[str, Any] = {
        "alert": record.id,
        "source": record.source,
        "summary": _summary(record),
        "group": cut(record.group_key, GROUP_MAX),
        "starts_at": format_time(record.starts_at),
        "labels": cut_map(record.labels, LABEL_VALUE_MAX),
        "annotations": cut_map(record.annotations, ANNOTATION_VALUE_MAX),
        "links": [
            {"url": url, "label": cut(label, NAME_MAX)}
            for label, url in record.links
            if len(url) <= URL_MAX and is_web_link(url)
        ][:LINKS_MAX],
        "after_resolution": after_resolution,
    }
    if record.severity.strip():
        data["severity"] = cut(record.severity.strip(), NAME_MAX)
    if record.service and record.service.strip():
        data["service"] = cut(record.service.strip(), NAME_MAX)
    return data


def resolved_data(record: AlertRecord, ends_at: datetime | None = None) -> dict[str, Any]:
    """`alert_resolved` data: the instance ended at `ends_at` (else its own ends_at)."""
    end = ends_at or record.ends_at
    if end is None:
        raise ValueError("a resolved alert needs its end time")
    return {"alert": record.id, "summary": _summary(record), "ends_at": format_time(end)}


def summarized_data(group_key: str, minute: str, fired: int, resolved: int) -> dict[str, Any]:
    """`alerts_summarized` data for one group's hidden alerts of one minute (`minute_of`)."""
    return {
        "group": cut(group_key, GROUP_MAX),
        "minute": minute,
        "fired": fired,
        "resolved": resolved,
    }


def fired_again(event: Event) -> bool:
    """An `alert_fired` recorded on an incident after its resolution, within
    the reopen window (it stands out in a room, and its lead is told)."""
    return event.kind == "alert_fired" and event.data.get("after_resolution") is True


def refired_notice(incident: Incident, event: Event) -> str | None:
    """What a room tells its people, its lead first, when an alert of its
    group fires again within the reopen window after the incident was
    resolved (an `alert_fired` with `after_resolution`); None for any other
    event.  Untrusted text: shown cleaned, never as markup."""
    if not fired_again(event):
        return None
    lead = incident.lead
    who = f"lead {lead}" if lead else "no lead assigned"
    summary = event.data.get("summary") or "an alert"
    return f"{incident.ref} ({who}) was {incident.status}, and its alerts fire again: {summary}"


def _summary(record: AlertRecord) -> str:
    return cut(record.summary.strip() or f"alert {record.key}", SUMMARY_MAX)
