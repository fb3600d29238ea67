"""The key bar at the bottom of every screen: the screen's common keys and the
command palette's, on one line; a click on a key presses it; it follows the
focus (the home's filter box); incident text never reaches it."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot

from tests.tui.helpers import (
    realistic_incident,
    screen_text,
    tui_app,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen
from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen
from warroom.tui.widgets.keybar import KeyBar

WRITE_KEYS = ("n Note", "f Finding", "a Action", "D Decision", "u Comms", "s Status")
LIST_KEYS = ("c Closed", "/ Filter", "d Declare", "f Follow-ups", "m Metrics", "? Keys")
HOSTILE = "[@click=app.quit]x[/]"


def bar(app: WarroomApp) -> str:
    """The bottom line of the terminal: the key bar."""
    return screen_text(app).splitlines()[-1]


async def click_label(pilot: Pilot[Any], label: str) -> None:
    """Click in the middle of `label` on the key bar."""
    line = bar(pilot.app)
    assert label in line, f"{label!r} is not on the bar: {line!r}"
    keybar = pilot.app.screen.query_one(KeyBar)
    column = line.index(label) + len(label) // 2 - keybar.region.x
    await pilot.click(KeyBar, offset=(column, 0))


async def test_the_room_bar_shows_the_write_keys_leave_and_the_palette(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock, incident.id)
    async with app.run_test(size=(160, 48)) as pilot:
        line = bar(app)  # the first frame already
        for label in (*WRITE_KEYS, "q Leave", "? Keys", "^p Palette"):
            assert label in line, f"{label!r} is not on the bar: {line!r}"
        assert line.rstrip().endswith("^p Palette")  # at the right
        assert line.index("n Note") < line.index("q Leave") < line.index("^p Palette")
        for hidden in ("Summary", "Severity", "Milestone", "Cancel", "Pane"):
            assert hidden not in line  # the keys not shown by default stay off
        await wait_for_room(pilot)
        assert bar(app) == line


async def test_at_80x24_the_compact_bar_still_shows_the_write_keys(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock, incident.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_room(pilot)
        line = bar(app)
        assert len(line) == 80
        for label in (*WRITE_KEYS, "q Leave", "^p Palette"):
            assert label in line, f"{label!r} is not on the bar: {line!r}"
        assert line.rstrip().endswith("^p Palette")


async def test_the_wall_bars_show_no_write_key(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock, incident.id, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, WallRoomScreen)
        line = bar(app)
        assert "q Leave" in line and "^p Palette" in line
        for label in (*WRITE_KEYS, "d Declare"):
            assert label not in line
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, WallHomeScreen))
        await wait_until(pilot, lambda: "q Quit" in bar(app), what="the wall list's bar")
        line = bar(app)
        assert "^p Palette" in line and "d Declare" not in line and "n Note" not in line


async def test_clicking_note_on_the_bar_opens_the_note_line(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    app = tui_app(sqlite_store, clock, incident.id)
    async with app.run_test(size=(160, 48)) as pilot:
        room = await wait_for_room(pilot)
        await click_label(pilot, "n Note")
        await wait_until(pilot, lambda: room.entry.is_open, what="the entry line")
        assert room.entry.kind == "note" and room.entry.input.has_focus
        assert "note ›" in screen_text(app)
        # typing now: the bar drops the letter keys, which go into the box
        await wait_until(pilot, lambda: "n Note" not in bar(app), what="the bar to follow")
        assert "^p Palette" in bar(app)
        await pilot.press(*"eu-west ok", "enter")
        await wait_until(pilot, lambda: not room.entry.display, what="the note saved")
        notes = [
            (e.actor, e.data["text"]) for e in sqlite_store.events_after(since) if e.kind == "note"
        ]
        assert notes == [("me", "eu-west ok")]
        await wait_until(pilot, lambda: "n Note" in bar(app), what="the keys back")


async def test_clicking_the_palette_key_opens_the_palette(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock, incident.id)
    async with app.run_test(size=(160, 48)) as pilot:
        room = await wait_for_room(pilot)
        await click_label(pilot, "^p Palette")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await wait_until(pilot, lambda: "Search for commands" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room)


async def test_the_filter_box_changes_the_home_bar_and_esc_brings_the_list_keys_back(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await wait_until(pilot, lambda: app.screen.loaded)
        line = bar(app)
        for label in (*LIST_KEYS, "^p Palette"):
            assert label in line, f"{label!r} is not on the bar: {line!r}"
        await pilot.press("slash")
        await wait_until(pilot, lambda: bar(app) != line, what="the bar to change")
        filtering = bar(app)
        # letters now go into the box: the list's letter keys leave the bar
        for label in ("c Closed", "d Declare", "f Follow-ups", "m Metrics", "? Keys"):
            assert label not in filtering, f"{label!r} is still on the bar: {filtering!r}"
        assert "^p Palette" in filtering
        await pilot.press(*"slow")
        await wait_until(pilot, lambda: "Checkout errors" not in screen_text(app))
        assert app.screen.query_one("#filter").value == "slow"  # not a key action
        await pilot.press("escape")
        await wait_until(pilot, lambda: bar(app) == line, what="the list keys back")
        assert "Checkout errors" in screen_text(app)


async def test_while_filtering_the_bar_shows_no_key_that_types_into_the_box(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("slash")
        box = app.screen.query_one("#filter")
        await wait_until(pilot, lambda: box.has_focus)
        await pilot.press("slash")
        assert box.value == "/"  # the key typed itself
        assert "/ Filter" not in bar(app)


async def test_a_hostile_title_never_reaches_the_bar_and_clicks_on_it_are_keys(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, HOSTILE, severity=2)
    app = tui_app(sqlite_store, clock, incident.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_room(pilot)
        assert HOSTILE in screen_text(app)  # the title, literally, in the header
        line = bar(app)
        labels = (*WRITE_KEYS, "q Leave", "? Keys", "^p Palette")
        spans = [range(line.index(label), line.index(label) + len(label)) for label in labels]
        assert "click" not in line and "[" not in line
        assert not set(line) - set("".join(labels)), line  # nothing but the keys
        for segment in list(app.screen._compositor.render_strips())[-1]:
            meta = segment.style.meta if segment.style is not None else {}
            assert "@click" not in meta, segment
        # Every column between the keys, and each key once (a click anywhere
        # on a key does the same; a Pilot click costs about 0.1 s).
        gaps = [x for x in range(80) if not any(x in span for span in spans)]
        for column in [*gaps, *(span[len(span) // 2] for span in spans)]:
            await pilot.click(KeyBar, offset=(column, 0))
            assert app.is_running, f"a click at column {column} stopped the app"
            await _back_to_the_room(pilot, app)
            assert bar(app) == line, f"after a click at column {column}"


def _listed(home: HomeScreen) -> bool:
    return home.loaded and home.table.row_count == 1


async def _back_to_the_room(pilot: Pilot[Any], app: WarroomApp) -> None:
    """Close whatever a click opened (a form, the palette, the keys, the entry
    line) or, from the list it left to, open the one incident again."""
    for _ in range(5):
        screen = app.screen
        if isinstance(screen, RoomScreen):
            if screen.loaded and not screen.entry.display and screen.timeline.has_focus:
                return
            await pilot.press("escape")  # closes the entry line, focuses the timeline
        elif isinstance(screen, HomeScreen):
            await wait_until(pilot, partial(_listed, screen))
            await pilot.press("enter")
            await wait_for_room(pilot)
        else:
            await pilot.press("escape")
    raise AssertionError(f"cannot get back to the room from {app.screen!r}")
