"""Prometheus Alertmanager's webhook body, version "4" (`webhook_config`):

    {"version": "4", "groupKey": str, "truncatedAlerts": int, "status": "firing"|"resolved",
     "receiver": str, "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
     "externalURL": str,
     "alerts": [{"status", "labels", "annotations", "startsAt", "endsAt",
                 "generatorURL", "fingerprint"}]}

One `Alert` per entry of `alerts`: key = fingerprint, group = groupKey, a
firing alert's endsAt (Go's zero time, 0001-01-01T00:00:00Z) is None.
Grafana's webhook is this shape plus its own fields (`grafana`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warroom.core.alerts.errors import BadPayload
from warroom.core.alerts.model import STATUSES, Alert
from warroom.core.alerts.sources import shape

VERSION = "4"

# The extra fields a source reads from each alert (Grafana's values, silenceURL...):
# (the alert's JSON object, where it is) -> (extra fields, extra links).
AlertExtra = Callable[[Mapping[str, Any], str], tuple[dict[str, Any], list[tuple[str, str | None]]]]


def parse(payload: Any) -> list[Alert]:
    """The alerts of one Alertmanager notification."""
    body = shape.obj(payload, "body")
    version = shape.text(body, "version", "")
    if version != VERSION:
        raise BadPayload(
            f'must be "{VERSION}" (the Alertmanager webhook version warroom reads), '
            f"not {str(version)[:20]!r}",
            "version",
        )
    return read_group(body, "alertmanager")


def read_group(
    body: Mapping[str, Any], source: str, extra: AlertExtra | None = None
) -> list[Alert]:
    """The alerts of an Alertmanager-shaped notification (Alertmanager, Grafana)."""
    group = shape.text(body, "groupKey", "")
    assert group is not None
    shape.choice(body, "status", "", STATUSES)
    shape.text(body, "receiver", "", required=False)
    shape.text(body, "externalURL", "", required=False)
    shape.count(body, "truncatedAlerts", "")
    for name in ("groupLabels", "commonLabels", "commonAnnotations"):
        shape.str_map(body, name, "")
    entries = shape.items(body, "alerts", "")
    return [
        read_alert(shape.obj(entry, f"alerts[{index}]"), f"alerts[{index}]", source, group, extra)
        for index, entry in enumerate(entries)
    ]


def read_alert(
    entry: Mapping[str, Any], where: str, source: str, group: str, extra: AlertExtra | None
) -> Alert:
    status = shape.choice(entry, "status", where, STATUSES)
    labels = shape.str_map(entry, "labels", where, required=True)
    annotations = shape.str_map(entry, "annotations", where)
    starts_at = shape.moment(entry, "startsAt", where)
    ends_at = shape.moment(entry, "endsAt", where, required=False)
    generator = shape.text(entry, "generatorURL", where, required=False)
    key = shape.text(entry, "fingerprint", where, empty=False)
    assert key is not None
    fields, links = extra(entry, where) if extra is not None else ({}, [])
    summary = (
        annotations.get("summary")
        or annotations.get("title")
        or labels.get("alertname")
        or f"alert {key}"
    )
    return Alert(
        source=source,
        key=key,
        status=status,
        summary=summary,
        starts_at=starts_at,
        ends_at=ends_at if status == "resolved" else None,
        description=annotations.get("description") or annotations.get("message") or "",
        severity=labels.get("severity", "").strip().lower(),
        labels=labels,
        annotations=annotations,
        group=group,
        links=shape.web_links(
            ("source", generator), ("runbook", annotations.get("runbook_url")), *links
        ),
        event_action="trigger" if status == "firing" else "resolve",
        extra=fields,
    )
