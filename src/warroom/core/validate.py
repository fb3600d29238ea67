"""`validate(state, event)`: may this event be appended to the incident now?

Every store runs it inside its append transaction against the incident's
current state.  It returns the event with its data normalised, or raises
Refused with a reason a person can act on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from warroom.core.catalog import Catalog
from warroom.core.errors import Refused
from warroom.core.events import Event
from warroom.core.incident import Followup, Incident
from warroom.core.kinds import NAME_MAX, check_data
from warroom.core.times import parse_wire_time

# Clocks of different machines disagree a little; beyond this, "future" is refused.
CLOCK_SKEW = timedelta(seconds=60)


def normalise(event: Event) -> Event:
    """The event with its actor trimmed and its data checked and normalised:
    the form in which it is stored and compared for idempotency."""
    actor = event.actor.strip()
    if not actor or len(actor) > NAME_MAX:
        raise Refused(f"actor must be 1 to {NAME_MAX} characters")
    return replace(event, actor=actor, data=check_data(event.kind, event.data))


def validate(state: Incident | None, event: Event, catalog: Catalog, now: datetime) -> Event:
    """Check `event` against `state` (None: the incident does not exist yet)."""
    event = normalise(event)
    data = event.data
    what = "milestone" if event.kind == "milestone" else "event"
    _not_future(what, event.occurred_at, now)
    if event.base_seq < 0:
        raise Refused("base_seq must not be negative")
    if state is None:
        if event.kind != "declared":
            raise Refused("no such incident: an incident starts with a declared event")
    elif event.kind == "declared":
        raise Refused(f"{state.ref} is already declared")
    elif event.base_seq > state.last_seq:
        raise Refused(
            f"base_seq {event.base_seq} is beyond {state.ref}'s last event ({state.last_seq})"
        )
    if event.kind == "declared":
        # `started` and `detected` are milestones too: never in the future.
        for name in ("started", "detected"):
            if f"{name}_at" in data:
                _not_future(name, parse_wire_time(data[f"{name}_at"]), now)
    checker = _CHECKS.get(event.kind)
    if checker is not None:
        checker(state, data, catalog)
    return event


def _not_future(what: str, moment: datetime, now: datetime) -> None:
    if moment > now + CLOCK_SKEW:
        raise Refused(
            f"{what} time {moment.astimezone(UTC):%Y-%m-%d %H:%M:%SZ} is in the future; "
            "back-date it or leave the time out"
        )


def _check_declared(state: Incident | None, data: dict, catalog: Catalog) -> None:
    catalog.check_severity(data["severity"], Refused)


def _check_severity(state: Incident, data: dict, catalog: Catalog) -> None:
    catalog.check_severity(data["severity"], Refused)
    if data["severity"] == state.severity:
        raise Refused(f"{state.ref} is already SEV{state.severity}")


def _check_title(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["title"] == state.title:
        raise Refused("the title is unchanged")


def _check_status(state: Incident, data: dict, catalog: Catalog) -> None:
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


def _role(state: Incident, data: dict, catalog: Catalog) -> list[str]:
    role = data["role"]
    if role not in catalog.roles:
        raise Refused(f"unknown role {role!r}; roles: {', '.join(catalog.roles)}")
    return state.roles.get(role, [])


def _check_assign(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["person"] in _role(state, data, catalog):
        raise Refused(f"{data['person']} already holds {data['role']}")


def _check_release(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["person"] not in _role(state, data, catalog):
        raise Refused(f"{data['person']} does not hold {data['role']}")


def _check_join(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["person"] in state.participants:
        raise Refused(f"{data['person']} is already in {state.ref}")


def _check_leave(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["person"] not in state.participants:
        raise Refused(f"{data['person']} is not in {state.ref}")


def _check_milestone(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["name"] not in catalog.milestones:
        names = ", ".join(catalog.milestones)
        raise Refused(f"unknown milestone {data['name']!r}; milestones: {names}")


def _check_comms(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["audience"] not in catalog.audiences:
        raise Refused(
            f"unknown audience {data['audience']!r}; audiences: {', '.join(catalog.audiences)}"
        )


def _check_runbook(state: Incident, data: dict, catalog: Catalog) -> None:
    if not data["steps"]:
        raise Refused(f"runbook {data['name']!r} has no steps (lines starting '- [ ]')")
    ids = [step["id"] for step in data["steps"]]
    if len(set(ids)) != len(ids):
        raise Refused(f"runbook {data['name']!r} has duplicate step ids")


def _check_step_added(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["step"]["id"] in state.steps:
        raise Refused(f"step {data['step']['id']!r} already exists")


def _check_checked(state: Incident, data: dict, catalog: Catalog) -> None:
    step = state.steps.get(data["step"])
    if step is None:
        raise Refused(f"no runbook step {data['step']!r} in {state.ref}")
    if step.checked_by:
        raise Refused(f"step {data['step']!r} is already checked by {step.checked_by}")


def _check_unchecked(state: Incident, data: dict, catalog: Catalog) -> None:
    step = state.steps.get(data["step"])
    if step is None:
        raise Refused(f"no runbook step {data['step']!r} in {state.ref}")
    if not step.checked_by:
        raise Refused(f"step {data['step']!r} is not checked")


def _followup(state: Incident, data: dict) -> Followup:
    followup = state.followups.get(data["id"])
    if followup is None:
        raise Refused(f"no follow-up {data['id']!r} in {state.ref}")
    return followup


def _check_followup_added(state: Incident, data: dict, catalog: Catalog) -> None:
    if data["id"] in state.followups:
        raise Refused(f"follow-up {data['id']!r} already exists in {state.ref}")


def _check_followup_done(state: Incident, data: dict, catalog: Catalog) -> None:
    followup = _followup(state, data)
    if followup.state != "open":
        raise Refused(f"follow-up {followup.id} is already {followup.state}")


def _check_followup_verified(state: Incident, data: dict, catalog: Catalog) -> None:
    followup = _followup(state, data)
    if followup.state == "open":
        raise Refused(f"follow-up {followup.id} is still open: mark it done before verifying it")
    if followup.state != "done":
        raise Refused(f"follow-up {followup.id} is already {followup.state}")


_CHECKS = {
    "declared": _check_declared,
    "severity_changed": _check_severity,
    "title_changed": _check_title,
    "status_changed": _check_status,
    "role_assigned": _check_assign,
    "role_released": _check_release,
    "participant_joined": _check_join,
    "participant_left": _check_leave,
    "milestone": _check_milestone,
    "comms_update": _check_comms,
    "runbook_attached": _check_runbook,
    "step_added": _check_step_added,
    "step_checked": _check_checked,
    "step_unchecked": _check_unchecked,
    "followup_added": _check_followup_added,
    "followup_done": _check_followup_done,
    "followup_verified": _check_followup_verified,
}
