"""The timeline's row cursor and the entry opened in full (issue "The war room
at 3 AM", point 10): a long entry is cut on its row, Enter (or a click on the
selected row) opens it whole, with its kind, author, local and UTC times, the
recorded time of a back-dated one, its seq and the concurrency mark; the
cursor moves with the keys, stays on its entry as new ones arrive, and the
view keeps following the newest entry while the cursor is on the last row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.tui.helpers import at, realistic_incident, screen_text, segment_style, wait_until
from warroom.core.clock import FixedClock
from warroom.services.incidents import write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.entry import EntryScreen
from warroom.tui.screens.room import RoomBase, RoomScreen

SIZE = (100, 30)
WORDS = " ".join(f"w{number:02d}" for number in range(70))


async def _room(pilot: Any, app: WarroomApp) -> RoomScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen) and app.screen.loaded)
    room = app.screen
    assert isinstance(room, RoomScreen)
    await wait_until(pilot, lambda: "me" in room.incident.participants)
    await wait_until(pilot, lambda: room.timeline.cursor_event.kind == "participant_joined")
    return room


def _shown_whole(text: str, words: str) -> bool:
    """Every word of `words` on screen, in order (wrapping breaks lines between
    words; the box's sides are left out)."""
    flat = " ".join(text.replace("│", " ").split())
    return " ".join(words.split()) in flat


@pytest.mark.parametrize(
    ("kind", "data", "words"),
    [
        ("note", {"text": f"replica lag {WORDS} END"}, f"replica lag {WORDS} END"),
        (
            "status_changed",
            {"to": "mitigated", "reason": f"failover done {WORDS} END"},
            f"status set to mitigated: failover done {WORDS} END",
        ),
        (
            "note",  # what a drill writes when it ends
            {"text": f"Drill score (10x): 3 of 5 expected responses met; {WORDS} END"},
            f"Drill score (10x): 3 of 5 expected responses met; {WORDS} END",
        ),
    ],
    ids=["note", "status-reason", "drill-score"],
)
async def test_a_long_entry_is_cut_on_its_row_and_enter_opens_it_whole(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    kind: str,
    data: dict[str, Any],
    words: str,
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    clock.set(at(3, 41))
    write(sqlite_store, incident.id, kind, "bob", data, clock)
    clock.set(at(3, 42))
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot, app)
        text = screen_text(app)
        assert words[:20] in text and "END" not in text  # cut on its row
        await pilot.press("k")  # from "me joined" up to it
        assert room.timeline.cursor_event.kind == kind
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        text = screen_text(app)
        assert _shown_whole(text, words), text
        assert "bob" in text
        assert "2026-11-26 03:41:00 UTC · 2026-11-26 03:41:00Z" in text
        assert f"seq        {room.timeline.cursor_event.seq}" in text
        assert "recorded" not in text and "concurrent" not in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room)
        assert app.focused is room.timeline


async def test_a_back_dated_entry_shows_when_it_was_recorded(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """The fixture's "detected" milestone happened at 03:00 and was logged at 03:09."""
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot, app)
        await pilot.press("slash", *"milestone detected", "enter", "escape")
        assert room.timeline.cursor_event.kind == "milestone"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        text = screen_text(app)
        assert "kind       milestone " in text
        assert "happened   2026-11-26 03:00:00 UTC · 2026-11-26 03:00:00Z" in text
        assert "recorded   2026-11-26 03:09:00 UTC · 2026-11-26 03:09:00Z" in text
        assert "back-dated by 9m" in text


async def test_a_concurrent_change_says_so(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    seen = incident.last_seq
    write(sqlite_store, incident.id, "severity_changed", "bob", {"severity": 1}, clock, None, seen)
    write(
        sqlite_store, incident.id, "severity_changed", "carol", {"severity": 3}, clock, None, seen
    )
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot, app)
        await pilot.press("slash", *"SEV3", "enter", "escape", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        text = screen_text(app)
        assert "severity set to SEV3" in text
        assert "concurrent: made without seeing the change before it" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room)
        await pilot.press("k", "k", "enter")  # dave joined: no mark
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        assert "dave joined" in screen_text(app)
        assert "concurrent: made" not in screen_text(app)


async def test_the_cursor_moves_stays_on_its_entry_and_follows_from_the_last_row(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot, app)
        timeline = room.timeline
        assert timeline.follow
        await pilot.press("k", "up")
        chosen = timeline.cursor_event
        assert chosen.kind == "comms_update" and not timeline.follow
        # the selected row stands out on screen
        cursor_row = segment_style(app, "EU checkout degraded; rollback under way")
        other_row = segment_style(app, "rollback of 4812 started in eu-west")
        assert cursor_row.bgcolor != other_row.bgcolor
        count = timeline.event_count
        for number in range(40):
            write(sqlite_store, incident.id, "note", "bob", {"text": f"live {number}"}, clock)
        await wait_until(pilot, lambda: timeline.event_count == count + 40)
        assert timeline.cursor_event is chosen  # not moved off its entry
        assert "EU checkout degraded" in screen_text(app) and "live 39" not in screen_text(app)
        await pilot.press("home")
        assert timeline.cursor_event.kind == "milestone"  # detected at 03:00, the oldest
        assert "milestone detected" in screen_text(app)
        await pilot.press("pagedown", "j")
        assert not timeline.follow
        await pilot.press("end")  # on the last row: following again
        assert timeline.follow and timeline.cursor_event.data == {"text": "live 39"}
        write(sqlite_store, incident.id, "note", "bob", {"text": "the very newest"}, clock)
        await wait_until(pilot, lambda: "the very newest" in screen_text(app))
        assert timeline.cursor_event.data == {"text": "the very newest"}
        await pilot.press("k", "j")  # back down onto the last row: still following
        write(sqlite_store, incident.id, "note", "bob", {"text": "and another"}, clock)
        await wait_until(pilot, lambda: "and another" in screen_text(app))
        assert timeline.follow and timeline.cursor_event.data == {"text": "and another"}


async def test_a_click_selects_a_row_and_a_click_on_the_selected_row_opens_it(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot, app)
        needle = "deploy 4812 went out to eu-west"
        [(row, column)] = [
            (row, line.find(needle))
            for row, line in enumerate(screen_text(app).splitlines())
            if needle in line
        ]
        await pilot.click(offset=(column + 2, row))
        assert room.timeline.cursor_event.kind == "finding"
        assert app.screen is room
        await pilot.click(offset=(column + 2, row))
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        assert "kind       finding " in screen_text(app)


async def test_the_wall_opens_an_entry_too(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """Reading an entry whole writes nothing: the wall's timeline opens it as well."""
    incident = realistic_incident(sqlite_store, clock)
    write(sqlite_store, incident.id, "note", "bob", {"text": f"wall {WORDS} END"}, clock)
    since = sqlite_store.last_gseq()
    app = make_app(incident_id=incident.id, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, RoomBase) and app.screen.loaded)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EntryScreen))
        assert _shown_whole(screen_text(app), f"wall {WORDS} END")
        assert sqlite_store.events_after(since) == []
