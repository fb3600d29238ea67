"""Each monitoring source's documented payload read into `Alert`s: one module
per source, and `parse(source, payload)` choosing among them.

A payload that is not its source's documented shape raises `BadPayload`
naming the field; fields a source added that warroom does not read are
ignored.  Pure: the server and `warroom alert ingest` call the same `parse`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warroom.core.alerts import SOURCES
from warroom.core.alerts.errors import BadPayload
from warroom.core.alerts.model import Alert
from warroom.core.alerts.sources import alertmanager, generic, grafana, pagerduty

__all__ = ["PARSERS", "BadPayload", "parse"]

PARSERS: dict[str, Callable[[Any], list[Alert]]] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "pagerduty": pagerduty.parse,
    "generic": generic.parse,
}
assert set(PARSERS) == set(SOURCES)


def parse(source: str, payload: Any) -> list[Alert]:
    """The alerts of one payload (decoded JSON) from `source`; BadPayload when
    it is not that source's documented shape.  ValueError for an unknown source."""
    parser = PARSERS.get(source)
    if parser is None:
        raise ValueError(f"unknown alert source {source!r}; sources: {', '.join(SOURCES)}")
    return parser(payload)
