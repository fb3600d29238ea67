"""Wall mode: no input widgets, no way to write, follows the newest event,
every open incident without REF, kept current."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, TextArea

from tests.tui.helpers import (
    realistic_incident,
    screen_text,
    wait_for_hits,
    wait_for_room,
    wait_for_screen,
    wait_for_writes,
    wait_until,
)
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.keys import default_write_keys
from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen

SIZE = (120, 36)


async def test_wall_room_has_no_way_to_write(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    app = make_app(incident_id=incident.id, read_only=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        room = await wait_for_room(pilot, WallRoomScreen)
        assert not room.query(Input) and not room.query(TextArea)
        for key in default_write_keys():
            await pilot.press(key)
            assert app.screen is room, f"{key} opened something"
        await pilot.press("tab", "tab", "space", "enter")  # even on the runbook pane
        await wait_for_writes(pilot)
        assert sqlite_store.events_after(since) == []
        assert "read-only: this is a wall" in screen_text(app)
        assert "me" not in room.incident.participants  # watching does not join


async def test_wall_home_has_no_way_to_write(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_for_screen(pilot, WallHomeScreen)
        assert not home.query(Input)
        for key in default_write_keys():
            await pilot.press(key)
            assert app.screen is home
        await wait_for_writes(pilot)
        assert sqlite_store.events_after(since) == []


async def test_wall_room_follows_the_newest_event(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    for number in range(60):
        write(sqlite_store, incident.id, "note", "bob", {"text": f"old note {number}"}, clock)
    app = make_app(incident_id=incident.id, read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        room = await wait_for_room(pilot, WallRoomScreen)
        room.timeline.scroll_home(animate=False)
        await pilot.pause()
        write(sqlite_store, incident.id, "note", "bob", {"text": "the newest note"}, clock)
        await wait_until(pilot, lambda: "the newest note" in screen_text(app))
        assert room.timeline.follow


async def test_wall_home_shows_every_open_incident_and_keeps_current(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, WallHomeScreen)
        text = screen_text(app)
        assert "Checkout errors for EU users" in text and "Slow search results" in text
        assert "Login emails delayed" not in text  # resolved
        assert text.index("Checkout errors") < text.index("Slow search results")
        declare(sqlite_store, "zed", clock, "Queue backlog", severity=1)
        await wait_until(pilot, lambda: "Queue backlog" in screen_text(app))
        text = screen_text(app)
        assert text.index("Queue backlog") < text.index("Checkout errors")
        [slow] = [i for i in sqlite_store.incidents() if i.title == "Slow search results"]
        write(sqlite_store, slow.id, "status_changed", "erin", {"to": "resolved"}, clock)
        await wait_until(pilot, lambda: "Slow search results" not in screen_text(app))
        assert len(app.screen.cards) == 2


async def test_wall_does_not_accumulate_widgets(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """Hours on a wall are many updates: the widget tree stays the same size."""
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        home = await wait_for_screen(pilot, WallHomeScreen)
        before = len(list(app.screen.walk_children()))
        for round_number in range(20):
            write(
                sqlite_store,
                incident.id,
                "summary_set",
                "alice",
                {"text": f"summary {round_number}"},
                clock,
            )
            await wait_until(pilot, lambda n=round_number: f"summary {n}" in screen_text(app))
        assert len(list(home.walk_children())) == before
        assert len(home.cards) == 2

        app.open_incident(incident.id)
        room = await wait_for_room(pilot, WallRoomScreen)
        widgets = len(list(room.walk_children()))
        events = room.timeline.event_count
        for number in range(200):
            write(sqlite_store, incident.id, "note", "bob", {"text": f"n{number}"}, clock)
        await wait_until(pilot, lambda: room.timeline.event_count == events + 200)
        assert len(list(room.walk_children())) == widgets
        assert "n199" in screen_text(app)


async def test_the_wall_palette_offers_nothing_that_writes(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """The command palette is a way in too: on a wall it offers no write action."""
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot, WallRoomScreen)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: "Timeline: show times in UTC" in screen_text(app))
        for query in ("note", "summary", "status", "edit"):
            await pilot.press(*query)
            await wait_for_hits(pilot, query)
            shown = screen_text(app)
            for action in ("Note", "Edit the pinned summary", "Change the status", "Edit the"):
                assert action not in shown, f"{action!r} is offered on the wall ({query})"
            await pilot.press(*["backspace"] * len(query))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room)
