"""Grafana's unified-alerting webhook contact point: Alertmanager's shape
(`alertmanager`) plus `orgId, title, state, message` on the body and, per
alert, `values, valueString, silenceURL, dashboardURL, panelURL, imageURL`.
Grafana sends its own `version` ("1"), so that is not checked.  The per-alert
fields are kept in `Alert.extra`; the http(s) URLs among them become links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warroom.core.alerts.errors import BadPayload
from warroom.core.alerts.model import Alert
from warroom.core.alerts.sources import shape
from warroom.core.alerts.sources.alertmanager import read_group

_LINKS = (
    ("silenceURL", "silence"),
    ("dashboardURL", "dashboard"),
    ("panelURL", "panel"),
    ("imageURL", "image"),
)


def parse(payload: Any) -> list[Alert]:
    """The alerts of one Grafana notification."""
    body = shape.obj(payload, "body")
    shape.text(body, "version", "", required=False)
    for name in ("title", "state", "message"):
        shape.text(body, name, "", required=False)
    org = body.get("orgId")
    if org is not None and (isinstance(org, bool) or not isinstance(org, int)):
        raise BadPayload("must be an integer", "orgId")

    def extra(
        entry: Mapping[str, Any], where: str
    ) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
        fields: dict[str, Any] = {} if org is None else {"orgId": org}
        links: list[tuple[str, str | None]] = []
        for key, label in _LINKS:
            url = shape.text(entry, key, where, required=False)
            if url:
                fields[key] = url
                links.append((label, url))
        value_string = shape.text(entry, "valueString", where, required=False)
        if value_string:
            fields["valueString"] = value_string
        values = _values(entry.get("values"), shape.join(where, "values"))
        if values:
            fields["values"] = values
        return fields, links

    return read_group(body, "grafana", extra)


def _values(value: Any, where: str) -> dict[str, float | int] | None:
    """The values that triggered the alert: an object of numbers (or null)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadPayload("must be a JSON object of numbers", where)
    for name, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise BadPayload("must be a number", shape.join(where, name))
    return dict(value)
