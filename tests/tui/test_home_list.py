"""The incident list as a person reads it: when each open incident's next
stakeholder update is due, and the keys to open and to quit, at 80 columns."""

from __future__ import annotations

import pytest

from tests.tui.helpers import realistic_incident, screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.run import app_for_store
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_every_open_incident_shows_its_next_update_and_the_bar_open_and_quit(
    sqlite_store: SQLiteStore, clock: FixedClock, size: tuple[int, int]
) -> None:
    realistic_incident(sqlite_store, clock)  # 03:40; INC-1 SEV2 updated 03:30, INC-2 late
    app = app_for_store(sqlite_store, user="me", clock=clock)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
        lines = screen_text(app).splitlines()
        [inc1] = [line for line in lines if "INC-1" in line]
        [inc2] = [line for line in lines if "INC-2" in line]
        assert "04:00" in inc1  # SEV2: every 30 minutes after the 03:30 update
        assert "⚠ late" in inc2
        bar = lines[-1]
        assert "Open" in bar and "Quit" in bar and "Palette" in bar
        await pilot.press("enter")  # the key the bar names opens the highlighted one
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
