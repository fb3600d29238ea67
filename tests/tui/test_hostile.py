"""Hostile text in titles, notes, names, links, summaries and runbook steps
shows literally in every pane, the list, the palette and notifications; it
styles nothing, links nothing, runs no action, sends no escape sequence and
crashes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.command import CommandPalette

from tests.tui.helpers import screen_text, wait_for_hits, wait_for_room, wait_for_screen, wait_until
from warroom.core.clock import FixedClock
from warroom.core.runbook import parse_runbook
from warroom.core.text import REPLACEMENT
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen

CLICK = "[@click=app.quit]x[/]"
SPACED_CLICK = "[ @click=app.bell]y[/]"
MARKUP = [CLICK, "[/]", "[bold red]", SPACED_CLICK]
TITLE_OSC = "\x1b]0;pwned\x07"
CLIPBOARD_OSC = "\x1b]52;c;aGVsbG8=\x07"
C1 = "\x9b31m\x85"
BIDI = "\u202eevil\u202c"
HOSTILE = " ".join([*MARKUP, TITLE_OSC, CLIPBOARD_OSC, C1, BIDI])
LONG = "L" * 10_000
UNSAFE_CHARS = ("\x1b", "\x07", "\x9b", "\x85", "\u202e", "\u202c")
SIZE = (200, 60)


def hostile_incident(store: SQLiteStore, clock: FixedClock) -> str:
    """An incident whose every text field is hostile."""
    name = "[@click=app.quit]x[/] \x1b]0;pwned\x07"
    incident = declare(store, name, clock, f"T {HOSTILE}", severity=1, service="[/]", lead=name)
    iid = incident.id

    def add(kind: str, data: dict[str, Any], actor: str = name) -> None:
        write(store, iid, kind, actor, data, clock)

    add("note", {"text": f"N {HOSTILE}"})
    add("note", {"text": LONG})
    add("finding", {"text": "[bold red]"}, actor="[/]")
    add("summary_set", {"text": f"S {HOSTILE} {LONG}"})
    add("link_added", {"url": f"https://e.test/{CLICK}", "label": SPACED_CLICK})
    add("role_assigned", {"role": "responder", "person": "[ @click=app.bell]y[/]"})
    add("participant_joined", {"person": f"P {BIDI}\x9b"})
    runbook = parse_runbook(f"# R {CLICK}\n## [/]\n- [ ] step {HOSTILE}\n- [ ] {LONG}\n", "R")
    add("runbook_attached", runbook.event_data())
    return iid


def assert_safe(text: str) -> None:
    for char in UNSAFE_CHARS:
        assert char not in text, f"{char!r} reached the screen"


def assert_literal(text: str, *needles: str) -> None:
    for needle in needles:
        assert needle in text, f"{needle!r} is not shown literally"


def assert_no_links(app: WarroomApp) -> None:
    """Nothing on screen was styled as a link (an action to run on a click)."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            assert not (style and style.meta and "@click" in style.meta), segment


class Spy:
    """Records app actions that hostile markup would trigger."""

    def __init__(self, app: WarroomApp) -> None:
        self.rang = 0
        app.bell = self.bell  # type: ignore[method-assign]

    def bell(self) -> None:
        self.rang += 1


async def _click_every(pilot: Any, app: WarroomApp, needle: str) -> None:
    """Click on each place the screen shows `needle` (a click on the selected
    timeline row opens that entry whole, as it should: it is closed again)."""
    from warroom.tui.screens.entry import EntryScreen

    clicks = 0
    for row, line in enumerate(screen_text(app).splitlines()):
        column = line.find(needle)
        if column >= 0 and clicks < 4:
            clicks += 1
            await pilot.click(offset=(column + 1, row))
            if isinstance(app.screen, EntryScreen):
                await pilot.press("escape")
    await pilot.pause()


async def assert_inert(pilot: Any, app: WarroomApp, spy: Spy) -> None:
    """Clicking the hostile markup runs nothing, and nothing on screen is styled
    as a link: every pane took its text as given."""
    screen = app.screen
    for needle in (CLICK, SPACED_CLICK):
        await _click_every(pilot, app, needle)
    assert app.is_running and app.screen is screen
    assert spy.rang == 0
    assert_no_links(app)


async def test_hostile_text_in_the_room_shows_literally_and_does_nothing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident_id = hostile_incident(sqlite_store, clock)
    app = make_app(incident_id=incident_id)
    spy = Spy(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        text = screen_text(app)
        assert_safe(text)
        # header: title, service, lead, summary, links
        assert_literal(text, "T [@click=app.quit]x[/] [/] [bold red] [ @click=app.bell]y[/]")
        assert_literal(text, f"{REPLACEMENT}]0;pwned{REPLACEMENT}", f"{REPLACEMENT}]52;c;aGVsbG8=")
        assert_literal(text, "S [@click=app.quit]x[/]", f"https://e.test/{CLICK}", SPACED_CLICK)
        # timeline: notes, actors
        assert_literal(text, "N [@click=app.quit]x[/]", "LLLLLLLLLL", "[bold red]")
        # roster: names
        assert_literal(text, "[ @click=app.bell]y[/]", f"P {REPLACEMENT}evil{REPLACEMENT}")
        # runbook: steps and headings
        assert_literal(text, "step [@click=app.quit]x[/]", "[/]")
        await assert_inert(pilot, app, spy)


async def test_hostile_text_in_the_list_palette_and_wall(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    hostile_incident(sqlite_store, clock)
    app = make_app()
    spy = Spy(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "T [@click=app.quit]x[/] [/] [bold red]")
        await _click_every(pilot, app, CLICK)
        assert app.is_running and spy.rang == 0

        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, CommandPalette)
        await wait_for_hits(pilot)
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "T [@click=app.quit]x[/] [/] [bold red] [ @click=app.bell]y[/]")
        await pilot.press(*"open inc-1")
        await wait_until(pilot, lambda: "Open INC-1" in screen_text(app))
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "T [@click=app.quit]x[/] [/]")
        await pilot.press("enter")  # the jump works, the title does nothing
        await wait_for_room(pilot)
        assert app.is_running and spy.rang == 0


