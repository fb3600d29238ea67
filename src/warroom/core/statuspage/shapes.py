"""Atlassian Statuspage's public API (v2) shapes of the public page: what
`/api/v2/summary.json`, `status.json`, `components.json`, `incidents.json` and
`incidents/unresolved.json` answer, so tools that read a Statuspage page
read this one.  Pure: dicts ready for JSON, built from a `PublicPage` only."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from warroom.core.statuspage.config import COMPONENT_STATES
from warroom.core.statuspage.model import (
    ComponentView,
    PublicIncident,
    PublicPage,
    indicator_of,
    worse,
)
from warroom.core.times import format_time

INCIDENTS_MAX = 50  # incidents.json: the newest 50, as Statuspage answers
_SLUG = re.compile(r"[^a-z0-9]+")

JSON_FILES: tuple[str, ...] = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
)


def _time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment else None


def page_object(page: PublicPage) -> dict[str, Any]:
    config = page.config
    return {
        "id": config.page_id,
        "name": config.title,
        "url": config.url,
        "time_zone": config.time_zone,
        "updated_at": _time(page.updated_at),
    }


def status_object(page: PublicPage) -> dict[str, Any]:
    return {"indicator": page.indicator, "description": page.description}


def _group_id(name: str) -> str:
    return "group-" + (_SLUG.sub("-", name.casefold()).strip("-") or "unnamed")


def components(page: PublicPage) -> list[dict[str, Any]]:
    """The components, each group as a component of its own (`group: true`)
    listing its members, as Statuspage does."""
    page_id = page.config.page_id
    out: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for position, view in enumerate(page.components, 1):
        group = view.component.group
        group_id = _group_id(group) if group else None
        if group and group_id not in groups:
            groups[group_id] = {
                "id": group_id,
                "name": group,
                "status": "operational",
                "created_at": _time(page.updated_at),
                "updated_at": _time(page.updated_at),
                "position": position,
                "description": None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": page_id,
                "group": True,
                "only_show_if_degraded": False,
                "components": [],
            }
            out.append(groups[group_id])
        if group_id is not None:
            entry = groups[group_id]
            entry["components"].append(view.component.id)
            entry["status"] = worse(entry["status"], view.status)
        out.append(_component(view, position, group_id, page))
    return out


def _component(view: ComponentView, position: int, group_id: str | None, page: PublicPage) -> dict:
    changed = _time(view.updated_at or page.updated_at)
    return {
        "id": view.component.id,
        "name": view.component.name,
        "status": view.status,
        "created_at": changed,
        "updated_at": changed,
        "position": position,
        "description": view.component.description or None,
        "showcase": True,
        "start_date": None,
        "group_id": group_id,
        "page_id": page.config.page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def shortlink(url: str, incident_id: str) -> str:
    """The incident's place on the page at `url` (its block's anchor): a page
    at a host's root gets its `/`, a page at a path (`.../status`) keeps it."""
    from urllib.parse import urlsplit

    base = f"{url}/" if url and not urlsplit(url).path else url
    return f"{base}#incident-{incident_id}"


def incident_object(page: PublicPage, incident: PublicIncident) -> dict[str, Any]:
    """One incident, its updates newest first (Statuspage's order)."""
    config = page.config
    previous: dict[str, str] = {}
    updates: list[dict[str, Any]] = []
    for update in incident.updates:
        affected = []
        for key, state in update.components:
            component = config.component(key)
            if component is None:
                continue
            affected.append(
                {
                    "code": component.id,
                    "name": component.name,
                    "old_status": previous.get(component.id, "operational"),
                    "new_status": state,
                }
            )
            previous[component.id] = state
        updates.append(
            {
                "id": update.id,
                "status": update.status,
                "body": update.body,
                "incident_id": incident.id,
                "created_at": _time(update.at),
                "updated_at": _time(update.at),
                "display_at": _time(update.at),
                "affected_components": affected or None,
                "deliver_notifications": False,
                "custom_tweet": None,
                "tweet_id": None,
            }
        )
    named = {c.id for c in (config.component(key) for key in incident.components) if c}
    return {
        "id": incident.id,
        "name": incident.name(config),
        "status": incident.status,
        "created_at": _time(incident.created_at),
        "updated_at": _time(incident.updated_at),
        "monitoring_at": _time(incident.monitoring_at),
        "resolved_at": _time(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": shortlink(config.url, incident.id),
        "started_at": _time(incident.created_at),
        "page_id": config.page_id,
        "incident_updates": list(reversed(updates)),
        # the components it affected, as components.json lists them (their state now)
        "components": [entry for entry in _members(page) if entry["id"] in named],
    }


def _members(page: PublicPage) -> list[dict[str, Any]]:
    """The components (not their groups), as components.json has them."""
    members = []
    for position, view in enumerate(page.components, 1):
        group = view.component.group
        members.append(_component(view, position, _group_id(group) if group else None, page))
    return members


def summary(page: PublicPage) -> dict[str, Any]:
    return {
        "page": page_object(page),
        "status": status_object(page),
        "components": components(page),
        "incidents": [incident_object(page, i) for i in page.unresolved],
        "scheduled_maintenances": [],
    }


def document(page: PublicPage, name: str) -> dict[str, Any]:
    """The JSON document `name` (one of JSON_FILES)."""
    if name == "summary.json":
        return summary(page)
    if name == "status.json":
        return {"page": page_object(page), "status": status_object(page)}
    if name == "components.json":
        return {"page": page_object(page), "components": components(page)}
    if name == "incidents.json":
        chosen = page.incidents[:INCIDENTS_MAX]
        return {"page": page_object(page), "incidents": [incident_object(page, i) for i in chosen]}
    if name == "incidents/unresolved.json":
        chosen = page.unresolved
        return {"page": page_object(page), "incidents": [incident_object(page, i) for i in chosen]}
    raise KeyError(name)


def encode(value: Any) -> bytes:
    """JSON bytes, the same for the server and the static export."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


__all__ = ["COMPONENT_STATES", "JSON_FILES", "document", "encode", "indicator_of", "summary"]
