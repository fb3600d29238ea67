"""Live: what another process writes appears in the open app, no key pressed."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from tests.tui.helpers import (
    realistic_incident,
    screen_text,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.wall import WallRoomScreen


async def _warroom(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Run `python -m warroom ARGS` as another process, without blocking the app."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "warroom",
        *args,
        env={**env, "WARROOM_USER": "otto"},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_room_shows_what_another_process_logs(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    isolated_env: dict[str, str],
    tmp_path: Path,
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=(160, 48)) as pilot:
        room = await wait_for_room(pilot)
        count = room.timeline.event_count
        await _warroom(isolated_env, tmp_path, "log", "INC-1", "written by another terminal")
        await _warroom(isolated_env, tmp_path, "set", "INC-1", "--summary", "rollback done")
        await _warroom(isolated_env, tmp_path, "assign", "INC-1", "support", "otto")
        await wait_until(
            pilot,
            lambda: "written by another terminal" in screen_text(app),
            timeout=10,
            what="the other process's note",
        )
        await wait_until(pilot, lambda: "summary rollback done" in screen_text(app))
        text = screen_text(app)
        assert "otto" in text  # in the roster as Support Lead, and as the actor
        assert room.timeline.event_count >= count + 3
        assert room.incident.roles["support"] == ["otto"]


async def test_wall_and_home_follow_another_process(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    isolated_env: dict[str, str],
    tmp_path: Path,
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    wall = make_app(incident_id=incident.id, read_only=True)
    async with wall.run_test(size=(120, 36)) as pilot:
        await wait_for_room(pilot, WallRoomScreen)
        await _warroom(isolated_env, tmp_path, "status", "INC-1", "mitigated")
        await wait_until(pilot, lambda: "MITIGATED" in screen_text(wall), timeout=10)

    home = make_app()
    async with home.run_test(size=(120, 36)) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await _warroom(isolated_env, tmp_path, "declare", "Declared elsewhere", "--sev", "1")
        await wait_until(pilot, lambda: "Declared elsewhere" in screen_text(home), timeout=10)


async def test_ui_stays_responsive_while_the_store_is_locked(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    db_path: Path,
) -> None:
    """Another process holds the write lock: my note waits in a worker, the keys still work."""
    import sqlite3
    import time

    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=(120, 36)) as pilot:
        room = await wait_for_room(pilot)
        locker = sqlite3.connect(db_path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # the write lock, as a busy writer holds it
        try:
            since = sqlite_store.last_gseq()
            await pilot.press("n", *"queued", "enter")
            started = time.monotonic()
            await pilot.press("escape", "f")  # the UI answers while the write waits
            assert room.entry.display and room.entry.kind == "finding"
            await pilot.press("escape", "tab")
            assert app.focused is room.roster
            assert time.monotonic() - started < 2.0
            assert sqlite_store.events_after(since) == []
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        await wait_until(
            pilot, lambda: "queued" in screen_text(app), what="the note after the lock"
        )
        assert [e.data for e in sqlite_store.events_after(since)] == [{"text": "queued"}]


async def test_text_typed_while_a_write_waits_is_kept(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    db_path: Path,
) -> None:
    """Enter on a note while another process holds the lock, then go on typing:
    the note is stored once, and what was typed after Enter stays in the box."""
    import sqlite3

    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=(120, 36)) as pilot:
        room = await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        locker = sqlite3.connect(db_path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("n", *"db is back", "enter")
            await pilot.press(*" and the queue drains")
            await pilot.pause(0.1)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        await wait_until(pilot, lambda: bool(sqlite_store.events_after(since)))
        await wait_until(pilot, lambda: room.entry.input.value == "and the queue drains")
        assert room.entry.display and room.entry.kind == "note"
        assert [e.data for e in sqlite_store.events_after(since)] == [{"text": "db is back"}]
        await pilot.press("enter")
        await wait_until(pilot, lambda: not room.entry.display)
        assert [e.data["text"] for e in sqlite_store.events_after(since)] == [
            "db is back",
            "and the queue drains",
        ]
