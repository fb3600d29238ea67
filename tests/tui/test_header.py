"""The room's header: one line each for the banner, status and clocks; the
summary on two lines (one when narrow, three on a wall), cut with an ellipsis;
the links line only when there are links."""

from __future__ import annotations

import pytest

from tests.tui.helpers import screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.run import app_for_store

SUMMARY = " ".join(f"word{n:03d}" for n in range(120))  # about 960 cells


def _header_lines(app: object, count: int) -> list[str]:
    return screen_text(app).splitlines()[:count]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("size", "read_only", "summary_lines"),
    [((160, 40), False, 2), ((80, 24), False, 1), ((160, 40), True, 3)],
)
async def test_a_long_summary_is_cut_with_an_ellipsis(
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    size: tuple[int, int],
    read_only: bool,
    summary_lines: int,
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Queue backlog", 2, lead="alice")
    write(sqlite_store, incident.id, "summary_set", "alice", {"text": SUMMARY}, clock)
    app = app_for_store(
        sqlite_store, user="alice", clock=clock, incident_id=incident.id, read_only=read_only
    )
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: "word000" in screen_text(app))
        banner = 3 if read_only else 1  # the wall's banner is three lines tall
        lines = _header_lines(app, banner + 2 + summary_lines + 1)
        summary = lines[banner + 2 : banner + 2 + summary_lines]
        assert "summary word000" in summary[0]
        assert summary[-1].rstrip().endswith("…")
        assert "word119" not in screen_text(app)
        assert "Timeline" in lines[-1]  # the panes start right after: no links line
        assert app.screen.header.size.height == banner + 2 + summary_lines


async def test_links_get_their_line_and_the_header_grows(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Queue backlog", 2, lead="alice")
    app = app_for_store(sqlite_store, user="alice", clock=clock, incident_id=incident.id)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        header = app.screen.header
        assert header.size.height == 4 and "no summary yet" in screen_text(app)
        write(
            sqlite_store,
            incident.id,
            "link_added",
            "bob",
            {"url": "https://meet.example.com/q", "label": "bridge"},
            clock,
        )
        await wait_until(pilot, lambda: "bridge: https://meet.example.com/q" in screen_text(app))
        await wait_until(pilot, lambda: header.size.height == 5)
