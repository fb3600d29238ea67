"""A generated year of realistic incidents, and the metrics they should give.

`generate(seed)` plans 200 incidents over 2025 (seeded random: severities,
services with repeats, drills, cancelled ones, back-dated milestones, some never
acknowledged, mitigated or resolved, a few reopened) and writes each as the
events a team would have recorded.  Each `Plan` keeps the generator's own
numbers (the milestone times it chose, the final severity), so `expected`
computes the metrics straight from them, without warroom's metrics code.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from warroom.core.events import Event, make_event, new_id

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)
STORE_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # the store's clock: after every event
COUNT = 200

SEVERITIES = (1, 2, 3, 4, 5)
SEVERITY_WEIGHTS = (5, 15, 40, 25, 15)
# Zipf-like: a few services have most incidents (repeats); None: no service given.
SERVICES = (
    ("checkout", 20), ("payments", 14), ("search", 10), ("auth", 8), ("inventory", 6),
    ("notifications", 4), ("billing-api", 3), (None, 10),
)  # fmt: skip
ONE_OFF_SERVICES = ("legacy-ftp", "status-page", "sso-bridge")
SYMPTOMS = ("5xx spike", "latency p99 > 2s", "queue backlog", "error rate up", "timeouts")
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank")


@dataclass
class Plan:
    """One incident as the generator made it: the truth the metrics should find."""

    number: int  # INC-n: incidents are declared in this order
    service: str | None
    severity: int  # the final severity
    drill: bool
    cancelled: bool
    detected: datetime
    started: datetime | None  # None: no impact start was recorded
    acknowledged: datetime | None
    mitigated: datetime | None
    resolved: datetime | None
    events: list[Event] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"

    @property
    def counted(self) -> bool:
        return not self.drill and not self.cancelled


def _minutes(rng: random.Random, mean: float, low: float = 0.5) -> timedelta:
    return timedelta(minutes=max(low, rng.expovariate(1 / mean)), seconds=rng.randrange(60))


def _detection_times(rng: random.Random) -> list[datetime]:
    """200 detection times over the year, more on weekdays and working hours."""
    times: list[datetime] = []
    while len(times) < COUNT:
        moment = YEAR_START + timedelta(seconds=rng.randrange(365 * 86400))
        weekend = moment.weekday() >= 5
        night = not 7 <= moment.hour < 20
        if rng.random() < (0.35 if weekend else 1.0) * (0.5 if night else 1.0):
            times.append(moment)
    return sorted(times)


def generate(seed: int = 2025) -> list[Plan]:
    rng = random.Random(seed)
    plans = []
    names, weights = zip(*SERVICES, strict=True)
    one_offs = list(ONE_OFF_SERVICES)
    for number, detected in enumerate(_detection_times(rng), start=1):
        service = rng.choices(names, weights)[0]
        if one_offs and rng.random() < 0.03:
            service = one_offs.pop()
        plans.append(_plan(rng, number, detected, service))
    return plans


def _plan(rng: random.Random, number: int, detected: datetime, service: str | None) -> Plan:
    incident_id = new_id()
    declarer = rng.choice(PEOPLE)
    others = [person for person in PEOPLE if person != declarer]
    declared_sev = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
    drill = rng.random() < 0.05
    cancelled = not drill and rng.random() < 0.06
    declared_at = detected + _minutes(rng, 4)
    started = detected - _minutes(rng, 25, low=1) if rng.random() < 0.7 else None
    events: list[Event] = []
    seq = 0

    def add(kind: str, data: dict[str, Any], at: datetime, actor: str = declarer) -> None:
        nonlocal seq
        events.append(make_event(incident_id, kind, actor, data, at, base_seq=seq))
        seq += 1

    declared: dict[str, Any] = {
        "title": f"{service or 'edge'} {rng.choice(SYMPTOMS)}",
        "severity": declared_sev,
        "drill": drill,
        "lead": declarer,
        "detected_at": detected.isoformat(),
    }
    if service:
        declared["service"] = service
    if started is not None:
        declared["started_at"] = started.isoformat()
    add("declared", declared, declared_at)

    severity = declared_sev
    if rng.random() < 0.2:
        severity = rng.choice([level for level in SEVERITIES if level != declared_sev])
        add("severity_changed", {"severity": severity}, declared_at + _minutes(rng, 5))

    # Acknowledged: someone else joins (the fold's rule), or a back-dated milestone
    # recorded at the end; some pages are never acknowledged.
    acknowledged = detected + _minutes(rng, 8) if rng.random() < 0.85 else None
    ack_by_milestone = acknowledged is not None and rng.random() < 0.3
    if acknowledged is not None and not ack_by_milestone:
        add("participant_joined", {"person": rng.choice(others)}, acknowledged)
    add("note", {"text": "looking at the dashboards"}, declared_at + _minutes(rng, 3))

    mitigated = resolved = None
    back_dated: list[tuple[str, datetime]] = []
    clock = max(declared_at, acknowledged or declared_at)
    if cancelled:
        add(
            "status_changed",
            {"to": "cancelled", "reason": "false alarm"},
            clock + _minutes(rng, 10),
        )
    else:
        outcome = rng.random()
        if outcome < 0.10:  # still open at the end of the year
            add("status_changed", {"to": "identified"}, clock + _minutes(rng, 20))
        elif outcome < 0.25:  # resolved without a mitigation step
            resolved = clock + _minutes(rng, 90)
            add("status_changed", {"to": "resolved"}, resolved)
        else:
            mitigated = clock + _minutes(rng, 40)
            if rng.random() < 0.3:  # typed in later, back-dated
                back_dated.append(("mitigated", mitigated))
                add("action", {"text": "rolled back"}, mitigated)
            else:
                add("status_changed", {"to": "mitigated"}, mitigated)
            if rng.random() < 0.85:
                resolved = mitigated + _minutes(rng, 120)
                if back_dated:
                    add("status_changed", {"to": "resolved"}, resolved)
                elif rng.random() < 0.08:  # reopened: mitigated and resolved again
                    reopened = resolved + _minutes(rng, 30)
                    add("status_changed", {"to": "resolved"}, resolved)
                    add("status_changed", {"to": "investigating"}, reopened)
                    mitigated = reopened + _minutes(rng, 30)
                    add("status_changed", {"to": "mitigated"}, mitigated)
                    resolved = mitigated + _minutes(rng, 60)
                    add("status_changed", {"to": "resolved"}, resolved)
                else:
                    add("status_changed", {"to": "resolved"}, resolved)
                closed = resolved + timedelta(days=rng.randint(1, 5))
                if rng.random() < 0.7 and closed < STORE_NOW:
                    add("status_changed", {"to": "closed"}, closed)
    if ack_by_milestone:
        assert acknowledged is not None
        back_dated.append(("acknowledged", acknowledged))
    for name, moment in back_dated:
        add("milestone", {"name": name}, moment, actor=rng.choice(others))
    return Plan(
        number=number,
        service=service,
        severity=severity,
        drill=drill,
        cancelled=cancelled,
        detected=detected,
        started=started,
        acknowledged=acknowledged,
        mitigated=mitigated,
        resolved=resolved,
        events=events,
    )


def all_events(plans: list[Plan]) -> list[Event]:
    """Every event, declarations in INC order (each incident's events in its own order)."""
    return [event for plan in plans for event in plan.events]


# -- the expected figures, from the generator's own numbers -----------------


def stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"mean_seconds": None, "median_seconds": None, "p90_seconds": None, "count": 0}
    ordered = sorted(values)
    return {
        "mean_seconds": sum(ordered) / len(ordered),
        "median_seconds": statistics.median(ordered),
        "p90_seconds": ordered[math.ceil(0.9 * len(ordered)) - 1],
        "count": len(ordered),
    }