async def test_hostile_text_on_the_wall(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident_id = hostile_incident(sqlite_store, clock)
    for wall_screen, options in (
        (WallHomeScreen, {}),
        (WallRoomScreen, {"incident_id": incident_id}),
    ):
        app = make_app(read_only=True, **options)
        async with app.run_test(size=SIZE) as pilot:

            def ready(app: WarroomApp = app, wall_screen: type = wall_screen) -> bool:
                return isinstance(app.screen, wall_screen) and app.screen.loaded

            await wait_until(pilot, ready)
            text = screen_text(app)
            assert_safe(text)
            assert_literal(text, "T [@click=app.quit]x[/] [/] [bold red]")
            assert_literal(text, "S [@click=app.quit]x[/]")
            await _click_every(pilot, app, CLICK)
            assert app.is_running


async def test_hostile_text_in_a_notification(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """A refused write names who checked the step first: the toast shows the name as is."""
    incident_id = hostile_incident(sqlite_store, clock)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        room = await wait_for_room(pilot)
        room.feed.stop()  # this screen will not hear of the next change
        step = room.runbook.selected_step
        assert step is not None
        write(
            sqlite_store, incident_id, "step_checked", f"{CLICK} {TITLE_OSC}", {"step": step}, clock
        )
        room.runbook.focus()
        await pilot.press("space")
        await wait_until(pilot, lambda: "already checked by" in screen_text(app))
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "already checked by", f"{CLICK} {REPLACEMENT}]0;pwned{REPLACEMENT}")
        await _click_every(pilot, app, CLICK)
        assert app.is_running


async def test_hostile_text_typed_in_is_stored_as_typed(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("d", *"[/][@click=app.quit]x", "enter")
        await wait_for_room(pilot)
        await pilot.press("n", *"[bold red]", "enter")
        await wait_until(pilot, lambda: "note      me     [bold red]" in screen_text(app))
        [incident] = sqlite_store.incidents()
        assert incident.title == "[/][@click=app.quit]x"
        assert "INC-1  [/][@click=app.quit]x" in screen_text(app)
        assert app.is_running


async def test_hostile_text_put_in_a_box_for_editing_sends_no_escape(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """`e` (the summary), `u` (the update, pre-filled from the summary) and the
    palette's title edit put stored text into an input box: it shows cleaned
    there too, and what is saved is what was shown."""
    from textual.widgets import Input

    from warroom.tui.screens.forms import CommsForm

    incident_id = hostile_incident(sqlite_store, clock)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        await pilot.press("e")
        assert_safe(room.entry.input.value)
        assert_safe(screen_text(app))
        assert room.entry.input.value.startswith(f"S {CLICK}")
        await pilot.press("escape", "u")
        await wait_until(pilot, lambda: isinstance(app.screen, CommsForm))
        assert_safe(app.screen.query_one("#text", Input).value)
        assert_safe(screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room)
        room.action_entry("title", room.incident.title)  # the palette's "Edit the title"
        assert_safe(screen_text(app))
        since = sqlite_store.last_gseq()
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(sqlite_store.events_after(since)))
        [changed] = sqlite_store.events_after(since)
        assert_safe(changed.data["title"])
        assert changed.data["title"].startswith(f"T {CLICK}")
        assert app.is_running


async def test_hostile_text_in_an_opened_entry_and_on_the_wall_cards(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """The entry opened in full (Enter in the timeline) and the wall's cards'
    entries show hostile text literally, run nothing and send no escape."""
    from warroom.tui.screens.entry import EntryScreen

    incident_id = hostile_incident(sqlite_store, clock)
    actor = f"{SPACED_CLICK} {TITLE_OSC}"
    write(sqlite_store, incident_id, "note", actor, {"text": f"E {HOSTILE}\nnext {CLICK}"}, clock)
    app = make_app(incident_id=incident_id)
    spy = Spy(app)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        await wait_until(pilot, lambda: room.timeline.cursor_event.actor == "me")
        await pilot.press("k", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "E [@click=app.quit]x[/] [/] [bold red] [ @click=app.bell]y[/]")
        assert_literal(text, f"next {CLICK}", f"{SPACED_CLICK} {REPLACEMENT}]0;pwned{REPLACEMENT}")
        for needle in (CLICK, SPACED_CLICK):
            await _click_every(pilot, app, needle)
        assert app.is_running and spy.rang == 0
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room)
        await pilot.press("slash", *"LLLLLLLL", "enter", "escape", "enter")  # the 10 kB note
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        assert_safe(screen_text(app))
        assert "L" * 90 in screen_text(app)

    app = make_app(read_only=True)
    spy = Spy(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot, lambda: isinstance(app.screen, WallHomeScreen) and app.screen.loaded
        )
        await wait_until(pilot, lambda: "next [@click=app.quit]x[/]" in screen_text(app))
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "E [@click=app.quit]x[/] [/] [bold red] [ @click=app.bell]y[/]")
        assert_literal(text, f"{SPACED_CLICK} {REPLACEMENT}]0;pwned{REPLACEMENT}")
        for needle in (CLICK, SPACED_CLICK):
            await _click_every(pilot, app, needle)
        assert app.is_running and spy.rang == 0
        assert_no_links(app)
