"""Snapshots of home, the war room and wall mode at 80x24 and 160x48, on the
fixed realistic incident of `helpers.realistic_incident`, at 03:40 UTC by a
fixed clock, with the zone fixed to UTC (conftest).

Update after an intended change: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.helpers import realistic_incident, wait_for_room, wait_for_screen, wait_until
from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomBase
from warroom.tui.screens.wall import WallHomeScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def _app(store: SQLiteStore, clock: FixedClock, **options: Any) -> WarroomApp:
    # alice is already in the incident: opening the room writes nothing
    return WarroomApp(store, actor="alice", clock=clock, **options)


async def _room_ready(pilot: Pilot[Any]) -> None:
    room = await wait_for_room(pilot, RoomBase)
    await wait_until(pilot, lambda: not room.older_loading)


async def _list_ready(pilot: Pilot[Any]) -> None:
    await wait_for_screen(pilot, HomeScreen | WallHomeScreen)


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock, size: Any) -> None:
    realistic_incident(sqlite_store, clock)
    app = _app(sqlite_store, clock)
    assert snap_compare(app, terminal_size=size, run_before=_list_ready)


@pytest.mark.parametrize("size", SIZES)
def test_room(snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock, size: Any) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = _app(sqlite_store, clock, incident_id=incident.id)
    assert snap_compare(app, terminal_size=size, run_before=_room_ready)


@pytest.mark.parametrize("size", SIZES)
def test_wall(snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock, size: Any) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = _app(sqlite_store, clock, incident_id=incident.id, read_only=True)
    assert snap_compare(app, terminal_size=size, run_before=_room_ready)


@pytest.mark.parametrize("size", SIZES)
def test_wall_home(
    snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock, size: Any
) -> None:
    realistic_incident(sqlite_store, clock)
    app = _app(sqlite_store, clock, read_only=True)
    assert snap_compare(app, terminal_size=size, run_before=_list_ready)


def test_room_light_theme(snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = _app(sqlite_store, clock, incident_id=incident.id)

    async def light(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"
        await _room_ready(pilot)

    assert snap_compare(app, terminal_size=(160, 48), run_before=light)


def test_wall_light_theme(snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = _app(sqlite_store, clock, incident_id=incident.id, read_only=True)

    async def light(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"
        await _room_ready(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=light)
