"""The on-call tables: people, schedules, escalation policies, services.

Plain frozen dataclasses, built and checked by `load.load_oncall` from the
configuration and data files; the arithmetic on them is in `schedule.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.core.errors import UsageError
from warroom.core.oncall.secrets import Address

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    addresses: tuple[Address, ...] = ()  # where pages go (Apprise URLs, secrets unresolved)
    timezone: ZoneInfo | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Edge:
    """One end of a restrict window: a local time, every day or on one weekday."""

    clock: time
    weekday: int | None = None  # 0 = Monday; None: every day

    def __str__(self) -> str:
        day = f"{WEEKDAYS[self.weekday]} " if self.weekday is not None else ""
        return f"{day}{self.clock:%H:%M}"


@dataclass(frozen=True, slots=True)
class Window:
    """A local-time window a layer is restricted to; `end` before `start` wraps
    round midnight (or round the week)."""

    start: Edge
    end: Edge


@dataclass(frozen=True, slots=True)
class Layer:
    """A rotation: `people` in turn, one shift each, from `start` at `handoff`."""

    people: tuple[str, ...]
    shift: timedelta  # of local wall-clock time: 1 day, 7 days, or N hours
    handoff: time
    start: date
    restrict: tuple[Window, ...] = ()  # empty: always


@dataclass(frozen=True, slots=True)
class Override:
    """`person` is on call for the schedule from `start` to `end` (UTC instants)."""

    person: str
    start: datetime
    end: datetime
    id: str | None = None  # the store's id; None for one from a file
    source: str = ""  # the file it came from, or "store"


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    timezone: ZoneInfo
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """Who a level pages: every person on call in a schedule, or one person."""

    kind: str  # "schedule" or "person"
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True, slots=True)
class Level:
    targets: tuple[Target, ...]
    wait: timedelta  # then the next level is paged


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    levels: tuple[Level, ...]
    repeat: int = 1  # the levels run this many times in all


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    owner: str | None = None
    runbook: str | None = None
    escalation: str | None = None


@dataclass(frozen=True, slots=True)
class OnCall:
    """Every on-call table, after all the files were read and checked."""

    people: Mapping[str, Person] = field(default_factory=dict)
    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    escalation: Mapping[str, Policy] = field(default_factory=dict)
    services: Mapping[str, Service] = field(default_factory=dict)

    def schedule(self, name: str) -> Schedule:
        """The schedule called `name`; UsageError listing the known ones."""
        if name not in self.schedules:
            known = ", ".join(sorted(self.schedules)) or "none are configured"
            raise UsageError(f"no schedule {name!r} (known: {known})")
        return self.schedules[name]

    def person(self, name: str) -> Person:
        """The person called (or aliased) `name`; UsageError listing the known ones."""
        found = self.person_named(name)
        if found is None:
            known = ", ".join(sorted(self.people)) or "none are configured"
            raise UsageError(f"{name!r} is not a person in [people] (known: {known})")
        return found

    def person_named(self, name: str) -> Person | None:
        """The person called `name` or known by it as an alias."""
        if name in self.people:
            return self.people[name]
        for person in self.people.values():
            if name in person.aliases:
                return person
        return None

    def policy_for(self, service: str) -> Policy | None:
        """The service's escalation policy, else `[escalation.default]`, else None."""
        known = self.services.get(service)
        if known is not None and known.escalation is not None:
            return self.escalation[known.escalation]
        return self.escalation.get("default")

    def schedules_of(self, policy: Policy) -> list[str]:
        """The schedules a policy pages, in the order its levels name them."""
        names = [t.name for level in policy.levels for t in level.targets if t.kind == "schedule"]
        return list(dict.fromkeys(names))
