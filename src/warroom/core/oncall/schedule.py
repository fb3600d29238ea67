"""Who is on call: arithmetic on a schedule and an instant (pure; no clock).

- A layer's shifts start at `start` + k x `shift` of *local wall-clock time*
  at `handoff` (a hand-off in a daylight-saving gap moves to the first valid
  minute, one in a repeated hour takes the first occurrence: `wallclock`),
  the k-th shift going to `people[k mod len(people)]`.
- A later layer overrides the earlier ones wherever it has someone: inside its
  `restrict` windows (local time) if it has any, else from its first shift on.
- An override (from the file or the store) beats every layer; among
  overrides, the later one listed wins.

`on_call(schedule, at)` says who, until when, and who comes next: "until" is
the first instant the person changes, not merely the next hand-off (two
shifts of the same person in a row are one stretch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.core.oncall.model import Layer, Override, Schedule, Window
from warroom.core.oncall.wallclock import first_after, instant, last_at_or_before
from warroom.core.times import format_time

# "until" further than this (or than _MAX_STEPS hand-offs that change nobody):
# until further notice.
HORIZON = timedelta(days=3660)
_MAX_STEPS = 5000


@dataclass(frozen=True, slots=True)
class OnCallNow:
    """Who is on call for `schedule` at an instant; `until` is None when
    nothing changes within the horizon, `person`/`next` None when nobody is."""

    schedule: str
    person: str | None
    until: datetime | None
    next: str | None

    def to_public(self) -> dict[str, str | None]:
        """`{"schedule", "person", "until", "next"}`, times as ISO-8601 UTC."""
        until = format_time(self.until) if self.until is not None else None
        return {"schedule": self.schedule, "person": self.person, "until": until, "next": self.next}


def on_call(schedule: Schedule, at: datetime, overrides: Sequence[Override] = ()) -> OnCallNow:
    """Who is on call at `at` (aware), until when, and who is next.
    `overrides` (from the store) come after the schedule's own."""
    person = person_at(schedule, at, overrides)
    moment = at
    for _ in range(_MAX_STEPS):
        boundary = next_boundary(schedule, moment, overrides)
        if boundary is None or boundary - at > HORIZON:
            break
        after = person_at(schedule, boundary, overrides)
        if after != person:
            return OnCallNow(schedule.name, person, boundary, after)
        moment = boundary
    return OnCallNow(schedule.name, person, None, None)


def person_at(schedule: Schedule, at: datetime, overrides: Sequence[Override] = ()) -> str | None:
    """The person on call at `at`, or None (a hole in the schedule).
    `overrides` (from the store) come after the schedule's own."""
    for override in reversed((*schedule.overrides, *overrides)):
        if override.start <= at < override.end:
            return override.person
    for layer in reversed(schedule.layers):
        person = layer_person(layer, schedule.timezone, at)
        if person is not None:
            return person
    return None


def layer_person(layer: Layer, zone: ZoneInfo, at: datetime) -> str | None:
    """Who `layer` has on call at `at`: None before its first shift or outside
    its restrict windows."""
    index = shift_index(layer, zone, at)
    if index is None:
        return None
    if layer.restrict and not any(inside(window, zone, at) for window in layer.restrict):
        return None
    return layer.people[index % len(layer.people)]


def handoff(layer: Layer, zone: ZoneInfo, index: int) -> datetime:
    """The instant shift number `index` (from 0) of `layer` starts."""
    return instant(_base(layer) + index * layer.shift, zone)


def shift_index(layer: Layer, zone: ZoneInfo, at: datetime) -> int | None:
    """The number of the shift running at `at`; None before the first."""
    if at < handoff(layer, zone, 0):
        return None
    local = at.astimezone(zone).replace(tzinfo=None)
    index = max(0, (local - _base(layer)) // layer.shift)
    while index > 0 and handoff(layer, zone, index) > at:
        index -= 1
    while handoff(layer, zone, index + 1) <= at:
        index += 1
    return index


def inside(window: Window, zone: ZoneInfo, at: datetime) -> bool:
    """Whether `at` is in the window (its start included, its end not)."""
    began = last_at_or_before(at, window.start.clock, zone, window.start.weekday)
    ended = last_at_or_before(at, window.end.clock, zone, window.end.weekday)
    return began > ended


def next_boundary(
    schedule: Schedule, at: datetime, overrides: Sequence[Override] = ()
) -> datetime | None:
    """The first instant after `at` where anything in the schedule may change
    hands: a hand-off, a restrict window's edge, an override's start or end
    (the schedule's own and `overrides`)."""
    candidates: list[datetime] = []
    for layer in schedule.layers:
        candidates += _layer_boundaries(layer, schedule.timezone, at)
    for override in (*schedule.overrides, *overrides):
        candidates += [moment for moment in (override.start, override.end) if moment > at]
    return min(candidates, default=None)


def _layer_boundaries(layer: Layer, zone: ZoneInfo, at: datetime) -> Iterable[datetime]:
    index = shift_index(layer, zone, at)
    yield handoff(layer, zone, 0 if index is None else index + 1)
    for window in layer.restrict:
        for edge in (window.start, window.end):
            yield first_after(at, edge.clock, zone, edge.weekday)


def _base(layer: Layer) -> datetime:
    return datetime.combine(layer.start, layer.handoff)
