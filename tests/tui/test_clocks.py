"""Time passing, no key pressed: the room's countdown to the next stakeholder
update turns into a warning once it is overdue, and the list marks it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.tui.helpers import (
    at,
    realistic_incident,
    screen_text,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens import home
from warroom.tui.screens.home import HomeScreen


async def test_the_update_countdown_turns_into_a_warning_when_overdue(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)  # SEV2: an update every 30 minutes
    app = make_app(incident_id=incident.id, actor="alice")
    async with app.run_test(size=(120, 36)) as pilot:
        room = await wait_for_room(pilot)
        assert "next update in 20m 00s" in screen_text(app)  # the last one went out at 03:30
        assert "impact 45m 00s" in screen_text(app) and "declared 38m 00s ago" in screen_text(app)
        assert not room.header.overdue
        clock.set(at(4, 1))
        await wait_until(pilot, lambda: "STAKEHOLDER UPDATE OVERDUE by 1m 00s" in screen_text(app))
        assert room.header.overdue
        assert "declared 59m 00s ago" in screen_text(app)


async def test_the_list_marks_an_overdue_update_as_time_passes(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(home, "AGE_REFRESH", 0.1)
    realistic_incident(sqlite_store, clock)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_screen(pilot, HomeScreen)

        def row(ref: str) -> str:
            return next(line for line in screen_text(app).splitlines() if f" {ref} " in line)

        assert "⚠ late" not in row("INC-1") and "38m" in row("INC-1")
        clock.set(at(4, 1))
        await wait_until(pilot, lambda: "⚠ late" in row("INC-1"))
        assert "59m" in row("INC-1")


async def test_the_header_and_the_postmortem_agree_on_the_impact(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """Impact runs from its start to mitigated (else resolved): 52s here, not the 61s
    to resolved; the header and the postmortem say the same."""
    from warroom.core.postmortem import render_postmortem
    from warroom.services.incidents import declare, write

    clock.set(at(3, 0))
    incident = declare(sqlite_store, "alice", clock, "Checkout 5xx", severity=2)
    for seconds, status in ((52, "mitigated"), (61, "resolved")):
        clock.set(at(3, 0) + timedelta(seconds=seconds))
        write(sqlite_store, incident.id, "status_changed", "alice", {"to": status}, clock)
    clock.set(at(3, 30))
    state = sqlite_store.incident(incident.id)
    draft = render_postmortem(
        state, sqlite_store.events(incident.id), sqlite_store.catalog, clock.now()
    )
    assert "(mitigated): **52s**" in draft
    app = make_app(incident_id=incident.id, actor="alice")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_room(pilot)
        assert "impact 52s (mitigated)" in screen_text(app)


async def test_an_open_incident_shows_its_impact_as_ongoing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id, actor="alice")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for_room(pilot)
        assert "impact 45m 00s (ongoing)" in screen_text(app)
