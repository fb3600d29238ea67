"""The command palette reaches every action, title and service edits, runbook
attachment, and any incident."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.tui.helpers import (
    RUNBOOK,
    realistic_incident,
    run_command,
    screen_text,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.forms import FormScreen
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen

SIZE = (120, 36)


async def test_palette_edits_the_title_and_the_service(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        await run_command(pilot, "edit title")
        await wait_until(pilot, lambda: room.entry.display)
        assert room.entry.input.value == "Checkout errors"
        await pilot.press(*" (EU)", "enter")
        await wait_until(pilot, lambda: len(sqlite_store.events_after(since)) == 1)
        await run_command(pilot, "edit serv")
        await wait_until(pilot, lambda: room.entry.display and room.entry.kind == "service")
        await pilot.press(*"checkout", "enter")
        await wait_until(pilot, lambda: len(sqlite_store.events_after(since)) == 2)
        stored = sqlite_store.events_after(since)
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("title_changed", "me", {"title": "Checkout errors (EU)"}),
            ("service_changed", "me", {"service": "checkout"}),
        ]
        await wait_until(pilot, lambda: "Checkout errors (EU)" in screen_text(app))


async def test_palette_attaches_a_runbook(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2)
    path = tmp_path / "checkout.md"
    path.write_text(RUNBOOK, encoding="utf-8")
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        await run_command(pilot, "attach")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        app.screen.query_one("#path").value = str(tmp_path / "missing.md")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "no such runbook file" in screen_text(app))
        app.screen.query_one("#path").value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is room)
        await wait_until(pilot, lambda: "Runbook 0/4" in screen_text(app))
        assert "Roll back the last deploy" in screen_text(app)
        [attached] = [e for e in sqlite_store.events(incident.id) if e.kind == "runbook_attached"]
        assert attached.actor == "me"
        assert attached.data["name"] == "Checkout degradation"
        assert [step["section"] for step in attached.data["steps"]] == [
            "Triage",
            "Triage",
            "Mitigate",
            "Mitigate",
        ]


async def test_palette_jumps_to_any_incident(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await run_command(pilot, "login")  # INC-3: resolved, not in the list
        await wait_for_room(pilot)
        assert "Login emails delayed" in screen_text(app)
        await run_command(pilot, "slow sea")  # from one room straight to another
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, RoomScreen)
                and app.screen.loaded
                and "Slow search results" in screen_text(app)
            ),
        )
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))


def test_every_action_row_names_a_method_of_its_screen() -> None:
    """The palette runs a keys.py row's action on its screen (or the app): each exists."""
    from textual.actions import parse

    from warroom.tui.screens.followups import FollowupsScreen
    from warroom.tui.screens.metrics import MetricsScreen
    from warroom.tui.screens.postmortem import PostmortemScreen
    from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen

    screens = (
        HomeScreen,
        RoomScreen,
        WallHomeScreen,
        WallRoomScreen,
        FollowupsScreen,
        PostmortemScreen,
        MetricsScreen,
    )
    for screen in screens:
        for key in screen.ACTIONS:
            namespace, name, _ = parse(key.action)
            target = WarroomApp if namespace == "app" else screen
            assert callable(getattr(target, f"action_{name}", None)), (screen, key)
            assert key.key or key.palette, key  # reachable by a key or from the palette
