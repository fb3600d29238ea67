"""A write in the room that asks for what is already so: a notification, no event."""

from __future__ import annotations

from collections.abc import Callable

from tests.tui.helpers import screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.room import RoomScreen


async def test_saving_the_summary_unchanged_says_nothing_changed_and_writes_nothing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2, lead="alice")
    write(sqlite_store, incident.id, "participant_joined", "me", {"person": "me"}, clock)
    write(sqlite_store, incident.id, "summary_set", "me", {"text": "EU down"}, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen) and app.screen.loaded)
        since = sqlite_store.last_gseq()
        await pilot.press("e", "enter")  # opens with the current summary
        await wait_until(pilot, lambda: "nothing changed" in screen_text(app))
        assert "nothing changed: the summary of INC-1 is already that" in screen_text(app)
        await pilot.pause(0.2)
        assert sqlite_store.events_after(since) == []
