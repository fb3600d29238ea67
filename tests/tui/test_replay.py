"""Replay (`R` in a room, `warroom replay REF`): the header, roster, runbook
and timeline show the incident as it stood after the chosen event (the fold
of the events up to it); nothing can be written; Esc goes back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input, TextArea

from tests.tui.helpers import realistic_incident, screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.core.events import Event
from warroom.core.fold import fold
from warroom.core.incident import Incident
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.keys import default_write_keys
from warroom.tui.screens.replay import ReplayScreen
from warroom.tui.screens.room import RoomScreen
from warroom.tui.screens.wall import WallRoomScreen

SIZE = (140, 40)


async def _enter_replay(pilot: Any, app: WarroomApp) -> ReplayScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen) and app.screen.loaded)
    await pilot.press("R")
    await wait_until(
        pilot, lambda: isinstance(app.screen, ReplayScreen) and app.screen.loaded, what="replay"
    )
    assert isinstance(app.screen, ReplayScreen)
    return app.screen


def _roles(incident: Incident) -> dict[str, str | None]:
    return dict(incident.roles)


def assert_shows(replay: ReplayScreen, events: list[Event], index: int) -> None:
    """The screen shows `fold(events[: index + 1])`, and event `index` is the newest row."""
    expected = fold(events[: index + 1], replay.catalog)
    shown = replay.incident
    assert shown is not None
    assert replay.index == index
    assert shown.to_snapshot() | {"number": None} == expected.to_snapshot() | {"number": None}
    header = replay.header.incident
    assert header is shown
    assert (header.status, header.severity) == (expected.status, expected.severity)
    assert replay.roster.query_one("#roster-body").render()  # drawn
    done, total = expected.steps_done()
    assert replay.runbook.border_title.startswith(f"Runbook {done}/{total}" if total else "Runbook")
    timeline = replay.timeline
    assert timeline.event_count == index + 1
    visible = timeline.visible_events()
    assert events[index].id in {event.id for event in visible}
    assert max(visible, key=lambda event: event.seq or 0).id == events[index].id


async def test_r_replays_the_room_step_by_step_as_the_fold_says(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = app.screen
        replay = await _enter_replay(pilot, app)
        events = sqlite_store.events(incident.id)  # after the room joined me
        last = len(events) - 1
        assert_shows(replay, events, last)  # it starts at the newest event
        text = screen_text(app)
        assert "REPLAY" in text
        assert f"event {last + 1} of {last + 1} · seq {events[-1].seq}" in text

        await pilot.press("home")
        assert_shows(replay, events, 0)
        assert replay.incident is not None and replay.incident.status == "investigating"
        for index in range(1, len(events)):
            await pilot.press("right")
            await pilot.pause()
            assert_shows(replay, events, index)
        await pilot.press("right")  # past the newest: stays there
        assert_shows(replay, events, last)
        for index in range(last - 1, -1, -1):
            await pilot.press("left")
            assert_shows(replay, events, index)

        landmarks = [i for i, e in enumerate(events) if e.kind in ("milestone", "status_changed")]
        assert len(landmarks) == 2
        for index in landmarks:
            await pilot.press("right_square_bracket")
            assert_shows(replay, events, index)
        await pilot.press("left_square_bracket")
        assert_shows(replay, events, landmarks[0])
        await pilot.press("left_square_bracket")
        assert_shows(replay, events, 0)  # the declaration
        await pilot.press("end")
        assert_shows(replay, events, last)

        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room, what="the live room")