def _seconds(end: datetime | None, start: datetime | None) -> float | None:
    return (end - start).total_seconds() if end and start else None


def durations(plan: Plan) -> dict[str, float | None]:
    return {
        "mttd": _seconds(plan.detected, plan.started),
        "mtta": _seconds(plan.acknowledged, plan.detected),
        "mttm": _seconds(plan.mitigated, plan.detected),
        "mttr": _seconds(plan.resolved, plan.detected),
    }


def select(
    plans: list[Plan],
    since: datetime | None = None,
    until: datetime | None = None,
    service: str | None = None,
    severity: int | None = None,
) -> list[Plan]:
    """The plans a metrics query keeps: counted ones detected in [since, until)."""
    return [
        plan
        for plan in plans
        if plan.counted
        and (since is None or plan.detected >= since)
        and (until is None or plan.detected < until)
        and (service is None or plan.service == service)
        and (severity is None or plan.severity == severity)
    ]


def expected(plans: list[Plan], **filters: Any) -> dict[str, Any]:
    kept = select(plans, **filters)
    result: dict[str, Any] = {}
    for key in ("mttd", "mtta", "mttm", "mttr"):
        values = [durations(plan)[key] for plan in kept]
        result[key] = stats([value for value in values if value is not None])
    weeks = Counter()
    months: dict[str, list[Plan]] = {}
    for plan in kept:
        year, week, _ = plan.detected.isocalendar()
        weeks[f"{year}-W{week:02d}"] += 1
        months.setdefault(plan.detected.strftime("%Y-%m"), []).append(plan)
    result["weeks"] = dict(weeks)
    result["months"] = {
        month: (
            len(members),
            stats([d for d in (durations(p)["mttr"] for p in members) if d is not None]),
        )
        for month, members in months.items()
    }
    counts = Counter(plan.severity for plan in kept)
    result["severity"] = {str(level): counts.get(level, 0) for level in SEVERITIES}
    by_service: dict[str, list[str]] = {}
    for plan in kept:
        if plan.service:
            by_service.setdefault(plan.service, []).append(plan.ref)
    result["repeat_services"] = {
        service: refs for service, refs in by_service.items() if len(refs) >= 2
    }
    result["first"] = min((plan.detected for plan in kept), default=None)
    result["last"] = max((plan.detected for plan in kept), default=None)
    return result


