"""Response metrics over folded incidents (the guide's "Track Metrics That Matter").

Pure functions: give them `Incident`s (from any store) and get numbers.

- MTTD, time to detect:      detected - impact start
- MTTA, time to acknowledge: acknowledged - detected
- MTTM, time to mitigate:    mitigated - detected
- MTTR, time to resolve:     resolved - detected

Each is reported as mean, median and p90 (nearest rank: the value at rank
ceil(0.9 n) of the n sorted times) with the count of incidents it covers: an
incident counts for a measure when both its milestones are known.  The impact
start counts only when someone recorded it (otherwise the fold assumes the
detection time, which would make time to detect zero).  An interval that ends
before it starts (inconsistent milestones) is left out.

Drills and cancelled incidents are excluded.  An incident belongs to the period,
the ISO week and the month (all UTC) in which it was detected.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.incident import Incident
from warroom.core.text import clean_line
from warroom.core.times import format_duration

CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Measure:
    key: str  # mttd, mtta, mttm, mttr
    name: str  # "time to detect"
    start: str  # milestone
    end: str  # milestone
    start_label: str
    end_label: str

    @property
    def label(self) -> str:
        return self.key.upper()

    @property
    def definition(self) -> str:
        return f"{self.name}: {self.end_label} - {self.start_label}"


MEASURES: tuple[Measure, ...] = (
    Measure("mttd", "time to detect", "started", "detected", "impact start", "detected"),
    Measure("mtta", "time to acknowledge", "detected", "acknowledged", "detected", "acknowledged"),
    Measure("mttm", "time to mitigate", "detected", "mitigated", "detected", "mitigated"),
    Measure("mttr", "time to resolve", "detected", "resolved", "detected", "resolved"),
)
MEASURE = {measure.key: measure for measure in MEASURES}

DEFINITIONS: tuple[str, ...] = (
    *(f"{m.label}  {m.definition}" for m in MEASURES),
    "Each as mean, median and p90 (nearest rank: the value at rank ceil(0.9 n) of the n",
    "sorted times), over the incidents that have both times (the count beside it).",
    "Time to detect counts only incidents whose impact start was recorded; an interval",
    "that ends before it starts is left out.  Drills and cancelled incidents are excluded.",
    "An incident belongs to the ISO week and the month (UTC) in which it was detected.",
    "Time impacted: impact start to mitigated, else resolved (as the room's header and the",
    "postmortem count it), over the incidents whose impact has ended.",
)


def interval(incident: Incident, measure: Measure) -> float | None:
    """The measure's time for one incident in seconds; None when unknown."""
    if measure.start == "started" and "started" not in incident.explicit_milestones:
        return None
    start = incident.milestones.get(measure.start)
    end = incident.milestones.get(measure.end)
    if start is None or end is None:
        return None
    seconds = (end - start).total_seconds()
    return seconds if seconds >= 0 else None


@dataclass(frozen=True, slots=True)
class Stat:
    """Mean, median and p90 of some durations (seconds); None when there are none."""

    mean: float | None
    median: float | None
    p90: float | None
    count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "mean_seconds": self.mean,
            "median_seconds": self.median,
            "p90_seconds": self.p90,
            "count": self.count,
        }


