"""The home screen: the incident list, declaring with `d`, filtering, live."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable

from tests.tui.helpers import (
    realistic_incident,
    screen_text,
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

SIZE = (120, 30)


def _rows(app: WarroomApp) -> list[str]:
    table = app.screen.query_one("#incidents", DataTable)
    return [str(table.get_row_at(index)[1]) for index in range(table.row_count)]


async def test_empty_store_says_how_to_declare(make_app: Callable[..., WarroomApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        text = screen_text(app)
        assert "No open incidents" in text
        assert "to declare the first one" in text


async def test_declare_is_the_title_plus_two_keys_and_opens_the_room(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("d", *"Payments down", "enter")
        await wait_for_room(pilot)
        [incident] = sqlite_store.incidents()
        assert (incident.title, incident.severity, incident.lead) == ("Payments down", 3, "me")
        [declared] = sqlite_store.events(incident.id)
        assert declared.actor == "me"
        assert "INC-1" in screen_text(app) and "Payments down" in screen_text(app)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await wait_until(pilot, lambda: _rows(app) == ["INC-1"])


async def test_declare_form_takes_severity_and_service(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("d", *"DB", "tab", "1", "tab", *"postgres", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
        [incident] = sqlite_store.incidents()
        assert (incident.severity, incident.service) == (1, "postgres")


async def test_list_is_most_severe_first_with_closed_behind_a_toggle(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        assert _rows(app) == ["INC-1", "INC-2"]
        text = screen_text(app)
        assert "SEV2" in text and "Checkout errors for EU users" in text and "identified" in text
        assert "⚠ late" in text  # INC-2: SEV3, declared 02:00, no update in 60 minutes
        await pilot.press("c")
        await wait_until(pilot, lambda: _rows(app) == ["INC-1", "INC-2", "INC-3"])
        await pilot.press("c")
        await wait_until(pilot, lambda: _rows(app) == ["INC-1", "INC-2"])


async def test_filter_moves_and_opens(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("j")
        table = app.screen.query_one("#incidents", DataTable)
        assert table.cursor_row == 1
        await pilot.press("k")
        assert table.cursor_row == 0
        await pilot.press("slash", *"search")
        await wait_until(pilot, lambda: _rows(app) == ["INC-2"])
        await pilot.press("escape")
        await wait_until(pilot, lambda: _rows(app) == ["INC-1", "INC-2"])
        await pilot.press("down", "enter")
        await wait_for_room(pilot)
        assert "Slow search results" in screen_text(app)


async def test_list_updates_when_another_store_declares(
    make_app: Callable[..., WarroomApp], db_path, clock: FixedClock
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        other = SQLiteStore(db_path, clock=clock)  # another connection, as another terminal
        try:
            declare(other, "zed", clock, "Disk full on build agents", severity=2)
        finally:
            other.close()
        await wait_until(pilot, lambda: "Disk full on build agents" in screen_text(app))


async def test_q_quits_from_home(make_app: Callable[..., WarroomApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to quit")