def monday_of(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def assert_metrics_match(report: dict[str, Any], want: dict[str, Any]) -> None:
    """`metrics --json` against the figures computed from the generator."""
    for key in ("mttd", "mtta", "mttm", "mttr"):
        got, expected = report[key], want[key]
        assert got["count"] == expected["count"], key
        for name in ("mean_seconds", "median_seconds", "p90_seconds"):
            if expected[name] is None:
                assert got[name] is None, (key, name)
            else:
                assert got[name] == pytest.approx(expected[name], abs=1e-6), (key, name)
    assert report["severity"] == want["severity"]
    assert {w["week"]: w["incidents"] for w in report["per_week"] if w["incidents"]} == want[
        "weeks"
    ]
    if want["first"] is None:
        assert report["per_week"] == [] and report["per_month"] == []
    else:
        weeks = report["per_week"]
        starts = [datetime.fromisoformat(w["starts"]).date() for w in weeks]
        assert starts[0] == monday_of(want["first"])
        assert starts[-1] == monday_of(want["last"])
        assert all(b - a == timedelta(days=7) for a, b in pairwise(starts))
        months = {m["month"]: m for m in report["per_month"]}
        assert list(months) == sorted(months)
        assert min(months) == want["first"].strftime("%Y-%m")
        for month, (count, mttr) in want["months"].items():
            assert months[month]["incidents"] == count
            assert months[month]["mttr"]["count"] == mttr["count"]
            if mttr["count"]:
                assert months[month]["mttr"]["median_seconds"] == pytest.approx(
                    mttr["median_seconds"]
                )
        assert sum(m["incidents"] for m in months.values()) == sum(want["severity"].values())
    repeats = {item["service"]: item for item in report["repeat_services"]}
    assert {s: r["refs"] for s, r in repeats.items()} == want["repeat_services"]
    assert [r["incidents"] for r in report["repeat_services"]] == sorted(
        (len(refs) for refs in want["repeat_services"].values()), reverse=True
    )