def nearest_rank(ordered: list[float], percent: float) -> float:
    """The nearest-rank percentile of an ascending, non-empty list."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(values: Iterable[float]) -> Stat:
    ordered = sorted(values)
    if not ordered:
        return Stat(None, None, None, 0)
    return Stat(
        mean=statistics.fmean(ordered),
        median=float(statistics.median(ordered)),
        p90=float(nearest_rank(ordered, 90)),
        count=len(ordered),
    )


def detected_at(incident: Incident) -> datetime | None:
    """When the incident was detected (the fold sets it from the declaration)."""
    return incident.milestones.get("detected") or incident.declared_at


def counted(incident: Incident) -> bool:
    """Whether the incident counts in metrics: not a drill, not cancelled."""
    return not incident.drill and incident.status != CANCELLED


def week_key(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def month_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


@dataclass(frozen=True, slots=True)
class Filters:
    since: datetime | None = None  # inclusive, on the detection time
    until: datetime | None = None  # exclusive
    service: str | None = None  # compared without case
    severity: int | None = None  # the current severity

    def match(self, incident: Incident) -> bool:
        moment = detected_at(incident)
        if self.since is not None and (moment is None or moment < self.since):
            return False
        if self.until is not None and (moment is None or moment >= self.until):
            return False
        if self.service is not None and (
            incident.service is None
            or incident.service.casefold() != self.service.strip().casefold()
        ):
            return False
        return self.severity is None or incident.severity == self.severity


def parse_filters(
    now: datetime,
    *,
    since: str | None = None,
    until: str | None = None,
    service: str | None = None,
    severity: int | None = None,
    names: tuple[str, str] = ("since", "until"),
) -> Filters:
    """Filters from what a person typed (the CLI's flags, the screen's form):
    times as `parse_time` reads them; blank means no filter.  UsageError on a
    time that is not one, or since not before until
    (`names`: what the two times are called where they were typed)."""
    from warroom.core.timeparse import parse_time

    filters = Filters(
        since=parse_time(since, now) if since and since.strip() else None,
        until=parse_time(until, now) if until and until.strip() else None,
        service=service.strip() if service and service.strip() else None,
        severity=severity,
    )
    if filters.since and filters.until and filters.since >= filters.until:
        raise UsageError(f"{names[0]} must be before {names[1]}")
    return filters


def describe_filters(filters: Filters) -> list[str]:
    """The filters in force, one phrase each (none: every incident)."""
    scope = []
    if filters.since is not None:
        scope.append(f"detected from {filters.since.astimezone(UTC):%Y-%m-%d %H:%MZ}")
    if filters.until is not None:
        scope.append(f"before {filters.until.astimezone(UTC):%Y-%m-%d %H:%MZ}")
    if filters.service is not None:
        scope.append(f"service {clean_line(filters.service)}")
    if filters.severity is not None:
        scope.append(f"SEV{filters.severity}")
    return scope


@dataclass(frozen=True, slots=True)
class Report:
    measures: dict[str, Stat]
    per_week: list[dict[str, Any]]
    per_month: list[dict[str, Any]]
    severity: dict[str, int]
    repeat_services: list[dict[str, Any]]
    incidents: int
    excluded: dict[str, int] = field(default_factory=dict)  # drills, cancelled
    filters: Filters = field(default_factory=Filters)
    # How long users were affected (Incident.impact_window: impact start to
    # mitigated, else resolved), over the incidents whose impact has ended.
    impact: Stat = field(default_factory=lambda: summarise(()))

    def to_json(self) -> dict[str, Any]:
        """The `metrics --json` object."""
        return {
            **{key: stat.to_json() for key, stat in self.measures.items()},
            "impact": self.impact.to_json(),
            "per_week": self.per_week,
            "per_month": self.per_month,
            "severity": self.severity,
            "repeat_services": self.repeat_services,
        }


def compute(
    incidents: Iterable[Incident], filters: Filters | None = None, levels: Iterable[int] = ()
) -> Report:
    """The metrics of the incidents the filters keep (drills and cancelled ones
    excluded).  `levels`: severities always shown in the distribution, even at 0."""
    filters = filters or Filters()
    matching = [incident for incident in incidents if filters.match(incident)]
    kept = [incident for incident in matching if counted(incident)]
    measures = {
        measure.key: summarise(
            value
            for value in (interval(incident, measure) for incident in kept)
            if value is not None
        )
        for measure in MEASURES
    }
    severity_counts = Counter(incident.severity for incident in kept)
    severity = {
        str(level): severity_counts.get(level, 0)
        for level in sorted(set(levels) | set(severity_counts))
    }
    return Report(
        measures=measures,
        per_week=_per_week(kept),
        per_month=_per_month(kept),
        severity=severity,
        repeat_services=_repeat_services(kept),
        incidents=len(kept),
        excluded={
            "drills": sum(1 for incident in matching if incident.drill),
            "cancelled": sum(
                1 for incident in matching if not incident.drill and incident.status == CANCELLED
            ),
        },
        filters=filters,
        impact=summarise(seconds for seconds in map(_ended_impact, kept) if seconds is not None),
    )


def _ended_impact(incident: Incident) -> float | None:
    """How long the incident's impact lasted, once it has ended (else None)."""
    _, ended, _ = incident.impact_window()
    return incident.impact_seconds(ended) if ended is not None else None


def _moments(incidents: list[Incident]) -> list[tuple[datetime, Incident]]:
    return [
        (moment, incident)
        for incident in incidents
        if (moment := detected_at(incident)) is not None
    ]


