"""The incident's own fields: declared, its title, service, summary, severity
and status, and its milestones."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.core.errors import Refused
from warroom.core.kinds.base import KindData, KindSpec, accept, record_change, with_note
from warroom.core.times import parse_wire_time

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import Level, Moment, Name, OptionalText, StrictBool, Title


def _level(level: int, catalog: Catalog) -> None:
    catalog.check_severity(level, Refused)


# -- declared ---------------------------------------------------------------------


class Declared(KindData):
    title: Title
    severity: Level
    service: Name | None = None
    started_at: Moment | None = None
    detected_at: Moment | None = None
    drill: StrictBool = False
    lead: Name | None = None
    page: StrictBool | None = None  # a drill that pages its service's escalation policy


def _check_declared(state: Incident | None, data: dict[str, Any], catalog: Catalog) -> None:
    _level(data["severity"], catalog)


def _fold_declared(state: Incident, event: Event, catalog: Catalog) -> None:
    data = event.data
    state.title = data["title"]
    state.severity = data["severity"]
    state.service = data.get("service")
    state.drill = bool(data.get("drill", False))
    state.drill_pages = bool(data.get("page", False))
    state.status = catalog.initial_state
    state.declared_by = event.actor
    state.declared_at = event.occurred_at
    detected = _time(data.get("detected_at")) or event.occurred_at
    started = _time(data.get("started_at")) or detected
    state.milestones["started"] = started
    state.milestones["detected"] = detected
    state.explicit_milestones.append("detected")
    if data.get("started_at"):
        state.explicit_milestones.append("started")
    state.participants[event.actor] = event.occurred_at
    lead = data.get("lead")
    if lead:
        state.roles["lead"] = [lead]
        state.participants.setdefault(lead, event.occurred_at)


def _time(value: str | None) -> datetime | None:
    return parse_wire_time(value) if value else None


def _describe_declared(d: dict[str, Any]) -> str:
    return (
        f"declared SEV{d['severity']} {d['title']}"
        + (f" (service {d['service']})" if d.get("service") else "")
        + (" [drill]" if d.get("drill") else "")
        + (f"; lead {d['lead']}" if d.get("lead") else "")
    )


# -- title, service, summary --------------------------------------------------------


class TitleChanged(KindData):
    title: Title


def _check_title(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["title"] == state.title:
        raise Refused("the title is unchanged")


def _fold_title(state: Incident, event: Event, catalog: Catalog) -> None:
    record_change(state, event, "title")
    state.title = event.data["title"]


class ServiceChanged(KindData):
    service: Name | None


def _fold_service(state: Incident, event: Event, catalog: Catalog) -> None:
    record_change(state, event, "service")
    state.service = event.data.get("service")


class SummarySet(KindData):
    text: OptionalText


def _fold_summary(state: Incident, event: Event, catalog: Catalog) -> None:
    record_change(state, event, "summary")
    state.summary = event.data["text"]


# -- severity and status ------------------------------------------------------------


class SeverityChanged(KindData):
    severity: Level
    note: OptionalText | None = None


def _check_severity(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    _level(data["severity"], catalog)
    if data["severity"] == state.severity:
        raise Refused(f"{state.ref} is already SEV{state.severity}")


def _fold_severity(state: Incident, event: Event, catalog: Catalog) -> None:
    record_change(state, event, "severity")
    state.severity = event.data["severity"]


class StatusChanged(KindData):
    to: Name
    reason: OptionalText | None = None
    duplicate_of: str | None = None


def _check_status(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    target = data["to"]
    if target not in catalog.states:
        raise Refused(f"unknown status {target!r}; statuses: {', '.join(catalog.state_order)}")
    allowed = catalog.allowed_moves(state.status)
    if target == state.status:
        raise Refused(f"{state.ref} is already {target}")
    if target not in allowed:
        moves = ", ".join(allowed) if allowed else f"none: {state.status} is final"
        raise Refused(f"cannot move {state.ref} from {state.status} to {target}; allowed: {moves}")
    if data.get("duplicate_of") is not None:
        if target != "cancelled":
            raise Refused("duplicate_of only goes with status cancelled")
        if data["duplicate_of"] == state.id:
            raise Refused("an incident cannot be a duplicate of itself")


def _fold_status(state: Incident, event: Event, catalog: Catalog) -> None:
    record_change(state, event, "status")
    target = event.data["to"]
    state.status = target
    state.duplicate_of = event.data.get("duplicate_of") if target == "cancelled" else None
    entered = catalog.states.get(target)
    if entered is None:
        return
    if entered.open:
        # Moving back (a failed mitigation, a reopen) clears milestones that
        # later states had set on their own; explicit ones stay.
        order = catalog.state_order
        for later in order[order.index(target) + 1 :]:
            milestone = catalog.states[later].sets_milestone
            if milestone and milestone not in state.explicit_milestones:
                state.milestones.pop(milestone, None)
    milestone = entered.sets_milestone
    if milestone and milestone not in state.milestones:
        state.milestones[milestone] = event.occurred_at


def _describe_status(d: dict[str, Any]) -> str:
    duplicate = f" (duplicate of {d['duplicate_of']})" if d.get("duplicate_of") else ""
    return with_note(f"status set to {d['to']}{duplicate}", d.get("reason"))


# -- milestones ---------------------------------------------------------------------


class Milestone(KindData):
    name: Name


def _check_milestone(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["name"] not in catalog.milestones:
        names = ", ".join(catalog.milestones)
        raise Refused(f"unknown milestone {data['name']!r}; milestones: {names}")


def _fold_milestone(state: Incident, event: Event, catalog: Catalog) -> None:
    name = event.data["name"]
    state.milestones[name] = event.occurred_at
    started = state.milestones.get("started")
    # An impact start nobody gave explicitly is never later than detection.
    if (
        name == "detected"
        and "started" not in state.explicit_milestones
        and (started is None or started > event.occurred_at)
    ):
        state.milestones["started"] = event.occurred_at
    if name not in state.explicit_milestones:
        state.explicit_milestones.append(name)


SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        name="declared",
        model=Declared,
        label="declared",
        description="the incident is declared: its title, severity, service and times",
        category="declared",
        check=_check_declared,
        fold=_fold_declared,
        describe=_describe_declared,
    ),
    KindSpec(
        name="title_changed",
        model=TitleChanged,
        label="title",
        description="the incident's title is changed",
        category="change",
        check=_check_title,
        fold=_fold_title,
        describe=lambda d: f"title set to {d['title']}",
    ),
    KindSpec(
        name="service_changed",
        model=ServiceChanged,
        label="service",
        description="the affected service is set or cleared",
        category="change",
        check=accept,
        fold=_fold_service,
        describe=lambda d: f"service set to {d.get('service') or '(none)'}",
    ),
    KindSpec(
        name="summary_set",
        model=SummarySet,
        label="summary",
        description="the pinned summary (impact, hypothesis, next step) is set or cleared",
        category="change",
        check=accept,
        fold=_fold_summary,
        describe=lambda d: f"summary: {d['text']}" if d["text"] else "summary cleared",
    ),
    KindSpec(
        name="severity_changed",
        model=SeverityChanged,
        label="severity",
        description="the severity is raised or lowered",
        category="severity",
        check=_check_severity,
        fold=_fold_severity,
        describe=lambda d: with_note(f"severity set to SEV{d['severity']}", d.get("note")),
    ),
    KindSpec(
        name="status_changed",
        model=StatusChanged,
        label="status",
        description="the status moves along the workflow (with a reason)",
        category="status",
        check=_check_status,
        fold=_fold_status,
        describe=_describe_status,
    ),
    KindSpec(
        name="milestone",
        model=Milestone,
        label="milestone",
        description="a milestone (detected, acknowledged, mitigated...) is reached",
        category="milestone",
        check=_check_milestone,
        fold=_fold_milestone,
        describe=lambda d: f"milestone {d['name']}",
    ),
)
