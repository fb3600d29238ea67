"""Sizes and themes: at 80x24 the room and the list are usable, at 200x60 the
room uses the space, and in both themes the pane titles and the keys read."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.tui.helpers import (
    contrast,
    realistic_incident,
    screen_text,
    segment_style,
    wait_for_room,
    wait_for_screen,
)
from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.home import HomeScreen


async def test_at_80x24_the_footer_shows_the_write_keys_and_how_to_see_the_rest(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id, actor="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_room(pilot)
        footer = screen_text(app).splitlines()[-1]
        for key in ("n Note", "f Finding", "a Action", "D Decision", "u Comms", "s Status"):
            assert key in footer, f"{key!r} is not in the footer: {footer!r}"
        assert "? Keys" in footer and "q Leave" in footer
        # one pane at a time: the pane's title says what tab shows next
        assert "Timeline · tab: roster" in screen_text(app)
        await pilot.press("tab")
        assert "Roster · tab: runbook" in screen_text(app)
        await pilot.press("tab")
        assert "Runbook 2/4 · tab: timeline" in screen_text(app)


async def test_at_200x60_the_room_shows_every_pane_side_by_side(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id, actor="alice")
    async with app.run_test(size=(200, 60)) as pilot:
        room = await wait_for_room(pilot)
        assert room.timeline.display and room.roster.display and room.runbook.display
        # side by side, the timeline taking most of the width and all the height
        assert room.roster.region.x > room.timeline.region.right - 1
        assert room.runbook.region.x == room.roster.region.x
        assert room.timeline.region.width >= 120
        assert room.timeline.region.height >= 45
        lines = screen_text(app).splitlines()
        row = next(line for line in lines if "☑ Roll back" in line)
        # one line holds a timeline event and the runbook's checked step
        # (mitigation first: the Mitigate section leads the runbook pane)
        assert row.startswith("│03:") and "☑ Roll back the last deploy" in row
        assert "Timeline · tab" not in screen_text(app)  # no pane hint: all are shown
        footer = lines[-1]
        assert "n Note" in footer and "^p Palette" in footer


async def test_at_80_columns_the_list_shows_the_titles(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "INC-1" in line)
        assert "Checkout errors for EU users" in row
        for column in ("SEV2", "identified", "alice", "38m"):
            assert column in row
        assert "⚠ late" in text  # INC-2's overdue update still shows


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_pane_titles_and_keys_read_in_both_themes(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    theme: str,
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id, actor="alice")
    async with app.run_test(size=(160, 48)) as pilot:
        app.theme = theme
        room = await wait_for_room(pilot)
        await pilot.pause()
        for needle in ("Timeline", "Roster", "Runbook 2/4", "roll back 4812", "Finding"):
            ratio = contrast(segment_style(app, needle))
            assert ratio >= 3.0, f"{needle!r} has contrast {ratio:.1f} in {theme}"
        assert room.timeline.has_focus
