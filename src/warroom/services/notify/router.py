"""Which events produce which deliveries: the sender's own decision, from
its own `[[notify]]` routes (a client that writes an event never decides).
A drill's events notify nobody (its `page_sent`, when the drill asked for
pages, still matches routes `on = ["page"]`).

`deliveries_for(event, incident, config)`: one delivery per matching route
and target, keyed by the event's id, so routing an event twice (a sender
restarted before it recorded its cursor) adds nothing.  `reminders_for`:
the update rhythm's `update_overdue` notifications, keyed by the reminder's
key (once per overdue interval).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.describe import describe, kind_label
from warroom.core.events import Event
from warroom.core.fold import apply, fold
from warroom.core.incident import Incident
from warroom.core.notify import NotifyConfig, Route, message, on_name, route_matches
from warroom.core.reminders import update_reminder
from warroom.core.times import format_time
from warroom.store.base import Delivery, Store

KEPT_STATES = 2000  # incidents whose state the router keeps between events


class States:
    """Each incident as it was just after the event being routed (a route's
    filters and the message read the incident at that event, not as it is
    now): folded once per incident, then moved on event by event."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._states: dict[str, Incident] = {}

    def after(self, event: Event) -> Incident:
        state = self._states.get(event.incident_id)
        if state is not None and event.seq is not None and state.last_seq == event.seq - 1:
            apply(state, event, self.store.catalog)
            return state
        number = self.store.incident(event.incident_id).number
        upto = [e for e in self.store.events(event.incident_id) if (e.seq or 0) <= (event.seq or 0)]
        state = fold(upto, self.store.catalog)
        state.number = number
        if len(self._states) >= KEPT_STATES:
            self._states.clear()  # folded again when their next event comes
        self._states[event.incident_id] = state
        return state


def deliveries_for(
    event: Event, incident: Incident, config: NotifyConfig, link: str | None = None
) -> list[Delivery]:
    """The notifications `event` on `incident` causes."""
    on = on_name(event.kind)
    if on is None or (incident.drill and event.kind != "page_sent"):
        return []
    audience = event.data.get("audience") if event.kind == "comms_update" else None
    routes = [
        route
        for route in config.routes.values()
        if route_matches(route, on, incident.severity, incident.service, audience)
    ]
    if not routes:
        return []
    what = f"{kind_label(event.kind)}: {describe(event)}"
    text = message(
        incident.ref, incident.severity, incident.status, incident.title, what, event.actor, link
    )
    return _each_target(routes, event.id, incident, text, event_json(event, incident))


def reminders_for(
    incidents: Sequence[Incident],
    config: NotifyConfig,
    catalog: Catalog,
    now: datetime,
    link: str | None = None,
) -> list[Delivery]:
    """The `update_overdue` notifications due at `now` (each interval once)."""
    found: list[Delivery] = []
    for incident in incidents:
        if incident.drill:
            continue  # a drill notifies nobody (as for its events)
        reminder = update_reminder(incident, catalog, now)
        if reminder is None:
            continue
        routes = [
            r
            for r in config.routes.values()
            if route_matches(r, "update_overdue", incident.severity, incident.service)
        ]
        if not routes:
            continue
        who = reminder.person or "nobody holds comms or lead"
        minutes = int(reminder.overdue_by(now).total_seconds() // 60)
        what = f"stakeholder update overdue ({minutes} min), reminding {who}"
        text = message(
            incident.ref, incident.severity, incident.status, incident.title, what, "warroom", link
        )
        document = {
            "kind": "update_overdue",
            "incident": _incident_json(incident),
            "person": reminder.person,
            "role": reminder.role,
            "interval": reminder.interval,
            "due_at": format_time(reminder.due_at),
        }
        found += _each_target(routes, reminder.key, incident, text, json.dumps(document))
    return found


def event_json(event: Event, incident: Incident) -> str:
    """What a command target reads on stdin: the event and its incident."""
    return json.dumps({"event": event.to_dict(), "incident": _incident_json(incident)})


def _incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "service": incident.service,
    }


def _each_target(
    routes: Sequence[Route], key: str, incident: Incident, text: str, document: str
) -> list[Delivery]:
    return [
        Delivery(key, incident.id, route.name, target, "notify", text, document)
        for route in routes
        for target in route.targets()
    ]
