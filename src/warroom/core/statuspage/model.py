"""What the public status page shows, and only that, derived from the log.

An incident is public from its first customers-audience update on, under the
public title given then (or later: the last one given wins), never its internal
title; drills never are.  Only its customers updates (text and time), the
component states they set and its public status are kept: nothing internal
(other audiences, notes, findings, severities, names, links) ever enters
these objects, so no face can show it by mistake.

The public status follows the workflow: investigating, identified, monitoring
(= mitigated), resolved (resolved, closed, cancelled: a cancelled public
incident shows as resolved; another open state of a custom workflow shows as
investigating).  A component's state is the worst state that the open public
incidents' latest customers updates gave it (operational otherwise): a
resolved incident no longer holds a component down, as on Statuspage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from warroom.core.statuspage.config import COMPONENT_STATES, Component, PageConfig
from warroom.core.text import clean

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event

PUBLIC_STATUSES: tuple[str, ...] = ("investigating", "identified", "monitoring", "resolved")
PUBLIC_AUDIENCE = "customers"
HISTORY = timedelta(days=90)  # resolved public incidents shown this long

_FROM_WORKFLOW = {"investigating": "investigating", "identified": "identified"}
_FROM_WORKFLOW["mitigated"] = "monitoring"

INDICATORS: tuple[str, ...] = ("none", "minor", "major", "critical")
_STATE_INDICATOR = {
    "operational": "none",
    "under_maintenance": "minor",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
}


def public_status(status: str, catalog: Catalog) -> str:
    """The public status of an incident in workflow state `status`."""
    if not catalog.is_open(status):
        return "resolved"
    return _FROM_WORKFLOW.get(status, "investigating")


def worse(a: str, b: str) -> str:
    """The worse of two component states."""
    return a if COMPONENT_STATES.index(a) >= COMPONENT_STATES.index(b) else b


def indicator_of(state: str) -> str:
    return _STATE_INDICATOR[state]


@dataclass(frozen=True, slots=True)
class PublicUpdate:
    """One customers update as published."""

    id: str
    body: str
    status: str  # the incident's public status when it was posted
    at: datetime
    components: tuple[tuple[str, str], ...] = ()  # (component as named, state) it set


@dataclass(slots=True)
class PublicIncident:
    """One incident as the public sees it."""

    id: str
    status: str
    created_at: datetime
    updated_at: datetime
    title: str | None = None  # the last public title given (None: the default)
    monitoring_at: datetime | None = None
    resolved_at: datetime | None = None
    updates: list[PublicUpdate] = field(default_factory=list)  # oldest first
    components: dict[str, str] = field(default_factory=dict)  # as named -> latest state
    first_components: tuple[str, ...] = ()  # named by its first update
    worst: str = "operational"  # the worst state it ever set

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"

    @property
    def impact(self) -> str:
        """none | minor | major | critical: from the worst component state it
        set; an incident that named no component is minor."""
        return "minor" if self.worst == "operational" else indicator_of(self.worst)

    def name(self, config: PageConfig) -> str:
        """The public title, or "Investigating issues with COMPONENT"."""
        if self.title:
            return self.title
        names = [_component_name(config, key) for key in self.first_components]
        return f"Investigating issues with {', '.join(names)}" if names else "Investigating issues"


def _component_name(config: PageConfig, key: str) -> str:
    component = config.component(key)
    return component.name if component else key


def public_incident(events: Iterable[Event], catalog: Catalog) -> PublicIncident | None:
    """The public view of one incident's events (in seq order), or None when it
    is not public (no customers update yet, or a drill)."""
    status = catalog.initial_state
    entered: dict[str, datetime] = {}  # public status -> when it was last entered
    found: PublicIncident | None = None
    for event in events:
        if event.kind == "declared" and event.data.get("drill"):
            return None
        if event.kind == "status_changed":
            status = str(event.data.get("to", status))
            shown = public_status(status, catalog)
            entered[shown] = event.occurred_at
            if found is not None:
                _moved(found, shown, event.occurred_at, entered)
        elif event.kind == "comms_update" and event.data.get("audience") == PUBLIC_AUDIENCE:
            shown = public_status(status, catalog)
            if found is None:
                found = PublicIncident(
                    id=event.incident_id,
                    status=shown,
                    created_at=event.occurred_at,
                    updated_at=event.occurred_at,
                    first_components=tuple(
                        clean(str(k)) for k in event.data.get("components") or ()
                    ),
                )
                _moved(found, shown, event.occurred_at, entered)
            _published(found, event, shown)
    return found


def _moved(
    incident: PublicIncident, shown: str, at: datetime, entered: dict[str, datetime]
) -> None:
    incident.status = shown
    incident.updated_at = max(incident.updated_at, at)
    if "monitoring" in entered:
        incident.monitoring_at = max(entered["monitoring"], incident.created_at)
    incident.resolved_at = (
        max(entered.get("resolved", at), incident.created_at) if (shown == "resolved") else None
    )


def _published(incident: PublicIncident, event: Event, shown: str) -> None:
    data = event.data
    given = (data.get("components") or {}).items()
    settings = tuple((clean(str(k)), str(v)) for k, v in given)
    settings = tuple((key, state) for key, state in settings if state in COMPONENT_STATES)
    body = clean(str(data["text"]))  # no control character or bidi override leaves here
    incident.updates.append(PublicUpdate(event.id, body, shown, event.occurred_at, settings))
    incident.updated_at = max(incident.updated_at, event.occurred_at)
    if data.get("public_title"):
        incident.title = clean(str(data["public_title"]))
    for key, state in settings:
        incident.components[key] = state
        incident.worst = worse(incident.worst, state)


def incident_component_states(
    config: PageConfig, events: Iterable[Event], catalog: Catalog
) -> dict[str, str]:
    """{component id: state} as one incident's customers updates last set
    them (an incident not public, or a drill: none)."""
    found = public_incident(events, catalog)
    if found is None:
        return {}
    states: dict[str, str] = {}
    for key, state in found.components.items():
        component = config.component(key)
        if component is not None:
            states[component.id] = state
    return states


@dataclass(frozen=True, slots=True)
class ComponentView:
    component: Component
    status: str
    updated_at: datetime | None  # its last change of state (None: never changed)


@dataclass(frozen=True, slots=True)
class PublicPage:
    """Everything the page and its JSON show, built from the public incidents."""

    config: PageConfig
    components: tuple[ComponentView, ...]
    unresolved: tuple[PublicIncident, ...]  # newest first
    recent: tuple[PublicIncident, ...]  # resolved in the last 90 days, newest first
    updated_at: datetime
    indicator: str

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.indicator]

    @property
    def incidents(self) -> tuple[PublicIncident, ...]:
        """Unresolved and recent ones, newest first."""
        return tuple(sorted(self.unresolved + self.recent, key=_newest_first))


def _newest_first(incident: PublicIncident) -> tuple[float, str]:
    return (-incident.created_at.timestamp(), incident.id)


def build_page(
    config: PageConfig,
    incidents: Sequence[PublicIncident],
    now: datetime,
    quiet_since: datetime | None = None,
) -> PublicPage:
    """The page at `now` over every public incident.  Its `updated_at` is the
    last public change; with none, `quiet_since` (else `now`): internal writes
    never change it."""
    unresolved = sorted((i for i in incidents if not i.resolved), key=_newest_first)
    since = now - HISTORY
    recent = sorted(
        (i for i in incidents if i.resolved and (i.resolved_at or i.updated_at) >= since),
        key=_newest_first,
    )
    states: dict[str, str] = {}
    changed: dict[str, datetime] = {}
    for incident in incidents:
        for key, state in incident.components.items():
            component = config.component(key)
            if component is None:
                continue
            if not incident.resolved:
                states[component.id] = worse(states.get(component.id, "operational"), state)
        for update in incident.updates:
            for key, _state in update.components:
                component = config.component(key)
                if component is not None:
                    changed[component.id] = max(changed.get(component.id, update.at), update.at)
        if incident.resolved and incident.resolved_at is not None:
            for key in incident.components:
                component = config.component(key)
                if component is not None:
                    at = incident.resolved_at
                    changed[component.id] = max(changed.get(component.id, at), at)
    views = tuple(
        ComponentView(c, states.get(c.id, "operational"), changed.get(c.id))
        for c in config.components
    )
    rank = 0
    for view in views:
        rank = max(rank, INDICATORS.index(indicator_of(view.status)))
    for incident in unresolved:
        rank = max(rank, INDICATORS.index(incident.impact))
    times = [i.updated_at for i in incidents] + [v.updated_at for v in views if v.updated_at]
    return PublicPage(
        config=config,
        components=views,
        unresolved=tuple(unresolved),
        recent=tuple(recent),
        updated_at=max(times, default=quiet_since or now),
        indicator=INDICATORS[rank],
    )
