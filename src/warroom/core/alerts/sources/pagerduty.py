"""PagerDuty's Events API v2 body (`POST /v2/enqueue`):

    {"routing_key": str, "event_action": "trigger"|"acknowledge"|"resolve",
     "dedup_key": str,
     "payload": {"summary", "source", "severity": critical|error|warning|info,
                 "timestamp", "component", "group", "class", "custom_details"},
     "links": [{"href", "text"}], "images": [{"src", "href", "alt"}],
     "client": str, "client_url": str}

One `Alert` per event: key and group = dedup_key (a trigger without one gets a
new one, uuid4 hex, as PagerDuty does; `Alert.key` is the one to return);
labels = the payload's severity, source, component, group and class;
service_hint = component, else source.  starts_at is None: the instance
starts when warroom first sees it (a re-sent trigger has a new timestamp);
the payload's `timestamp` is kept in `extra["timestamp"]` (UTC ISO text).
The routing_key is a credential: it is read (the server's token), never kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from warroom.core.alerts.errors import BadPayload
from warroom.core.alerts.model import Alert
from warroom.core.alerts.sources import shape
from warroom.core.times import format_time

ACTIONS: tuple[str, ...] = ("trigger", "acknowledge", "resolve")
SEVERITIES: tuple[str, ...] = ("critical", "error", "warning", "info")
DEDUP_KEY_MAX = 255  # PagerDuty's own limit
_LABELS = ("severity", "source", "component", "group", "class")


def parse(payload: Any) -> list[Alert]:
    """The one alert event of a PagerDuty Events API v2 body."""
    body = shape.obj(payload, "body")
    shape.text(body, "routing_key", "", required=False)
    action = shape.choice(body, "event_action", "", ACTIONS)
    dedup_key = shape.text(body, "dedup_key", "", required=False) or ""
    if len(dedup_key) > DEDUP_KEY_MAX:
        raise BadPayload(f"is longer than {DEDUP_KEY_MAX} characters", "dedup_key")
    if action != "trigger":
        if not dedup_key.strip():
            raise BadPayload(f"is required to {action} an alert", "dedup_key")
        return [
            Alert(
                source="pagerduty",
                key=dedup_key,
                status="resolved" if action == "resolve" else "firing",
                summary=dedup_key,
                group=dedup_key,
                event_action=action,
            )
        ]
    return [_trigger(body, (dedup_key.strip() and dedup_key) or uuid.uuid4().hex)]


def _trigger(body: Mapping[str, Any], dedup_key: str) -> Alert:
    if "payload" not in body:
        raise BadPayload("is required to trigger an alert", "payload")
    event = shape.obj(body["payload"], "payload")
    summary = shape.text(event, "summary", "payload", empty=False)
    source = shape.text(event, "source", "payload", empty=False)
    severity = shape.choice(event, "severity", "payload", SEVERITIES)
    assert summary is not None and source is not None
    labels = {"severity": severity, "source": source}
    for name in _LABELS[2:]:
        value = shape.text(event, name, "payload", required=False)
        if value:
            labels[name] = value
    extra: dict[str, Any] = {}
    timestamp = shape.moment(event, "timestamp", "payload", required=False)
    if timestamp is not None:
        extra["timestamp"] = format_time(timestamp)
    if event.get("custom_details") is not None:
        extra["custom_details"] = event["custom_details"]
    client = shape.text(body, "client", "", required=False)
    client_url = shape.text(body, "client_url", "", required=False)
    if client:
        extra["client"] = client
    links = _links(body)
    images = _images(body)
    if images:
        extra["images"] = images
    return Alert(
        source="pagerduty",
        key=dedup_key,
        status="firing",
        summary=summary,
        description=_details_text(event.get("custom_details")),
        severity=severity,
        labels=labels,
        group=dedup_key,
        links=shape.web_links(*links, (client or "client", client_url)),
        service_hint=labels.get("component") or source,
        event_action="trigger",
        extra=extra,
    )


def _links(body: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    if body.get("links") is None:
        return []
    found = []
    for index, entry in enumerate(shape.items(body, "links", "")):
        where = f"links[{index}]"
        link = shape.obj(entry, where)
        href = shape.text(link, "href", where)
        label = shape.text(link, "text", where, required=False)
        found.append((label or "link", href))
    return found


def _images(body: Mapping[str, Any]) -> list[dict[str, str]]:
    if body.get("images") is None:
        return []
    kept = []
    for index, entry in enumerate(shape.items(body, "images", "")):
        where = f"images[{index}]"
        image = shape.obj(entry, where)
        item = {"src": shape.text(image, "src", where) or ""}
        for name in ("href", "alt"):
            value = shape.text(image, name, where, required=False)
            if value:
                item[name] = value
        kept.append(item)
    return kept


def _details_text(details: Any) -> str:
    """custom_details given as text is the alert's description (an object stays in extra)."""
    return details if isinstance(details, str) else ""