def _per_week(incidents: list[Incident]) -> list[dict[str, Any]]:
    """Every ISO week from the first incident's to the last one's, empty weeks included."""
    moments = _moments(incidents)
    if not moments:
        return []
    counts = Counter(week_key(moment) for moment, _ in moments)
    first = min(moment for moment, _ in moments).astimezone(UTC).date()
    last = max(moment for moment, _ in moments).astimezone(UTC).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        key = week_key(datetime(monday.year, monday.month, monday.day, tzinfo=UTC))
        weeks.append({"week": key, "starts": monday.isoformat(), "incidents": counts.get(key, 0)})
        monday += timedelta(days=7)
    return weeks


def _per_month(incidents: list[Incident]) -> list[dict[str, Any]]:
    """Every month from the first incident's to the last one's, with its MTTR."""
    moments = _moments(incidents)
    if not moments:
        return []
    grouped: dict[str, list[Incident]] = {}
    for moment, incident in moments:
        grouped.setdefault(month_key(moment), []).append(incident)
    first = min(moment for moment, _ in moments).astimezone(UTC).date().replace(day=1)
    last = max(moment for moment, _ in moments).astimezone(UTC).date()
    months = []
    month = first
    resolve = MEASURE["mttr"]
    while month <= last:
        key = f"{month.year:04d}-{month.month:02d}"
        members = grouped.get(key, [])
        durations = (interval(incident, resolve) for incident in members)
        months.append(
            {
                "month": key,
                "incidents": len(members),
                "mttr": summarise(value for value in durations if value is not None).to_json(),
            }
        )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _repeat_services(incidents: list[Incident]) -> list[dict[str, Any]]:
    """Services with two or more incidents: most incidents first."""
    by_service: dict[str, list[Incident]] = {}
    for incident in incidents:
        if incident.service:
            by_service.setdefault(incident.service, []).append(incident)
    repeats = [
        {
            "service": service,
            "incidents": len(members),
            "refs": [
                incident.ref
                for incident in sorted(
                    members, key=lambda item: detected_at(item) or datetime.min.replace(tzinfo=UTC)
                )
            ],
        }
        for service, members in by_service.items()
        if len(members) >= 2
    ]
    return sorted(repeats, key=lambda item: (-item["incidents"], item["service"]))


# -- text ------------------------------------------------------------------


def report_text(report: Report, severity_names: Mapping[int, str] | None = None) -> str:
    """The `metrics` command's output: the numbers with their definitions."""
    names = severity_names or {}
    lines = [_heading(report), ""]
    lines.append(f"{'':<6}{'':<21}{'mean':>10} {'median':>10} {'p90':>10} {'incidents':>10}")
    for measure in MEASURES:
        stat = report.measures[measure.key]
        lines.append(
            f"{measure.label:<6}{measure.name:<21}{format_duration(stat.mean):>10} "
            f"{format_duration(stat.median):>10} {format_duration(stat.p90):>10} "
            f"{stat.count:>10}"
        )
    impact = report.impact
    lines.append(
        f"{'':<6}{'time impacted':<21}{format_duration(impact.mean):>10} "
        f"{format_duration(impact.median):>10} {format_duration(impact.p90):>10} "
        f"{impact.count:>10}"
    )
    lines += ["", "Definitions:", *(f"  {line}" for line in DEFINITIONS), ""]
    lines.append("Severity distribution:")
    total = sum(report.severity.values()) or 1
    for level, count in report.severity.items():
        name = clean_line(names.get(int(level), ""))
        bar = "#" * round(30 * count / total)
        lines.append(f"  SEV{level} {name:<14} {count:>5}  {bar}".rstrip())
    lines += ["", "Incidents per month (UTC; MTTR median):"]
    for month in report.per_month:
        median = format_duration(month["mttr"]["median_seconds"])
        lines.append(f"  {month['month']}  {month['incidents']:>5}   MTTR {median}")
    lines += ["", "Incidents per ISO week (UTC):"]
    for week in report.per_week:
        lines.append(f"  {week['week']} ({week['starts']})  {week['incidents']:>4}")
    lines += ["", "Services with repeat incidents:"]
    for item in report.repeat_services:
        lines.append(
            f"  {clean_line(item['service']):<20} {item['incidents']:>4}  {', '.join(item['refs'])}"
        )
    if not report.repeat_services:
        lines.append("  none")
    return "\n".join(lines)


def _heading(report: Report) -> str:
    excluded = report.excluded
    scope = describe_filters(report.filters)
    return (
        f"Response metrics: {report.incidents} incident(s)"
        + (f", {'; '.join(scope)}" if scope else "")
        + f" ({excluded.get('drills', 0)} drill(s) and {excluded.get('cancelled', 0)} "
        "cancelled left out)"
    )
