"""Delivery failures in the TUI: an incident whose notifications a route
cannot deliver is marked on the home list and in the room's banner (with the
route's name), and the mark goes when the route works again (a real SQLite
file, the real sender, real Apprise to a receiver on 127.0.0.1)."""

from __future__ import annotations

import asyncio

from tests.notify.receiver import Receiver
from tests.notify.test_failing_entries import failing
from tests.tui.helpers import screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.run import app_for_store
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen
from warroom.tui.widgets.header import FAILING, FAILING_SHORT


async def test_a_failing_route_is_marked_until_it_works(
    sqlite_store: SQLiteStore, clock: FixedClock, receiver: Receiver
) -> None:
    sender, (incident_id, _) = failing(sqlite_store, receiver, clock)
    app = app_for_store(sqlite_store, user="me", clock=clock)
    async with app.run_test(size=(140, 36), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
        [line] = [line for line in screen_text(app).splitlines() if "Checkout 502s" in line]
        assert FAILING_SHORT in line
        app.open_incident(incident_id)
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RoomScreen) and f"{FAILING}: chat" in screen_text(app),
            what="the room's mark",
        )
        assert await asyncio.to_thread(sender.deliver, "notify") == 2  # the receiver is back
        await wait_until(pilot, lambda: FAILING not in screen_text(app), what="the mark goes")
