"""Alert records and ingest answers on the wire: the JSON the server's alert
endpoints answer and the http store reads back (`GET /api/v1/alerts`, the
declare / attach / ignore answers, an ingest's answer).

One field per `AlertRecord` field, with the same name; times ISO-8601 UTC
with a `Z` (`core.times`); links as `[{"url", "label"}]`, as the `alert_fired`
event has them.  Reading is strict about types and names the field that is
wrong (ValueError); unknown fields are ignored (a newer server may add some).
Pure: no store, no web framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from warroom.core.alerts.model import AlertRecord, Ingested
from warroom.core.times import format_time, parse_wire_time


def record_to_json(record: AlertRecord) -> dict[str, Any]:
    """An alert record as JSON (the inverse of `record_from_json`)."""
    return {
        "id": record.id,
        "source": record.source,
        "key": record.key,
        "starts_at": format_time(record.starts_at),
        "ends_at": format_time(record.ends_at) if record.ends_at else None,
        "status": record.status,
        "state": record.state,
        "summary": record.summary,
        "description": record.description,
        "severity": record.severity,
        "service": record.service,
        "group_key": record.group_key,
        "first_seen": format_time(record.first_seen),
        "last_seen": format_time(record.last_seen),
        "repeats": record.repeats,
        "labels": dict(record.labels),
        "annotations": dict(record.annotations),
        "links": [{"url": url, "label": label} for label, url in record.links],
        "incident_id": record.incident_id,
        "acknowledged": record.acknowledged,
        "rule": record.rule,
        "extra": dict(record.extra),
    }


def record_from_json(raw: Any) -> AlertRecord:
    """An alert record from its JSON; ValueError naming the field when it is
    not shaped as `record_to_json` makes it."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"an alert record is a JSON object, not {_kind(raw)}")
    read = _Reader(raw)
    return AlertRecord(
        id=read.text("id"),
        source=read.text("source"),
        key=read.text("key"),
        starts_at=read.time("starts_at"),
        ends_at=read.time_or_none("ends_at"),
        status=read.text("status"),
        state=read.text("state"),
        summary=read.text("summary"),
        description=read.text("description", ""),
        severity=read.text("severity", ""),
        service=read.text_or_none("service"),
        group_key=read.text("group_key"),
        first_seen=read.time("first_seen"),
        last_seen=read.time("last_seen"),
        repeats=read.number("repeats", 0),
        labels=read.text_map("labels"),
        annotations=read.text_map("annotations"),
        links=read.links("links"),
        incident_id=read.text_or_none("incident_id"),
        acknowledged=read.flag("acknowledged"),
        rule=read.text("rule", ""),
        extra=read.mapping("extra"),
    )


def records_from_json(raw: Any) -> list[AlertRecord]:
    """A JSON list of alert records (an inbox answer); ValueError naming the
    record and field that are wrong."""
    if not isinstance(raw, list):
        raise ValueError(f"alert records come as a JSON list, not {_kind(raw)}")
    records = []
    for index, item in enumerate(raw):
        try:
            records.append(record_from_json(item))
        except ValueError as error:
            raise ValueError(f"alert record [{index}]: {error}") from None
    return records


def ingested_to_json(ingested: Ingested) -> dict[str, Any]:
    """What one payload did, as the ingest endpoints answer it: `accepted`,
    `incidents` (INC refs), and `dedup_key` when PagerDuty's event has one."""
    answer: dict[str, Any] = {"accepted": ingested.accepted, "incidents": list(ingested.incidents)}
    if ingested.dedup_key is not None:
        answer["dedup_key"] = ingested.dedup_key
    return answer


def ingested_from_json(raw: Any) -> Ingested:
    """An ingest answer read back.  PagerDuty's own answer shape (`status`,
    `message`, `dedup_key`, without `accepted`) counts as one event accepted."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"an ingest answer is a JSON object, not {_kind(raw)}")
    read = _Reader(raw)
    dedup_key = read.text_or_none("dedup_key")
    default = 1 if "accepted" not in raw and raw.get("status") == "success" else 0
    incidents = raw.get("incidents", [])
    if not isinstance(incidents, list) or not all(isinstance(ref, str) for ref in incidents):
        raise ValueError("incidents: a list of incident references expected")
    return Ingested(
        accepted=read.number("accepted", default), incidents=list(incidents), dedup_key=dedup_key
    )


_MISSING = object()


class _Reader:
    """Typed reads of one JSON object's fields, each error naming its field."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def _get(self, name: str, default: Any) -> Any:
        value = self.raw.get(name, default)
        if value is _MISSING:
            raise ValueError(f"{name}: missing")
        return value

    def text(self, name: str, default: Any = _MISSING) -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise ValueError(f"{name}: a string expected, not {_kind(value)}")
        return value

    def text_or_none(self, name: str) -> str | None:
        value = self._get(name, None)
        return None if value is None else self.text(name)

    def time(self, name: str) -> datetime:
        text = self.text(name)
        try:
            return parse_wire_time(text)
        except ValueError:
            raise ValueError(f"{name}: not an ISO-8601 time with a timezone") from None

    def time_or_none(self, name: str) -> datetime | None:
        return None if self._get(name, None) is None else self.time(name)

    def number(self, name: str, default: int) -> int:
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name}: a whole number expected, not {_kind(value)}")
        return value

    def flag(self, name: str) -> bool:
        value = self._get(name, False)
        if not isinstance(value, bool):
            raise ValueError(f"{name}: true or false expected, not {_kind(value)}")
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self._get(name, {})
        if not isinstance(value, Mapping):
            raise ValueError(f"{name}: a JSON object expected, not {_kind(value)}")
        return dict(value)

    def text_map(self, name: str) -> dict[str, str]:
        value = self.mapping(name)
        for key, item in value.items():
            if not isinstance(item, str):
                raise ValueError(f"{name}.{key}: a string expected, not {_kind(item)}")
        return value

    def links(self, name: str) -> tuple[tuple[str, str], ...]:
        value = self._get(name, [])
        if not isinstance(value, list):
            raise ValueError(f"{name}: a list expected, not {_kind(value)}")
        links = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise ValueError(f"{name}[{index}]: an object expected, not {_kind(item)}")
            link = _Reader(item)
            try:
                links.append((link.text("label", ""), link.text("url")))
            except ValueError as error:
                raise ValueError(f"{name}[{index}].{error}") from None
        return tuple(links)


def _kind(value: Any) -> str:
    """How an unexpected JSON value is named in an error."""
    names = {
        type(None): "null",
        bool: "true/false",
        str: "a string",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)
