"""Game-day drills, the pure half: reading a scenario and scoring a response.

A scenario is a TOML file (the shipped ones are in `data/scenarios/`):

    title = "Checkout API: 5xx after a deploy"
    service = "checkout-api"
    severity = 3              # what the page says
    duration = "45m"          # drill time; the drill ends then, or when resolved
    briefing = "..."          # printed for the facilitator at the start
    runbook = "web-api-error-rate"   # optional; default: the service's runbook

    [expect]                  # the checklist, in drill time from the first page
    declare = "5m"            # a responder takes the incident
    lead = "5m"               # an Incident Lead is assigned
    update = "15m"            # the first stakeholder update
    mitigate = "30m"
    resolve = "60m"           # optional
    severity = 2              # optional: the level the team should settle on

    [[inject]]                # timed events, written as the drill runs
    at = "2m"
    kind = "alert"            # alert (a note), note, finding, status, link
    actor = "alertmanager"    # the system it comes from (default: monitoring / drill)
    text = "[FIRING:1] CheckoutApiHighErrorRate ..."
    if_status = ["mitigated"] # optional: only while the incident is in one of these

The drill opens the incident itself (as the page would), so "declare" is
when a responder takes it: their first entry on its timeline.  Neither the
drill's own events (its actor, the injects' actors) nor the join that opening
the war room writes by itself count.  A scenario
may send the incident back (`status` to investigating or identified) but
never mitigates or resolves it: that is the team's job, and what is scored.

Every time is drill time: at `--speed N`, one real second is N drill seconds.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.errors import UsageError
from warroom.core.events import Event
from warroom.core.fold import fold
from warroom.core.timeparse import _relative_seconds
from warroom.core.times import format_duration

DRILL_ACTOR = "drill"
# scenario kind -> event kind
INJECT_KINDS = {
    "alert": "note",
    "note": "note",
    "finding": "finding",
    "status": "status_changed",
    "link": "link_added",
}
STATUS_TARGETS = ("investigating", "identified")
TIMED_CHECKS = {
    "declare": "a responder takes the incident",
    "lead": "an Incident Lead is assigned",
    "update": "the first stakeholder update is posted",
    "mitigate": "the impact is mitigated",
    "resolve": "the incident is resolved",
}
_SCENARIO_KEYS = {
    "title", "service", "severity", "duration", "briefing", "runbook", "expect", "inject", "page",
}  # fmt: skip
_INJECT_KEYS = {"at", "kind", "actor", "text", "to", "url", "label", "if_status"}


@dataclass(frozen=True, slots=True)
class Inject:
    """One timed event of a scenario."""

    at: timedelta
    kind: str  # the scenario's word: alert, note, finding, status, link
    actor: str
    data: dict[str, Any]
    if_status: tuple[str, ...] = ()

    @property
    def event_kind(self) -> str:
        return INJECT_KINDS[self.kind]

    def describe(self) -> str:
        if self.kind == "status":
            reason = self.data.get("reason")
            return f"status -> {self.data['to']}" + (f": {reason}" if reason else "")
        if self.kind == "link":
            return f"link {self.data.get('label') or ''} {self.data['url']}".replace("  ", " ")
        return f"{self.kind}: {self.data['text']}"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    severity: int
    duration: timedelta
    injects: tuple[Inject, ...]
    expect: dict[str, timedelta] = field(default_factory=dict)
    expect_severity: int | None = None
    service: str | None = None
    briefing: str = ""
    runbook: str | None = None
    page: bool = False  # page the service's escalation policy for real (`page = true`)

    @property
    def systems(self) -> frozenset[str]:
        """The actors that are the drill, not the team."""
        return frozenset({DRILL_ACTOR, *(inject.actor for inject in self.injects)})


def parse_duration(value: Any, where: str) -> timedelta:
    """`"90s"`, `"5m"`, `"1h30m"`, or a number of seconds."""
    seconds: float | None
    if isinstance(value, bool):
        seconds = None
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _relative_seconds(value.strip().lower())
    else:
        seconds = None
    if seconds is None or seconds < 0:
        raise UsageError(f'{where}: {value!r} is not a duration; use e.g. "90s", "5m", "1h30m"')
    return timedelta(seconds=seconds)


def parse_scenario(text: str, name: str, source: str = "scenario") -> Scenario:
    """Read a scenario; UsageError naming the file and the bad entry."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{source} is not valid TOML: {error}") from None
    _no_unknown(raw, _SCENARIO_KEYS, source)
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise UsageError(f'{source}: title must be a non-empty string: title = "..."')
    severity = raw.get("severity", 3)
    if not isinstance(severity, int) or isinstance(severity, bool):
        raise UsageError(f"{source}: severity must be a level, e.g. severity = 2")
    duration = parse_duration(raw.get("duration", "60m"), f"{source}: duration")
    raw_injects = raw.get("inject", [])
    if not isinstance(raw_injects, list) or not raw_injects:
        raise UsageError(f"{source}: a scenario needs at least one [[inject]]")
    injects = [
        _inject(entry, f"{source}: inject {number}")
        for number, entry in enumerate(raw_injects, start=1)
    ]
    for number, inject in enumerate(injects, start=1):
        if inject.at > duration:
            raise UsageError(f"{source}: inject {number} comes after the duration ({duration})")
    expect, expect_severity = _expect(raw.get("expect", {}), f"{source}: [expect]")
    page = raw.get("page", False)
    if not isinstance(page, bool):
        raise UsageError(f"{source}: page must be true or false (true: the drill pages on-call)")
    return Scenario(
        name=name,
        title=title.strip(),
        severity=severity,
        duration=duration,
        injects=tuple(sorted(injects, key=lambda inject: inject.at)),
        expect=expect,
        expect_severity=expect_severity,
        service=_optional_text(raw, "service", source),
        briefing=_optional_text(raw, "briefing", source) or "",
        runbook=_optional_text(raw, "runbook", source),
        page=page,
    )


