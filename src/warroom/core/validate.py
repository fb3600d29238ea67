"""`validate(state, event)`: may this event be appended to the incident now?

Every store runs it inside its append transaction against the incident's
current state.  Here: what every event must satisfy (its data's shape, its
time, its place in the log); each kind's own check lives with the kind, in the
registry (`warroom.core.kinds`).  It returns the event with its data normalised, or raises
Refused with a reason a person can act on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from warroom.core.catalog import Catalog
from warroom.core.errors import Refused
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.kinds import KINDS, NAME_MAX, check_data
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
        # `started` and `detected` are milestones too: never in the future, and
        # never long before the declaration.
        for name in ("started", "detected"):
            if f"{name}_at" in data:
                moment = parse_wire_time(data[f"{name}_at"])
                _not_future(name, moment, now)
                _not_too_early(
                    f"{name} time", moment, event.occurred_at, "the declaration", catalog
                )
    elif state is not None:
        _within_window(state, event, catalog)
    spec = KINDS.get(event.kind)
    if spec is not None:
        spec.check(state, data, catalog)
    return event


def _within_window(state: Incident, event: Event, catalog: Catalog) -> None:
    """An event is not dated long before its incident's impact start; a moved
    impact start or detection not long before the declaration."""
    declared = state.declared_at or event.occurred_at
    if event.kind == "milestone" and event.data.get("name") in ("started", "detected"):
        what = f"{event.data['name']} time"
        _not_too_early(what, event.occurred_at, declared, "the declaration", catalog)
        return
    started = state.milestones.get("started") or declared
    what = "milestone time" if event.kind == "milestone" else "event time"
    _not_too_early(what, event.occurred_at, started, f"{state.ref}'s impact start", catalog)


def _not_too_early(
    what: str, moment: datetime, anchor: datetime, anchor_name: str, catalog: Catalog
) -> None:
    window = catalog.backdate_window
    if moment < anchor - window:
        days = window.total_seconds() / 86400
        raise Refused(
            f"{what} {_utc(moment)} is more than {days:g} days "
            f"before {anchor_name} ({_utc(anchor)}); check the "
            "date (the limit is [workflow] backdate_window_days in the config file)"
        )


def _not_future(what: str, moment: datetime, now: datetime) -> None:
    if moment > now + CLOCK_SKEW:
        raise Refused(
            f"{what} time {_utc(moment)} is in the future; back-date it or leave the time out"
        )


def _utc(moment: datetime) -> str:
    """`0999-01-01 00:00:00Z`: the year always has four digits (strftime drops them)."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment:%m-%d %H:%M:%S}Z"
