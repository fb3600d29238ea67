"""The writes people make, turned into events: one place for the CLI and the TUI.

Each function builds the event's data, stamps it with the actor and the time,
and appends it through any Store.  `base_seq` is the last seq the writer had
seen; when it is not given, the incident's current last seq is used.  A write
asking for what is already so (`warroom.core.unchanged`) raises NothingChanged
and appends nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from warroom.core.clock import Clock
from warroom.core.errors import NothingChanged
from warroom.core.events import Event, make_event, new_id
from warroom.core.incident import Incident
from warroom.core.unchanged import unchanged
from warroom.store.base import Store


class Declaration(TypedDict, total=False):
    """What `declare` takes besides the title, by name."""

    severity: int
    service: str | None
    lead: str | None
    started_at: datetime | None
    detected_at: datetime | None
    drill: bool
    page: bool  # a drill that pages on-call for real


def declare(
    store: Store,
    actor: str,
    clock: Clock,
    title: str,
    severity: int = 3,
    service: str | None = None,
    lead: str | None = None,
    started_at: datetime | None = None,
    detected_at: datetime | None = None,
    drill: bool = False,
    page: bool = False,
) -> Incident:
    """Declare a new incident and return its state (with its INC number).
    A drill pages on-call only with `page`; any other incident does."""
    data: dict[str, Any] = {"title": title, "severity": severity, "drill": drill}
    if drill and page:
        data["page"] = True
    if service:
        data["service"] = service
    if lead:
        data["lead"] = lead
    if started_at:
        data["started_at"] = started_at.isoformat()
    if detected_at:
        data["detected_at"] = detected_at.isoformat()
    incident_id = new_id()
    store.append(make_event(incident_id, "declared", actor, data, clock.now()))
    return store.incident(incident_id)


def write(
    store: Store,
    incident_id: str,
    kind: str,
    actor: str,
    data: dict[str, Any],
    clock: Clock,
    at: datetime | None = None,
    base_seq: int | None = None,
    state: Incident | None = None,
) -> Event:
    """Append one change to an incident; `at` back-dates it.  `state` is the
    incident as the writer sees it (read from the store when not given)."""
    if state is None:
        state = store.incident(incident_id)
    reason = unchanged(state, kind, data)
    if reason is not None:
        raise NothingChanged(reason)
    if base_seq is None:
        base_seq = state.last_seq
    occurred = at or clock.now()
    return store.append(make_event(incident_id, kind, actor, data, occurred, base_seq))


def open_incidents_for_service(store: Store, service: str, except_id: str) -> list[Incident]:
    """Other open incidents of the same service (to warn about duplicates)."""
    return [
        incident
        for incident in store.incidents()
        if incident.service == service and incident.id != except_id
    ]
