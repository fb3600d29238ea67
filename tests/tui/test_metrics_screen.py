"""The metrics screen as a person meets it (Textual Pilot, 120x40): the MTTR
plot's bars look like bars for 1, 2, 12 and 30 months of data (bounded width,
the months on the x axis, the unit on the y axis; never one solid block across
the plot), and the filter form gives the screen the CLI's filters (since,
until, service, severity), named in the title."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Input

from tests.core import year
from tests.tui.helpers import open_metrics, screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.core.metrics import Filters, compute
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.metrics import MAX_BAR, MetricsFilterForm, MetricsScreen

SIZE = (120, 40)
BAR = "█"


def _months(store: SQLiteStore, clock: FixedClock, months: int) -> None:
    """Two incidents a month for `months` months from January 2023, MTTR growing."""
    for month in range(months):
        for number in range(2):
            when = datetime(2023 + month // 12, month % 12 + 1, 5 + 10 * number, 9, tzinfo=UTC)
            clock.set(when)
            made = declare(store, "alice", clock, f"m{month}-{number}", severity=2 + number)
            clock.set(when + timedelta(minutes=20 + 9 * month + 15 * number))
            write(store, made.id, "status_changed", "alice", {"to": "resolved"}, clock)
    clock.set(datetime(2026, 11, 26, 3, 40, tzinfo=UTC))


def _year(store: SQLiteStore, months: int) -> None:
    """The generated year of incidents (tests/core/year.py), its first `months` months."""
    plans = [plan for plan in year.generate() if plan.detected.month <= months]
    store.append_many(year.all_events(plans))


async def _apply(pilot: Any, app: WarroomApp, screen: MetricsScreen, filtered: bool) -> None:
    """Enter in the form; wait for the screen's figures with (or without) filters."""
    await pilot.press("enter")
    await wait_until(
        pilot,
        lambda: (
            app.screen is screen
            and screen.report is not None
            and (screen.report.filters != Filters()) == filtered
        ),
    )


def _canvas_rows(plot: list[str]) -> list[str]:
    """The rows inside the plot's frame, without the y axis."""
    top = next(i for i, row in enumerate(plot) if "┌" in row)
    bottom = next(i for i, row in enumerate(plot) if "└" in row)
    rows = []
    for row in plot[top + 1 : bottom]:
        left = row.find("┤") if "┤" in row else row.find("│")
        rows.append(row[left + 1 : row.rindex("│")])
    return rows


@pytest.mark.parametrize("months", [1, 2, 12, 30])
async def test_the_mttr_bars_look_like_bars_for_any_number_of_months(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    months: int,
) -> None:
    if months in (1, 2, 12):
        _year(sqlite_store, months)
    else:
        _months(sqlite_store, clock, months)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_metrics(pilot, app)
        assert screen.plotted_with == "plotext"
        assert screen.report is not None
        labels = [month["month"] for month in screen.report.per_month]
        assert len(labels) == months
        mttr = screen.query(".metrics-plot").first()
        plot = mttr.render().plain.splitlines()  # type: ignore[union-attr]
        assert "MTTR by month (median, " in plot[0]
        rows = _canvas_rows(plot)
        width = len(rows[0])
        assert width > 100
        for row in rows:  # never one solid block: every bar of bounded width
            assert row.strip(" ") != BAR * width
            assert max(map(len, re.findall(f"{BAR}+", row)), default=0) <= MAX_BAR
        measured = [m for m in screen.report.per_month if m["mttr"]["median_seconds"]]
        assert len(re.findall(f"{BAR}+", rows[-1])) == len(measured)  # one bar each
        # the x axis: the months (every one that fits; never fewer than 8)
        shown = plot[-2].split()
        assert shown == [label for label in labels if label in shown]
        assert shown[0] == labels[0] and len(shown) >= min(months, 8)
        if months <= 12:
            assert shown == labels
        # the y axis: round numbers, and the unit
        assert plot[-1].strip() in ("minutes", "hours")
        assert f"median, {plot[-1].strip()})" in plot[0]
        ticks = [row.split("┤")[0].strip() for row in plot if "┤" in row]
        assert ticks[-1] == "0" and all(re.fullmatch(r"\d+(\.\d+)?", t) for t in ticks)
        # the same on screen
        text = screen_text(app)
        assert labels[0] in text and "MTTR by month" in text


async def test_the_filter_form_gives_the_screen_the_cli_s_filters(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore
) -> None:
    _year(sqlite_store, 12)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_metrics(pilot, app)
        assert screen.report is not None
        everything = screen.report.incidents
        assert "all incidents" in screen_text(app)

        # Esc cancels: nothing typed is applied
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsFilterForm))
        await pilot.press(*"2025-06-01", "escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.pause(0.2)
        assert screen.filters == Filters() and screen.report.incidents == everything

        # a bad field keeps the form open and says why
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsFilterForm))
        form = app.screen
        form.query_one("#severity", Input).value = "9"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "severity 9 is not defined" in screen_text(app))
        assert app.screen is form
        form.query_one("#severity", Input).value = ""

        # Enter applies: since, until, service (any case), severity
        form.query_one("#since", Input).focus()
        await pilot.press(
            *"2025-03-01T00:00Z", "tab", *"2025-09-01T00:00Z", "tab", *"CHECKOUT", "tab", "3"
        )
        await _apply(pilot, app, screen, filtered=True)
        want = Filters(
            since=datetime(2025, 3, 1, tzinfo=UTC),
            until=datetime(2025, 9, 1, tzinfo=UTC),
            service="CHECKOUT",
            severity=3,
        )
        assert screen.filters.service == "CHECKOUT" and screen.filters.severity == 3
        expected = compute(sqlite_store.incidents(include_closed=True), want)
        assert screen.report.incidents == expected.incidents < everything
        assert screen.report.measures == expected.measures
        title = screen_text(app)
        assert "service CHECKOUT" in title and "SEV3" in title
        assert "detected from 2025-03-01" in title and "before 2025-09-01" in title

        # the form opens with what was typed; blank fields filter nothing again
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsFilterForm))
        form = app.screen
        assert form.query_one("#service", Input).value == "CHECKOUT"
        for name in ("since", "until", "service", "severity"):
            form.query_one(f"#{name}", Input).value = ""
        await _apply(pilot, app, screen, filtered=False)
        assert screen.report.incidents == everything