def _no_unknown(raw: dict[str, Any], known: set[str], where: str) -> None:
    for key in raw:
        if key not in known:
            raise UsageError(f"{where}: unknown key {key!r} (keys: {', '.join(sorted(known))})")


def _optional_text(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{where}: {key} must be a string")
    return value.strip() or None


def _inject(entry: Any, where: str) -> Inject:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: must be a table")
    _no_unknown(entry, _INJECT_KEYS, where)
    kind = entry.get("kind", "alert")
    if kind not in INJECT_KINDS:
        raise UsageError(f"{where}: kind {kind!r}; kinds: {', '.join(INJECT_KINDS)}")
    at = parse_duration(entry.get("at", 0), f"{where}: at")
    actor = entry.get("actor") or ("monitoring" if kind == "alert" else DRILL_ACTOR)
    if not isinstance(actor, str):
        raise UsageError(f"{where}: actor must be a string")
    if_status = entry.get("if_status", [])
    if not isinstance(if_status, list) or not all(isinstance(s, str) for s in if_status):
        raise UsageError(f'{where}: if_status must be a list of statuses, e.g. ["mitigated"]')
    data: dict[str, Any]
    if kind == "status":
        target = entry.get("to")
        if target not in STATUS_TARGETS:
            raise UsageError(
                f"{where}: a scenario may move the incident to {' or '.join(STATUS_TARGETS)} "
                "only; mitigating and resolving are the team's to do"
            )
        data = {"to": target}
        if entry.get("text"):
            data["reason"] = str(entry["text"])
    elif kind == "link":
        if not isinstance(entry.get("url"), str) or not entry["url"].strip():
            raise UsageError(f'{where}: a link needs url = "..."')
        data = {"url": entry["url"], "label": str(entry.get("label", ""))}
    else:
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            raise UsageError(f'{where}: text = "..." is missing')
        data = {"text": text.strip()}
    return Inject(at=at, kind=kind, actor=actor.strip(), data=data, if_status=tuple(if_status))


def _expect(raw: Any, where: str) -> tuple[dict[str, timedelta], int | None]:
    if not isinstance(raw, dict):
        raise UsageError(f"{where} must be a table")
    _no_unknown(raw, {*TIMED_CHECKS, "severity"}, where)
    expect = {key: parse_duration(raw[key], f"{where} {key}") for key in TIMED_CHECKS if key in raw}
    severity = raw.get("severity")
    if severity is not None and (not isinstance(severity, int) or isinstance(severity, bool)):
        raise UsageError(f"{where} severity must be a level, e.g. severity = 2")
    return expect, severity


# -- scoring ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One expected response: how long it took (drill time) against its target."""

    key: str
    label: str
    target: timedelta | None
    took: timedelta | None  # None: not done

    @property
    def met(self) -> bool:
        return self.took is not None and (self.target is None or self.took <= self.target)

    def line(self) -> str:
        took = format_duration(self.took.total_seconds()) if self.took is not None else "not done"
        target = f"within {format_duration(self.target.total_seconds())}" if self.target else ""
        mark = "met   " if self.met else "MISSED"
        return f"  {mark}  {self.key:<9} {self.label:<40} {took:>9}  {target}".rstrip()


@dataclass(frozen=True, slots=True)
class Score:
    checks: list[Check]
    speed: float

    @property
    def met(self) -> int:
        return sum(1 for check in self.checks if check.met)

    def lines(self) -> list[str]:
        speed = f"{self.speed:g}"
        return [
            f"times are drill time ({speed}x real time), from the first page:",
            *(check.line() for check in self.checks),
            f"{self.met} of {len(self.checks)} expected responses met",
        ]

    def summary(self) -> str:
        """One line for the incident's timeline."""
        parts = []
        for check in self.checks:
            took = format_duration(check.took.total_seconds()) if check.took is not None else None
            target = (
                f" (target {format_duration(check.target.total_seconds())})" if check.target else ""
            )
            parts.append(f"{check.key} {took or 'not done'}{target}")
        met = f"{self.met} of {len(self.checks)} expected responses met"
        return f"Drill score ({self.speed:g}x): {met}; " + "; ".join(parts)


def score(
    events: Sequence[Event], scenario: Scenario, speed: float, catalog: Catalog | None = None
) -> Score:
    """How the team did against the scenario's checklist, from the incident's
    events (in seq order; the first is the drill's `declared`)."""
    if not events:
        raise ValueError("no events to score")
    start = events[0].occurred_at
    systems = scenario.systems
    team = [event for event in events if event.actor not in systems]
    taken = [event for event in team if not opened_the_room(event)]

    def drill_time(moment: datetime | None) -> timedelta | None:
        if moment is None:
            return None
        return max(moment - start, timedelta(0)) * speed

    def first(kind: str, **match: Any) -> datetime | None:
        for event in team:
            if event.kind == kind and all(event.data.get(k) == v for k, v in match.items()):
                return _when(event)
        return None

    milestones = fold(events, catalog).milestones
    reached: dict[str, datetime | None] = {
        "declare": _when(taken[0]) if taken else None,
        "lead": first("role_assigned", role="lead"),
        "update": first("comms_update"),
        "mitigate": milestones.get("mitigated"),
        "resolve": milestones.get("resolved"),
    }
    checks = [
        Check(key, TIMED_CHECKS[key], target, drill_time(reached[key]))
        for key, target in scenario.expect.items()
    ]
    if scenario.expect_severity is not None:
        level = scenario.expect_severity
        at = start if events[0].data.get("severity") == level else None
        at = at or first("severity_changed", severity=level)
        checks.append(Check("severity", f"the severity is set to SEV{level}", None, drill_time(at)))
    return Score(checks, speed)


def opened_the_room(event: Event) -> bool:
    """A join that opening the war room wrote by itself: not a responder
    taking the incident (the demo's TUI does it as soon as it starts)."""
    return event.kind == "participant_joined" and event.data.get("opened") is True


def _when(event: Event) -> datetime:
    """When a person did it: when the store took it (a back-dated note still
    counts when it was written)."""
    return event.recorded_at or event.occurred_at
