"""Replay (`R` in a room, `warroom replay REF`): the header, roster, runbook
and timeline show the incident as it stood after the chosen event (the fold
of the events up to it); nothing can be written; Esc goes back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from tests.server.conftest import Server, make_token
from tests.tui.helpers import NOW, realistic_incident, screen_text, wait_until
from tests.tui.test_hostile import (
    REPLACEMENT,
    SPACED_CLICK,
    Spy,
    assert_inert,
    assert_literal,
    assert_safe,
    hostile_incident,
)
from tests.tui.test_hostile import SIZE as WIDE
from warroom import cli
from warroom.core.clock import SYSTEM_CLOCK, FixedClock
from warroom.core.events import Event, make_event
from warroom.core.fold import fold
from warroom.services.incidents import declare, write
from warroom.store.http import HTTPStore
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp, binding_ids
from warroom.tui.commands import screen_commands
from warroom.tui.keys import default_write_keys
from warroom.tui.run import app_for_store
from warroom.tui.screens.entry import EntryScreen
from warroom.tui.screens.keys import key_lines
from warroom.tui.screens.replay import ReplayScreen
from warroom.tui.screens.room import RoomScreen
from warroom.tui.screens.wall import WallRoomScreen
from warroom.tui.widgets.scrubber import bar

SIZE = (140, 40)


async def _enter_replay(pilot: Any, app: WarroomApp) -> ReplayScreen:
    room = app.screen
    await wait_until(pilot, lambda: isinstance(room, RoomScreen | WallRoomScreen) and room.loaded)
    if isinstance(room, RoomScreen):  # the room joins me: wait, so the replay has it
        await wait_until(pilot, lambda: "me" in room.incident.participants, what="joined")
    await pilot.press("R")
    return await _replay_shown(pilot, app)


async def _replay_shown(pilot: Any, app: WarroomApp, timeout: float = 5.0) -> ReplayScreen:
    """The replay screen, once its events are read and shown."""
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, ReplayScreen) and app.screen.loaded,
        timeout,
        "the replay",
    )
    assert isinstance(app.screen, ReplayScreen)
    return app.screen


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


async def test_no_write_key_works_in_replay(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        replay = await _enter_replay(pilot, app)
        since = sqlite_store.last_gseq()
        assert not replay.query(Input) and not replay.query(TextArea)
        await pilot.press("home", "right", "right")
        for key in [*default_write_keys(), "R", "y", "p", "slash"]:
            await pilot.press(key)
            assert app.screen is replay, f"{key} opened something"
        for _ in range(3):  # every pane, the runbook's too
            await pilot.press("tab", "space", "enter")
            if isinstance(app.screen, EntryScreen):  # enter opens the entry, read-only
                await pilot.press("escape")
            await pilot.press("plus")
            assert app.screen is replay
        await pilot.pause(0.3)
        assert sqlite_store.events_after(since) == []
        assert "replay is read-only" in screen_text(app)
        assert replay.index == 2  # and it still shows what it showed


async def test_the_wall_room_replays_too(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    app = make_app(incident_id=incident.id, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        wall = app.screen
        replay = await _enter_replay(pilot, app)
        events = sqlite_store.events(incident.id)
        assert_shows(replay, events, len(events) - 1)
        await pilot.press("left_square_bracket")
        assert replay.incident is not None and replay.incident.status == "identified"
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is wall, what="the wall")
        assert sqlite_store.events_after(since) == []


async def test_warroom_replay_ref_opens_the_replay_and_esc_quits(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = app_for_store(sqlite_store, user="me", clock=clock, incident_id=incident.id, replay=True)
    events = sqlite_store.events(incident.id)
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_shown(pilot, app)
        assert_shows(replay, events, len(events) - 1)
        assert len(app.screen_stack) == 1  # nothing under it: no live room read
        await pilot.press("home")
        assert_shows(replay, events, 0)
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0
    assert sqlite_store.events(incident.id) == events  # nothing written (not even a join)


def test_the_replay_command_runs_the_app_on_the_replay(
    monkeypatch: pytest.MonkeyPatch,
    isolated_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in isolated_env.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "other.db"
    store = SQLiteStore(db)
    realistic_incident(store, FixedClock(NOW))
    store.close()
    started: list[WarroomApp] = []

    def run(app: WarroomApp) -> int:
        started.append(app)
        return 0

    monkeypatch.setattr(WarroomApp, "run", run)
    assert cli.main(["replay", "INC-1", "--db", str(db)]) == 0
    [app] = started
    assert app.start_replay and app.start_incident is not None and app.read_only
    assert cli.main(["replay", "INC-9", "--db", str(db)]) == 1  # before the screen is taken
    assert "no incident INC-9" in capsys.readouterr().err
    assert started == [app]


async def test_replay_against_a_server(tmp_path: Path) -> None:
    root = tmp_path / "server"
    root.mkdir()
    db = root / "warroom.db"
    token = make_token(db, "alice", "responder")
    server = Server(db, root).start()
    try:
        store = HTTPStore(server.url, token, tmp_path / "outbox.db", flush_seconds=0.5)
        incident = declare(store, "alice", SYSTEM_CLOCK, "Queue backlog", severity=2)
        write(store, incident.id, "status_changed", "alice", {"to": "identified"}, SYSTEM_CLOCK)
        write(store, incident.id, "note", "alice", {"text": "drained"}, SYSTEM_CLOCK)
        events = store.events(incident.id)
        app = app_for_store(store, user="alice", incident_id=incident.id, replay=True)
        async with app.run_test(size=SIZE) as pilot:
            replay = await _replay_shown(pilot, app, timeout=15)
            assert_shows(replay, events, 2)
            await pilot.press("left_square_bracket")
            assert_shows(replay, events, 1)
            await pilot.press("left")
            assert_shows(replay, events, 0)
            assert replay.incident is not None and replay.incident.status == "investigating"
            await pilot.press("q")
            await pilot.pause()
        assert store.events(incident.id) == events
        store.close()
    finally:
        server.stop()


async def test_hostile_text_shows_literally_in_replay(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident_id = hostile_incident(sqlite_store, clock)
    app = app_for_store(sqlite_store, user="me", clock=clock, incident_id=incident_id, replay=True)
    spy = Spy(app)
    async with app.run_test(size=WIDE) as pilot:
        await _replay_shown(pilot, app)
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "T [@click=app.quit]x[/] [/] [bold red] [ @click=app.bell]y[/]")
        assert_literal(text, f"{REPLACEMENT}]0;pwned{REPLACEMENT}", "S [@click=app.quit]x[/]")
        assert_literal(text, "N [@click=app.quit]x[/]", "[bold red]", SPACED_CLICK)
        assert_literal(text, f"P {REPLACEMENT}evil{REPLACEMENT}", "step [@click=app.quit]x[/]")
        await pilot.press("home", "right")  # the banner names the hostile note and its actor
        text = screen_text(app)
        assert_safe(text)
        assert_literal(text, "by [@click=app.quit]x[/] ", "N [@click=app.quit]x[/] [/] [bold red]")
        await assert_inert(pilot, app, spy)


async def test_a_long_incident_opens_without_freezing_and_steps_fast(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Long night", severity=2)
    base = clock.now()
    batch = [
        make_event(
            incident.id,
            "status_changed" if n % 1000 == 999 else "note",
            "bob",
            {"to": "investigating" if n // 1000 % 2 else "identified"}
            if n % 1000 == 999
            else {"text": f"note {n}"},
            base + timedelta(seconds=n + 1),
        )
        for n in range(10_000)
    ]
    clock.advance(hours=3)
    sqlite_store.append_many(batch)
    events = sqlite_store.events(incident.id)
    app = app_for_store(sqlite_store, user="me", clock=clock, incident_id=incident.id, replay=True)
    readers: list[threading.Thread] = []
    read = sqlite_store.events

    def events_read_by(incident_id: str, after_seq: int = 0) -> list[Event]:
        readers.append(threading.current_thread())
        return read(incident_id, after_seq)

    sqlite_store.events = events_read_by  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_shown(pilot, app, timeout=30)
        assert_shows(replay, events, len(events) - 1)
        # the events were read (and folded) off the UI loop
        assert readers and threading.main_thread() not in readers

        started = time.perf_counter()  # the steps themselves (not the pilot's keys)
        for _ in range(20):
            replay.action_step(-1)
        replay.action_landmark(-1)
        replay.action_landmark(-1)
        replay.action_first()
        replay.action_last()
        for _ in range(20):
            replay.action_step(1)
        assert time.perf_counter() - started < 5  # about 0.1 s; generous: a busy machine
        assert_shows(replay, events, len(events) - 1)
        await pilot.press("left", "left", "right")
        assert_shows(replay, events, len(events) - 2)
        await pilot.press("left_square_bracket")
        assert_shows(replay, events, 9_000)  # the status change before the newest one


async def test_replay_keys_are_in_the_palette_and_remapped_by_id(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    assert {"room.replay", "replay.next", "replay.next_landmark"} <= binding_ids()
    app = make_app(incident_id=incident.id, keymap={"replay.next": "x", "room.replay": "ctrl+r"})
    async with app.run_test(size=SIZE) as pilot:
        room = app.screen
        assert "Replay: the incident as it stood after each event (read-only)" in [
            line for line, _ in screen_commands(room)
        ]
        await wait_until(pilot, lambda: isinstance(room, RoomScreen) and room.loaded)
        await pilot.press("ctrl+r")
        replay = await _replay_shown(pilot, app)
        lines = [line for line, _ in screen_commands(replay)]
        assert "Replay: one event on" in lines and "Replay: back to the live room" in lines
        await pilot.press("home", "x")
        assert replay.index == 1
        keys_shown = " ".join(keys for _, keys, _ in key_lines(replay))
        assert "[" in keys_shown and "]" in keys_shown and "x" in keys_shown


def test_the_scrubber_bar_marks_the_position_and_the_landmarks() -> None:
    assert bar(10, 0.5, [0.0, 1.0]) == "◆━━━●────◆"
    assert bar(5, 1.0, [0.0]) == "◆━━━●"
    assert bar(0, 0.3, []) == ""


async def test_a_narrow_replay_keeps_the_position_and_the_bar(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = app_for_store(sqlite_store, user="me", clock=clock, incident_id=incident.id, replay=True)
    async with app.run_test(size=(80, 24)) as pilot:
        replay = await _replay_shown(pilot, app)
        await pilot.press("home", "right")
        await pilot.pause()
        line = screen_text(app).splitlines()[-2]
        assert line.startswith(" event 2 of 18 · seq 2 · occurred 03:04:00 · recorded 03:04:00")
        assert line.rstrip().endswith("─") and "●" in line and "◆" in line
        assert "occurred 03:04:00 (03:04:00Z) · recorded 03:04:00 (03:04:00Z)" in (
            replay.scrubber.text
        )
