"""The war room opened directly (`warroom tui REF`, `warroom watch REF`) is the
app's first screen: its first frame shows the incident and its newest event,
leaving it reaches the incident list, and every way between rooms and the
list (keys, the command palette) works from there, on a writer's app and on
a wall.  The entry line takes the first key pressed, however soon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.server.conftest import Server, make_token
from tests.tui.helpers import (
    realistic_incident,
    run_command,
    screen_text,
    tui_app,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare, write
from warroom.store.http import HTTPStore
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.run import app_for_store
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomBase, RoomScreen
from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen
from warroom.tui.widgets.connection import ConnectionStatus

SIZE = (120, 36)
NEWEST = "dave joined"  # the realistic incident's newest event, as the timeline shows it


async def _list(pilot: Pilot[Any], app: WarroomApp, kind: type) -> None:
    await wait_for_screen(pilot, kind)
    await wait_until(pilot, lambda: "Slow search results" in screen_text(app))
    text = screen_text(app)
    assert "Checkout errors for EU users" in text and "Slow search results" in text


@pytest.mark.parametrize(
    ("read_only", "room_class"), [(False, RoomScreen), (True, WallRoomScreen)], ids=["tui", "wall"]
)
async def test_the_first_frame_shows_the_room_with_its_newest_event(
    sqlite_store: SQLiteStore, clock: FixedClock, read_only: bool, room_class: type
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock, incident.id, read_only=read_only)
    async with app.run_test(size=SIZE) as pilot:
        # no pause: what the terminal shows as soon as the app has started
        assert isinstance(app.screen, room_class) and app.screen.loaded
        assert app.screen_stack == [app.screen]  # nothing under it, no blank screen
        text = screen_text(app)
        assert "loading" not in text.lower()
        assert "INC-1" in text and "Checkout errors for EU users" in text
        assert NEWEST in text
        newest = next(line for line in text.splitlines() if NEWEST in line)
        assert newest.startswith("│03:31:00")
        await pilot.pause()
        assert NEWEST in screen_text(app)  # and it stays


async def test_the_first_frame_of_a_long_room_shows_its_newest_events(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    for number in range(80):
        write(sqlite_store, incident.id, "note", "bob", {"text": f"probe {number:02d}"}, clock)
    app = tui_app(sqlite_store, clock, incident.id, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        # no pause: following the newest event, the first frame is the last screen
        text = screen_text(app)
        assert "probe 79" in text and "probe 78" in text
        assert "probe 40" not in text and NEWEST not in text
        room = app.screen
        assert isinstance(room, WallRoomScreen) and room.timeline.follow
        rows = [line for line in text.splitlines() if "probe " in line]
        assert rows[-1].rstrip("│ ").endswith("probe 79")
        await pilot.pause()
        assert "probe 79" in screen_text(app)


async def test_leaving_a_room_opened_directly_reaches_the_list_and_back(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock, incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot, RoomBase, title="Checkout errors for EU users")
        await pilot.press("q")
        await _list(pilot, app, HomeScreen)
        await pilot.press("j", "enter")  # the second row: INC-2
        room = await wait_for_room(pilot, RoomBase, title="Slow search results")
        assert isinstance(room, RoomScreen) and "INC-2" in screen_text(app)
        await pilot.press("q")
        await _list(pilot, app, HomeScreen)
        await pilot.press("enter")  # the cursor stayed on INC-2
        await wait_for_room(pilot, RoomBase, title="Slow search results")
        await pilot.press("q")
        await _list(pilot, app, HomeScreen)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to quit")


async def test_a_wall_room_opened_directly_leaves_to_the_wall_list(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    app = tui_app(sqlite_store, clock, incident.id, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot, RoomBase, title="Checkout errors for EU users")
        await pilot.press("q")
        await _list(pilot, app, WallHomeScreen)
        # the wall list has no key that opens a room: the palette does
        await run_command(pilot, "slow sea", "Open INC-2")
        room = await wait_for_room(pilot, RoomBase, title="Slow search results")
        assert isinstance(room, WallRoomScreen)
        await pilot.press("q")
        await _list(pilot, app, WallHomeScreen)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to quit")
    assert sqlite_store.events_after(since) == []  # watching wrote nothing


@pytest.mark.parametrize(
    ("read_only", "home_class"), [(False, HomeScreen), (True, WallHomeScreen)], ids=["tui", "wall"]
)
async def test_the_palette_jumps_from_a_room_opened_directly_to_another(
    sqlite_store: SQLiteStore, clock: FixedClock, read_only: bool, home_class: type
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock, incident.id, read_only=read_only)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        first = await wait_for_room(pilot, RoomBase, title="Checkout errors for EU users")
        await run_command(pilot, "slow sea", "Open INC-2")
        second = await wait_for_room(pilot, RoomBase, title="Slow search results")
        assert second is not first and app.screen_stack == [second]
        assert "Checkout errors for EU users" not in screen_text(app)
        await pilot.press("q")
        await _list(pilot, app, home_class)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to quit")


@pytest.mark.parametrize(
    "first_frame",
    [
        pytest.param(True, id="after-the-first-frame"),
        pytest.param(False, id="before-the-first-refresh"),
    ],
)
async def test_a_note_typed_at_once_in_a_room_opened_directly_is_stored(
    sqlite_store: SQLiteStore, clock: FixedClock, first_frame: bool
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    app = tui_app(sqlite_store, clock, incident.id)
    async with app.run_test(size=SIZE) as pilot:
        if first_frame:
            await pilot.pause()  # one turn: the first frame is up, nothing more
        await pilot.press("n", *"rolled back", "enter")
        room = app.screen
        assert isinstance(room, RoomScreen)
        await wait_until(
            pilot,
            lambda: (
                not app.is_running
                or any(e.kind == "note" for e in sqlite_store.events_after(since))
            ),
            timeout=2,
            what="the note stored",
        )
        notes = [e for e in sqlite_store.events_after(since) if e.kind == "note"]
        assert [(e.incident_id, e.actor, e.data["text"]) for e in notes] == [
            (incident.id, "me", "rolled back")
        ]
        await wait_until(pilot, lambda: "rolled back" in screen_text(app))
        assert not room.entry.display and room.timeline.has_focus


# -- the connection indicator, against a real server -------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """A `warroom serve` subprocess and a responder's token (alice)."""
    root = tmp_path / "server"
    root.mkdir()
    db = root / "warroom.db"
    token = make_token(db, "alice", "responder")
    served = Server(db, root).start()
    try:
        yield served, token
    finally:
        served.stop()


async def test_a_room_opened_directly_on_a_server_shows_the_connection_indicator(
    server: tuple[Server, str], tmp_path: Path
) -> None:
    served, token = server
    store = HTTPStore(served.url, token, tmp_path / "outbox.db", flush_seconds=0.5)
    try:
        incident = declare(store, "alice", store.clock, "Checkout errors", severity=2)
        write(store, incident.id, "note", "alice", {"text": "5xx since 02:55"}, store.clock)
        app = app_for_store(store, user="someone", incident_id=incident.id)
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, RoomScreen) and app.screen.loaded
            room = app.screen

            def indicator() -> str:
                found = room.query(ConnectionStatus)
                return str(found.first().render()) if found and found.first().display else ""

            await wait_until(pilot, lambda: indicator() == "● live", timeout=10, what="live")
            assert app.screen is room and app.screen_stack == [room]
            assert "● live" in screen_text(app)
            assert "5xx since 02:55" in screen_text(app)
    finally:
        store.close()
