"""Response metrics: the definitions on small logs, then a generated year of 200
incidents in a real SQLite store whose expected figures come straight from the
generator's own numbers (tests/core/year.py), never from warroom.core.metrics."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.core import year
from tests.core.builder import Log, minutes
from warroom.core.catalog import Catalog
from warroom.core.clock import FixedClock
from warroom.core.incident import Incident
from warroom.core.metrics import MEASURE, Filters, compute, interval, nearest_rank, summarise
from warroom.store.sqlite import SQLiteStore

RAM_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
CATALOG = Catalog.default()


def incident(
    *,
    started: float | None = None,
    detected: float = 0,
    acknowledged: float | None = None,
    mitigated: float | None = None,
    resolved: float | None = None,
    cancel: bool = False,
    drill: bool = False,
    service: str | None = "checkout",
    severity: int = 3,
    at: datetime | None = None,
) -> Incident:
    """An incident folded from real events; times in minutes after `at` (default T0)."""
    base = at or minutes(0)

    def when(offset: float) -> datetime:
        return base + timedelta(minutes=offset)

    log = Log(CATALOG)
    data: dict[str, Any] = {"detected_at": when(detected).isoformat(), "drill": drill}
    if started is not None:
        data["started_at"] = when(started).isoformat()
    if service:
        data["service"] = service
    log.declare(severity=severity, at=when(detected), **data)
    if acknowledged is not None:
        log.add("milestone", {"name": "acknowledged"}, at=when(acknowledged))
    if mitigated is not None:
        log.add("status_changed", {"to": "mitigated"}, at=when(mitigated))
    if resolved is not None:
        log.add("status_changed", {"to": "resolved"}, at=when(resolved))
    if cancel:
        log.add("status_changed", {"to": "cancelled"}, at=when(detected + 1))
    return log.state()


# -- definitions -------------------------------------------------------------


def test_each_measure_is_the_interval_between_its_milestones() -> None:
    state = incident(started=-10, detected=0, acknowledged=3, mitigated=20, resolved=65)
    assert interval(state, MEASURE["mttd"]) == 600
    assert interval(state, MEASURE["mtta"]) == 180
    assert interval(state, MEASURE["mttm"]) == 1200
    assert interval(state, MEASURE["mttr"]) == 3900


def test_time_to_detect_needs_a_recorded_impact_start() -> None:
    """Without one the fold assumes the detection time; that is not a zero MTTD."""
    state = incident(detected=0, resolved=30)
    assert state.milestones["started"] == state.milestones["detected"]
    assert interval(state, MEASURE["mttd"]) is None
    report = compute([state])
    assert report.measures["mttd"].count == 0
    assert report.measures["mttr"].count == 1


def test_missing_milestones_leave_the_incident_out_of_that_measure_only() -> None:
    never_acked = incident(started=-5, detected=0, resolved=40)
    report = compute([never_acked])
    assert [report.measures[key].count for key in ("mttd", "mtta", "mttm", "mttr")] == [1, 0, 0, 1]
    assert report.to_json()["mtta"] == {
        "mean_seconds": None,
        "median_seconds": None,
        "p90_seconds": None,
        "count": 0,
    }


def test_an_interval_that_ends_before_it_starts_is_left_out() -> None:
    state = incident(detected=30, acknowledged=10, resolved=60)
    assert interval(state, MEASURE["mtta"]) is None
    assert compute([state]).measures["mtta"].count == 0


def test_nearest_rank_p90_median_and_mean() -> None:
    ten = [float(v) for v in range(1, 11)]
    assert nearest_rank(ten, 90) == 9  # rank ceil(9.0) = 9
    assert nearest_rank([*ten, 11.0], 90) == 10  # rank ceil(9.9) = 10
    assert nearest_rank([7.0], 90) == 7
    stat = summarise([40.0, 10.0, 20.0, 30.0])
    assert (stat.mean, stat.median, stat.p90, stat.count) == (25.0, 25.0, 40.0, 4)
    assert summarise([]).count == 0 and summarise([]).mean is None


def test_drills_and_cancelled_incidents_are_excluded() -> None:
    real = incident(started=-5, resolved=30)
    drill = incident(started=-50, resolved=300, drill=True)
    cancelled = incident(started=-50, cancel=True)
    report = compute([real, drill, cancelled], levels=CATALOG.severities)
    assert report.incidents == 1
    assert report.excluded == {"drills": 1, "cancelled": 1}
    assert report.measures["mttd"].count == 1 and report.measures["mttd"].mean == 300
    assert report.severity == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 0}
    assert report.repeat_services == []


def test_filters_since_until_service_and_severity() -> None:
    jan = incident(at=datetime(2026, 1, 10, tzinfo=UTC), service="Checkout", severity=2)
    feb = incident(at=datetime(2026, 2, 1, tzinfo=UTC), service="search", severity=2)
    mar = incident(at=datetime(2026, 3, 1, tzinfo=UTC), service="checkout", severity=4)
    everything = [jan, feb, mar]

    def refs(filters: Filters) -> list[str]:
        kept = compute(everything, filters).per_month
        return [month["month"] for month in kept if month["incidents"]]

    feb_first = datetime(2026, 2, 1, tzinfo=UTC)
    assert refs(Filters(since=feb_first)) == ["2026-02", "2026-03"]  # since: inclusive
    assert refs(Filters(until=feb_first)) == ["2026-01"]  # until: exclusive
    assert refs(Filters(service="CHECKOUT")) == ["2026-01", "2026-03"]  # any case
    assert refs(Filters(severity=2)) == ["2026-01", "2026-02"]
    assert compute(everything, Filters(service="nothing")).to_json()["per_week"] == []


def test_weeks_are_iso_weeks_in_utc_with_empty_weeks_filled() -> None:
    # 2020-12-31 (Thursday) and 2021-01-01 (Friday) are both in ISO week 2020-W53;
    # 2020-12-20 23:30 in UTC is a Sunday, so in 2020-W51.
    states = [
        incident(at=datetime(2020, 12, 20, 23, 30, tzinfo=UTC)),
        incident(at=datetime(2020, 12, 31, 12, tzinfo=UTC)),
        incident(at=datetime(2021, 1, 1, 12, tzinfo=UTC)),
        incident(at=datetime(2021, 1, 5, tzinfo=UTC)),
    ]
    weeks = compute(states).per_week
    assert weeks == [
        {"week": "2020-W51", "starts": "2020-12-14", "incidents": 1},
        {"week": "2020-W52", "starts": "2020-12-21", "incidents": 0},
        {"week": "2020-W53", "starts": "2020-12-28", "incidents": 2},
        {"week": "2021-W01", "starts": "2021-01-04", "incidents": 1},
    ]
    months = compute(states).per_month
    assert [(m["month"], m["incidents"]) for m in months] == [("2020-12", 2), ("2021-01", 2)]


def test_months_run_across_the_year_with_their_mttr() -> None:
    states = [
        incident(at=datetime(2025, 11, 5, tzinfo=UTC), resolved=60),
        incident(at=datetime(2025, 11, 6, tzinfo=UTC), resolved=120),
        incident(at=datetime(2026, 2, 1, tzinfo=UTC)),
    ]
    months = compute(states).per_month
    assert [(m["month"], m["incidents"]) for m in months] == [
        ("2025-11", 2), ("2025-12", 0), ("2026-01", 0), ("2026-02", 1),
    ]  # fmt: skip
    assert months[0]["mttr"]["median_seconds"] == 5400 and months[0]["mttr"]["count"] == 2
    assert months[3]["mttr"]["count"] == 0


def test_repeat_services_most_first() -> None:
    states = [
        incident(service="search", at=datetime(2026, 1, 3, tzinfo=UTC)),
        incident(service="checkout", at=datetime(2026, 1, 1, tzinfo=UTC)),
        incident(service="checkout", at=datetime(2026, 1, 2, tzinfo=UTC)),
        incident(service="checkout", at=datetime(2026, 1, 4, tzinfo=UTC)),
        incident(service="search", at=datetime(2026, 1, 5, tzinfo=UTC)),
        incident(service="auth", at=datetime(2026, 1, 6, tzinfo=UTC)),
        incident(service=None, at=datetime(2026, 1, 7, tzinfo=UTC)),
        incident(service=None, at=datetime(2026, 1, 8, tzinfo=UTC)),
    ]
    repeats = compute(states).repeat_services
    assert [(item["service"], item["incidents"]) for item in repeats] == [
        ("checkout", 3),
        ("search", 2),
    ]
    assert repeats[0]["refs"] == [s.ref for s in states[1:4]]  # in order of detection


# -- a generated year in a real store ------------------------------------------


@pytest.fixture(scope="module")
def plans() -> list[year.Plan]:
    return year.generate()


@pytest.fixture(scope="module")
def year_store(plans: list[year.Plan]) -> Iterator[SQLiteStore]:
    with tempfile.TemporaryDirectory(dir=RAM_DIR, prefix="warroom-year-") as folder:
        store = SQLiteStore(Path(folder) / "year.db", clock=FixedClock(year.STORE_NOW))
        store.append_many(year.all_events(plans))
        yield store
        store.close()


def test_the_generated_year_is_realistic(plans: list[year.Plan], year_store: SQLiteStore) -> None:
    """The generator makes what the metrics must cope with, and the store agrees."""
    assert len(plans) == 200
    assert sum(plan.drill for plan in plans) >= 3
    assert sum(plan.cancelled for plan in plans) >= 3
    assert sum(plan.started is None for plan in plans) >= 20
    assert sum(plan.acknowledged is None for plan in plans if plan.counted) >= 10
    assert sum(plan.mitigated is None for plan in plans if plan.counted) >= 20
    assert sum(plan.resolved is None for plan in plans if plan.counted) >= 10
    assert len({plan.severity for plan in plans}) == 5
    assert {plan.detected.month for plan in plans} == set(range(1, 13))
    stored = {inc.ref: inc for inc in year_store.incidents(include_closed=True)}
    assert len(stored) == 200
    assert {s.status for s in stored.values()} >= {"closed", "resolved", "cancelled", "identified"}
    for plan in plans:  # the fold saw the milestones the generator chose
        state = stored[plan.ref]
        assert state.milestones["detected"] == plan.detected
        assert state.milestones.get("acknowledged") == plan.acknowledged
        assert state.milestones.get("mitigated") == plan.mitigated
        assert state.milestones.get("resolved") == plan.resolved
        assert state.severity == plan.severity and state.drill == plan.drill


QUERIES: dict[str, dict[str, Any]] = {
    "all": {},
    "second quarter": {
        "since": datetime(2025, 4, 1, tzinfo=UTC),
        "until": datetime(2025, 7, 1, tzinfo=UTC),
    },
    "checkout": {"service": "checkout"},
    "sev2": {"severity": 2},
    "checkout sev3 since june": {
        "service": "checkout",
        "severity": 3,
        "since": datetime(2025, 6, 1, tzinfo=UTC),
    },
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_a_year_of_incidents_gives_the_generators_figures(
    query: str, plans: list[year.Plan], year_store: SQLiteStore
) -> None:
    filters = QUERIES[query]
    report = compute(
        year_store.incidents(include_closed=True), Filters(**filters), levels=CATALOG.severities
    )
    want = year.expected(plans, **filters)
    assert report.incidents == len(year.select(plans, **filters))
    assert set(report.to_json()) == {
        "mttd", "mtta", "mttm", "mttr", "impact", "per_week", "per_month", "severity",
        "repeat_services",
    }  # fmt: skip
    year.assert_metrics_match(report.to_json(), want)


def test_the_whole_year_has_repeats_and_gaps(plans: list[year.Plan]) -> None:
    """Guards that the year exercises what the comparison checks."""
    want = year.expected(plans)
    assert len(want["repeat_services"]) >= 5
    assert all(want[key]["count"] >= 50 for key in ("mttd", "mtta", "mttm", "mttr"))
    assert want["mttd"]["count"] < want["mttr"]["count"] + 100


def test_the_impact_is_counted_as_the_header_and_the_postmortem_count_it() -> None:
    """Impact start to mitigated (52 s here), not to resolved (61 s): one definition."""
    from tests.core.builder import T0, Log

    log = Log()
    log.declare(actor="alice", severity=2)
    log.add("status_changed", {"to": "mitigated"}, at=T0 + timedelta(seconds=52))
    log.add("status_changed", {"to": "resolved"}, at=T0 + timedelta(seconds=61))
    ongoing = Log()
    ongoing.declare(actor="alice", severity=3)
    state = log.state()
    report = compute([state, ongoing.state()])
    assert report.impact.count == 1  # the ongoing one has not ended
    assert report.impact.median == 52 == state.impact_seconds(T0 + timedelta(hours=1))
    assert report.to_json()["impact"]["median_seconds"] == 52
