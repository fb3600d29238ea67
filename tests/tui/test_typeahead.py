"""Keys typed in a burst land where the first key leads (tui/typeahead.py).

A terminal delivers what a fast typist (or a paste, or tmux) sends as one
burst; the key that opens the note line, the search or the declare form must
act before the next keys are handed on, or those keys go to the old focus.
The bursts here are posted to the app the way the terminal driver posts them,
all at once, without waiting in between; one test sends them through a real
terminal under tmux.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from tests.tui.helpers import (
    NOW,
    realistic_incident,
    screen_text,
    tui_app,
    wait_for_screen,
    wait_until,
)
from tests.tui.test_e2e_tmux import Tmux, _command, tmux  # noqa: F401  (the fixture)
from warroom.core.clock import FixedClock
from warroom.core.incident import Incident
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.forms import DeclareForm
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen

SIZE = (120, 36)
CHARACTERS = {
    "minus": "-",
    "plus": "+",
    "slash": "/",
    "space": " ",
    "escape": "\x1b",
    "enter": "\r",
}


def burst(app: WarroomApp, *keys: str) -> None:
    """Post keys as the driver does for one read from the terminal: all at once."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))


def room_app(store: SQLiteStore, clock: FixedClock) -> tuple[Incident, WarroomApp]:
    """INC-1 of the realistic fixture, and the app `warroom tui INC-1` runs, as me."""
    incident = realistic_incident(store, clock)
    return incident, tui_app(store, clock, incident.id)


def typed(text: str) -> list[str]:
    names = {"-": "minus", "/": "slash", " ": "space"}
    return [names.get(character, character) for character in text]


async def test_a_note_typed_in_one_burst_after_n_is_stored_whole(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "n", *typed("x-y rolled back/eu"), "enter")
        await wait_until(
            pilot,
            lambda: any(e.kind == "note" for e in sqlite_store.events_after(since)),
            what="the note stored",
        )
        [note] = [e for e in sqlite_store.events_after(since) if e.kind == "note"]
        assert (note.actor, note.data["text"]) == ("me", "x-y rolled back/eu")
        # nothing else was taken as a command on the way (I joined on opening)
        assert [e.kind for e in sqlite_store.events_after(since)] == ["participant_joined", "note"]
        assert isinstance(app.screen, RoomScreen)


async def test_command_keys_typed_into_an_open_box_are_text(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "n", "s", "v", "slash", "d", "space", "plus", "f")
        room = app.screen
        assert isinstance(room, RoomScreen)
        await wait_until(pilot, lambda: room.entry.is_open and room.entry.input.value == "sv/d +f")
        assert room.entry.kind == "note"
        assert app.screen is room  # no status or severity form opened


async def test_after_escape_the_next_keys_are_commands_again(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "n", "x")
        room = app.screen
        assert isinstance(room, RoomScreen)
        await wait_until(pilot, lambda: room.entry.input.value == "x")
        # A terminal holds Esc back (ESCDELAY) until it knows no sequence follows:
        # the keys before it are in the box by then.  Those after it come at once.
        burst(app, "escape", "f", "z", "z")
        await wait_until(pilot, lambda: room.entry.kind == "finding")
        await wait_until(pilot, lambda: room.entry.input.value == "zz")
        assert app.drafts[incident.id]["note"] == "x"  # the note kept as its draft


async def test_a_title_typed_in_one_burst_after_d_fills_the_declare_form(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        burst(app, "d", *typed("Fast title"))
        await wait_until(pilot, lambda: isinstance(app.screen, DeclareForm))
        title = app.screen.query_one("#title", Input)
        await wait_until(pilot, lambda: title.value == "Fast title")
        burst(app, "escape", "slash", *typed("slow"))  # Esc closes; / filters the list
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        box = app.screen.query_one("#filter", Input)
        await wait_until(pilot, lambda: box.value == "slow")
        await wait_until(pilot, lambda: "Slow search results" in screen_text(app))
        assert "Checkout errors" not in screen_text(app)


def test_a_burst_in_a_real_terminal_lands_in_the_note(
    tmux: Tmux,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = tmux.env
    store = SQLiteStore(Path(env["WARROOM_DB"]))
    clock = FixedClock(NOW)
    try:
        incident = realistic_incident(store, clock)
        since = store.last_gseq()
    finally:
        store.close()
    tmux("new-session", "-d", "-s", "ta", "-x", "120", "-y", "36", _command(env, "tui", "INC-1"))
    tmux.wait_for("ta:0", incident.title)
    tmux("send-keys", "-t", "ta:0", "-l", "nx-y sv/d")  # one write: one burst
    tmux.wait_for("ta:0", "note › x-y sv/d")
    tmux("send-keys", "-t", "ta:0", "Enter")
    tmux.wait_until("ta:0", lambda screen: "note ›" not in screen, "the note line closed")
    store = SQLiteStore(Path(env["WARROOM_DB"]))
    try:
        events = store.events_after(since)
    finally:
        store.close()
    assert [(e.kind, e.data.get("text")) for e in events if e.kind != "participant_joined"] == [
        ("note", "x-y sv/d")
    ]


async def test_a_cancel_key_moved_to_a_letter_is_typed_while_a_box_is_open(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    app.key_overrides = {"cancel": "x", "form_cancel": "escape,q"}  # as [keys] sets them
    app.set_keymap(app.key_overrides)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "n", "a", "x", "b")
        room = app.screen
        assert isinstance(room, RoomScreen)
        await wait_until(pilot, lambda: room.entry.input.value == "axb")
        burst(app, "escape")  # Esc is no longer bound to cancel: the line stays open
        await pilot.pause()
        assert room.entry.is_open
        room.action_cancel()
        await pilot.pause()
        burst(app, "x")  # the timeline has the focus: x cancels nothing and types nothing
        await pilot.pause()
        assert not room.entry.is_open
        burst(app, "v")  # the severity form: q (its cancel key too) closes it
        await wait_until(pilot, lambda: app.screen is not room)
        burst(app, "q")
        await wait_until(pilot, lambda: app.screen is room)


async def test_after_esc_closes_a_form_the_next_keys_are_room_commands(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        room = app.screen
        assert isinstance(room, RoomScreen)
        burst(app, "v")
        await wait_until(pilot, lambda: app.screen is not room)
        burst(app, "escape", "n", "x")
        await wait_until(pilot, lambda: room.entry.is_open and room.entry.input.value == "x")
        burst(app, "y", "s")
        await wait_until(pilot, lambda: room.entry.input.value == "xys")
        assert app.screen is room and room.entry.input.has_focus


async def test_the_update_typed_right_after_u_lands_in_its_text(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "u", *typed(" hello all"))
        await wait_until(pilot, lambda: not isinstance(app.screen, RoomScreen))
        text = app.screen.query_one("#text", Input)
        await wait_until(pilot, lambda: text.value.endswith(" hello all"))


async def test_home_keys_after_esc_in_the_filter_move_in_the_list(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = tui_app(sqlite_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_for_screen(pilot, HomeScreen)
        assert isinstance(home, HomeScreen)
        box = home.query_one("#filter", Input)
        burst(app, "slash", *typed("s"))  # 's' matches both open incidents
        await wait_until(pilot, lambda: box.value == "s")
        await pilot.press("enter")  # the list again, still filtered
        burst(app, "j")
        await wait_until(pilot, lambda: home.table.cursor_row == 1)
        burst(app, "slash", "escape", "k")  # Esc clears the filter; k moves up
        await wait_until(pilot, lambda: home.table.cursor_row == 0)
        assert box.value == "" and not box.display and home.table.has_focus
