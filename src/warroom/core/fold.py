"""`fold(events) -> Incident`: the one way state is derived from the log.

Single-valued fields are last-writer-wins by `seq`.  A change whose author had
not seen the previous change to the same field (its `base_seq` is below that
change's seq) is marked concurrent, together with the change it raced; both
stay in the timeline.  Unknown kinds change nothing and are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from warroom.core.catalog import Catalog
from warroom.core.events import Event
from warroom.core.incident import Followup, Incident, Link, Step
from warroom.core.times import parse_wire_time


def fold(events: Iterable[Event], catalog: Catalog | None = None) -> Incident:
    """Fold an incident's events, in seq order, into its current state."""
    catalog = catalog or Catalog.default()
    state: Incident | None = None
    for event in events:
        if state is None:
            state = Incident(id=event.incident_id)
        apply(state, event, catalog)
    if state is None:
        raise ValueError("an incident needs at least its declared event")
    return state


def apply(state: Incident, event: Event, catalog: Catalog) -> None:
    """Apply one stored event to `state` in place."""
    handler = _HANDLERS.get(event.kind)
    if handler is not None:
        handler(state, event, catalog)
    state.event_count += 1
    if event.seq is not None:
        state.last_seq = max(state.last_seq, event.seq)
    if event.gseq is not None:
        state.last_gseq = max(state.last_gseq, event.gseq)
    state.updated_at = event.recorded_at or event.occurred_at


def _change(state: Incident, event: Event, field: str) -> None:
    """Record a change of a single-valued field; mark it concurrent if raced."""
    previous = state.field_seq.get(field)
    seq = event.seq or 0
    if previous is not None and event.base_seq < previous:
        for marked in (previous, seq):
            if marked not in state.concurrent:
                state.concurrent.append(marked)
    state.field_seq[field] = seq


def _declared(state: Incident, event: Event, catalog: Catalog) -> None:
    data = event.data
    state.title = data["title"]
    state.severity = data["severity"]
    state.service = data.get("service")
    state.drill = bool(data.get("drill", False))
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


def _join(state: Incident, person: str, event: Event) -> None:
    if person not in state.participants:
        state.participants[person] = event.occurred_at
    if person != state.declared_by and "acknowledged" not in state.milestones:
        state.milestones["acknowledged"] = event.occurred_at


def _title(state: Incident, event: Event, catalog: Catalog) -> None:
    _change(state, event, "title")
    state.title = event.data["title"]


def _service(state: Incident, event: Event, catalog: Catalog) -> None:
    _change(state, event, "service")
    state.service = event.data.get("service")


def _summary(state: Incident, event: Event, catalog: Catalog) -> None:
    _change(state, event, "summary")
    state.summary = event.data["text"]


def _severity(state: Incident, event: Event, catalog: Catalog) -> None:
    _change(state, event, "severity")
    state.severity = event.data["severity"]


def _status(state: Incident, event: Event, catalog: Catalog) -> None:
    _change(state, event, "status")
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


def _role_assigned(state: Incident, event: Event, catalog: Catalog) -> None:
    role, person = event.data["role"], event.data["person"]
    definition = catalog.roles.get(role)
    if definition is not None and definition.single:
        _change(state, event, f"role:{role}")
        state.roles[role] = [person]
    else:
        holders = state.roles.setdefault(role, [])
        if person not in holders:
            holders.append(person)
    _join(state, person, event)


def _role_released(state: Incident, event: Event, catalog: Catalog) -> None:
    role, person = event.data["role"], event.data["person"]
    holders = state.roles.get(role, [])
    if person in holders:
        holders.remove(person)


def _joined(state: Incident, event: Event, catalog: Catalog) -> None:
    _join(state, event.data["person"], event)


def _left(state: Incident, event: Event, catalog: Catalog) -> None:
    state.participants.pop(event.data["person"], None)


def _comms(state: Incident, event: Event, catalog: Catalog) -> None:
    if state.last_update_at is None or event.occurred_at > state.last_update_at:
        state.last_update_at = event.occurred_at


def _milestone(state: Incident, event: Event, catalog: Catalog) -> None:
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


def _link(state: Incident, event: Event, catalog: Catalog) -> None:
    state.links.append(
        Link(
            url=event.data["url"],
            label=event.data.get("label", ""),
            actor=event.actor,
            at=event.occurred_at,
        )
    )


def _runbook(state: Incident, event: Event, catalog: Catalog) -> None:
    name = event.data["name"]
    state.runbooks.append({"name": name, "content_hash": event.data["content_hash"]})
    for raw in event.data["steps"]:
        if raw["id"] not in state.steps:
            state.steps[raw["id"]] = _step(raw, runbook=name)


def _step(raw: dict, runbook: str, added_by: str | None = None) -> Step:
    return Step(
        id=raw["id"],
        text=raw["text"],
        section=raw.get("section", ""),
        command=raw.get("command"),
        runbook=runbook,
        added_by=added_by,
    )


def _step_added(state: Incident, event: Event, catalog: Catalog) -> None:
    raw = event.data["step"]
    if raw["id"] not in state.steps:
        state.steps[raw["id"]] = _step(raw, runbook="", added_by=event.actor)


def _checked(state: Incident, event: Event, catalog: Catalog) -> None:
    step = state.steps.get(event.data["step"])
    if step is not None:
        step.checked_by = event.actor
        step.checked_at = event.occurred_at


def _unchecked(state: Incident, event: Event, catalog: Catalog) -> None:
    step = state.steps.get(event.data["step"])
    if step is not None:
        step.checked_by = None
        step.checked_at = None


def _followup_added(state: Incident, event: Event, catalog: Catalog) -> None:
    data = event.data
    if data["id"] in state.followups:
        return
    state.followups[data["id"]] = Followup(
        id=data["id"],
        text=data["text"],
        owner=data["owner"],
        due=date.fromisoformat(data["due"]),
        added_by=event.actor,
        added_at=event.occurred_at,
    )


def _followup_done(state: Incident, event: Event, catalog: Catalog) -> None:
    followup = state.followups.get(event.data["id"])
    if followup is not None and followup.state == "open":
        followup.state = "done"
        followup.done_by = event.actor
        followup.done_at = event.occurred_at
        followup.done_note = event.data.get("note") or None


def _followup_verified(state: Incident, event: Event, catalog: Catalog) -> None:
    followup = state.followups.get(event.data["id"])
    if followup is not None and followup.state == "done":
        followup.state = "verified"
        followup.verified_by = event.actor
        followup.verified_at = event.occurred_at
        followup.verified_note = event.data.get("note") or None


def _time(value: str | None):
    return parse_wire_time(value) if value else None


_HANDLERS: dict[str, Callable[[Incident, Event, Catalog], None]] = {
    "declared": _declared,
    "title_changed": _title,
    "service_changed": _service,
    "summary_set": _summary,
    "severity_changed": _severity,
    "status_changed": _status,
    "role_assigned": _role_assigned,
    "role_released": _role_released,
    "participant_joined": _joined,
    "participant_left": _left,
    "comms_update": _comms,
    "milestone": _milestone,
    "link_added": _link,
    "runbook_attached": _runbook,
    "step_added": _step_added,
    "step_checked": _checked,
    "step_unchecked": _unchecked,
    "followup_added": _followup_added,
    "followup_done": _followup_done,
    "followup_verified": _followup_verified,
}
