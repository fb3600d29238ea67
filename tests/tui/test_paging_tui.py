"""Paging in the TUI: a paged incident nobody acknowledged is marked on the
home list, in the room's banner and on the wall; opening the room (which
joins it) does not acknowledge; the room's ack key does, and the marks go."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.tui.helpers import screen_text, wait_until
from warroom.config import Settings
from warroom.core.clock import FixedClock
from warroom.core.oncall.load import load_oncall
from warroom.resources import data_path
from warroom.services.incidents import declare
from warroom.services.paging import run_escalations
from warroom.store.sqlite import SQLiteStore
from warroom.tui.run import app_for_store
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen
from warroom.tui.screens.wall import WallHomeScreen
from warroom.tui.widgets.header import UNACKED, UNACKED_SHORT


def paged(store: SQLiteStore, clock: FixedClock) -> str:
    path = data_path("services.toml")
    tables = load_oncall([(path, tomllib.loads(path.read_text(encoding="utf-8")))])
    incident = declare(store, "erik", clock, "Checkout 502s", severity=1, service="checkout-api")
    declare(store, "erik", clock, "Search slow", severity=3)  # no service: the default policy
    assert run_escalations(store, tables, clock)
    return incident.id


async def test_the_mark_and_the_ack_key(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    incident_id = paged(sqlite_store, clock)
    app = app_for_store(sqlite_store, user="me", clock=clock)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
        [line] = [line for line in screen_text(app).splitlines() if "Checkout 502s" in line]
        assert UNACKED_SHORT in line
        app.open_incident(incident_id)
        await wait_until(
            pilot, lambda: isinstance(app.screen, RoomScreen) and UNACKED in screen_text(app)
        )
        assert screen_text(app).splitlines()[-1].startswith(" A Ack page ")  # the bar offers it
        # opening the room joined it: still unacknowledged
        await wait_until(pilot, lambda: "me" in sqlite_store.incident(incident_id).participants)
        assert sqlite_store.incident(incident_id).acked_by is None
        await pilot.press("A")
        await wait_until(pilot, lambda: sqlite_store.incident(incident_id).acked_by == "me")
        await wait_until(pilot, lambda: UNACKED not in screen_text(app), what="the mark goes")
        state = sqlite_store.incident(incident_id)
        assert "acknowledged" in state.milestones
        assert "Ack page" not in screen_text(app).splitlines()[-1]  # gone from the bar
        since = sqlite_store.last_gseq()
        await pilot.press("A")  # the key does nothing more
        await pilot.pause(0.2)
        assert sqlite_store.events_after(since) == []


async def test_the_room_warns_when_no_sender_runs(
    sqlite_store: SQLiteStore, clock: FixedClock, tmp_path: Path
) -> None:
    incident_id = paged(sqlite_store, clock)
    settings = Settings(
        db=tmp_path / "warroom.db",
        db_is_default=False,
        user="me",
        service_files=[data_path("services.toml")],
    )
    app = app_for_store(sqlite_store, user="me", clock=clock, settings=settings)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
        app.open_incident(incident_id)
        await wait_until(pilot, lambda: "no sender is running" in screen_text(app))


async def test_the_wall_marks_it(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    paged(sqlite_store, clock)
    app = app_for_store(sqlite_store, user="me", clock=clock, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, WallHomeScreen))
        await wait_until(pilot, lambda: UNACKED in screen_text(app), what="the wall's mark")
        await pilot.press("A")
        await wait_until(pilot, lambda: "read-only" in screen_text(app))
