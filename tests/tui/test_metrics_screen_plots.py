"""The metrics screen (issue 5): the four figures with their definitions and
plots of MTTR by month, incidents per week and the severity distribution;
drills and cancelled incidents left out; textual-plotext imported only there,
with Textual's own widgets when it cannot be imported."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.widgets import Sparkline

from tests.tui.helpers import open_metrics as _metrics
from tests.tui.helpers import screen_text, wait_for_screen, wait_until
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.metrics import MetricsScreen

SIZE = (110, 40)


def _incidents(store: SQLiteStore, clock: FixedClock) -> None:
    """Three counted incidents (resolved 60, 30 and 120 minutes after they were
    detected: MTTR mean 70m, median 60m, p90 120m), a drill and a cancelled one."""

    def incident(when: datetime, minutes: int, severity: int, **options: Any) -> str:
        clock.set(when)
        made = declare(store, "alice", clock, f"at {when:%m-%d}", severity=severity, **options)
        clock.set(when + timedelta(minutes=minutes))
        write(store, made.id, "status_changed", "alice", {"to": "resolved"}, clock)
        return made.id

    incident(datetime(2026, 10, 5, 10, tzinfo=UTC), 60, 2, service="checkout")
    incident(datetime(2026, 10, 20, 10, tzinfo=UTC), 30, 2, service="checkout")
    incident(datetime(2026, 11, 3, 10, tzinfo=UTC), 120, 1, service="search")
    incident(datetime(2026, 11, 4, 10, tzinfo=UTC), 5, 1, drill=True)
    clock.set(datetime(2026, 11, 5, 10, tzinfo=UTC))
    cancelled = declare(store, "alice", clock, "false alarm", severity=1)
    write(store, cancelled.id, "status_changed", "alice", {"to": "cancelled"}, clock)
    clock.set(datetime(2026, 11, 26, 3, 40, tzinfo=UTC))


async def _everything(pilot: Any, app: WarroomApp, screen: MetricsScreen) -> str:
    """The whole scrolled body, screenful by screenful."""
    body = screen.query_one("#metrics-body")
    seen = []
    for y in range(0, body.max_scroll_y + body.size.height, max(body.size.height - 1, 1)):
        body.scroll_to(y=y, animate=False)
        await pilot.pause()
        seen.append(screen_text(app))
    return "\n".join(seen)


async def test_the_figures_definitions_and_plots(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incidents(sqlite_store, clock)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _metrics(pilot, app)
        assert screen.plotted_with == "plotext"
        text = screen_text(app)
        assert "3 incidents" in text and "left out: 1 drill(s), 1 cancelled" in text
        [mttr] = [line for line in text.splitlines() if "time to resolve " in line]
        assert mttr.split() == [
            "MTTR",
            "time",
            "to",
            "resolve",
            "1h",
            "10m",
            "1h",
            "00m",
            "2h",
            "00m",
            "3",
        ]
        [mttd] = [line for line in text.splitlines() if "MTTD  time to detect  " in line]
        assert mttd.split()[-1] == "0"  # no impact start was recorded
        assert "MTTR  time to resolve: resolved - detected" in text
        assert "nearest rank" in text
        await pilot.pause(0.2)
        whole = await _everything(pilot, app, screen)
        for title in (
            "MTTR by month (median, minutes)",
            "Incidents per ISO week (UTC)",
            "Severity distribution",
        ):
            assert title in whole
        assert "2026-10" in whole and "2026-11" in whole  # the months
        assert "2026-W41" in whole  # the first week (5 October 2026)
        assert "SEV1" in whole and "SEV5" in whole  # every level, even at 0
        assert "checkout  2  INC-1, INC-2" in whole  # a service with repeat incidents
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_without_textual_plotext_the_plots_use_textuals_own_widgets(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "textual_plotext", None)  # import raises ImportError
    _incidents(sqlite_store, clock)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _metrics(pilot, app)
        assert screen.plotted_with == "textual"
        assert len(screen.query(Sparkline)) == 1
        whole = await _everything(pilot, app, screen)
        assert "MTTR by month (median, minutes)" in whole
        assert "Severity distribution" in whole and "SEV2" in whole


async def test_no_incidents_yet(make_app: Callable[..., WarroomApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("m")
        await wait_until(
            pilot, lambda: isinstance(app.screen, MetricsScreen) and app.screen.report is not None
        )
        assert "No incidents to measure yet." in screen_text(app)


def test_the_plotting_library_is_imported_only_by_the_metrics_screen() -> None:
    probe = (
        "import json, sys\n"
        "import warroom.tui.app\n"
        "before = sorted(m for m in sys.modules if 'plotext' in m)\n"
        "import warroom.tui.screens.metrics as metrics\n"
        "after_module = sorted(m for m in sys.modules if 'plotext' in m)\n"
        "print(json.dumps([before, after_module]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    before, after_module = json.loads(done.stdout)
    assert before == [] and after_module == []  # only drawing the plots imports it
