"""The war room's dialogs as a first-time incident commander meets them at
3 AM: `u` (stakeholder update), `s` (status), `r` (roles), `v` (severity).

Each test presses the keys a person presses and checks the screen they see
and what the store recorded.  INC-1 of the realistic fixture: SEV2,
identified, its last update went to customers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import screen_text, wait_until
from tests.tui.test_typeahead import SIZE, burst, room_app, typed
from warroom.core.clock import FixedClock
from warroom.core.events import Event
from warroom.services.incidents import write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.run import app_for_store
from warroom.tui.screens.forms import FormScreen
from warroom.tui.screens.room import RoomScreen


@dataclass
class Session:
    """A war room on screen, and what the store recorded since it opened."""

    app: WarroomApp
    pilot: Pilot[Any]
    room: RoomScreen
    store: SQLiteStore
    since: int

    async def form(self, key: str, title: str) -> FormScreen:
        await self.pilot.press(key)
        await wait_until(self.pilot, lambda: title in screen_text(self.app), what=title)
        assert isinstance(self.app.screen, FormScreen)
        return self.app.screen

    async def stored(self, kind: str, count: int = 1) -> list[Event]:
        def found() -> list[Event]:
            return [event for event in self.store.events_after(self.since) if event.kind == kind]

        await wait_until(self.pilot, lambda: len(found()) >= count, what=f"{count} {kind}")
        return found()

    def nothing_stored(self, kind: str) -> bool:
        return not [event for event in self.store.events_after(self.since) if event.kind == kind]

    async def back_in_the_room(self) -> None:
        await wait_until(self.pilot, lambda: self.app.screen is self.room, what="the room")

    def text(self) -> str:
        return screen_text(self.app)


@asynccontextmanager
async def in_room(store: SQLiteStore, app: WarroomApp) -> AsyncIterator[Session]:
    since = store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = app.screen
        assert isinstance(room, RoomScreen)
        await wait_until(pilot, lambda: room.loaded and room.incident is not None)
        await pilot.pause()
        yield Session(app, pilot, room, store, since)


# -- u: the stakeholder update -------------------------------------------------


async def test_an_update_typed_after_u_is_stored_as_typed_not_glued_to_the_summary(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        form = await session.form("u", "Stakeholder update")
        # the summary is there to keep, selected: the first key typed replaces it
        box = form.query_one("#text", Input)
        assert box.value == incident.summary and box.selected_text == incident.summary
        # the audience is named where the person looks: the last one used here
        assert "Update to customers" in session.text()
        await session.pilot.press(*typed("Checkout recovered after rollback"))
        await wait_until(session.pilot, lambda: "Checkout recovered after" in session.text())
        assert box.value == "Checkout recovered after rollback"  # what is seen...
        await session.pilot.press("enter")
        [update] = await session.stored("comms_update")
        # ...is what is stored
        assert update.data == {"text": "Checkout recovered after rollback", "audience": "customers"}
        await session.back_in_the_room()


async def test_u_enter_posts_the_summary_it_shows(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        await session.form("u", "Stakeholder update")
        await session.pilot.press("enter")
        [update] = await session.stored("comms_update")
        assert update.data == {"text": incident.summary, "audience": "customers"}


async def test_the_audience_is_picked_visibly_and_remembered_in_the_incident(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        await session.form("u", "Stakeholder update")
        await session.pilot.press(*typed("rollback done"), "tab", "l")  # l: leadership
        await wait_until(session.pilot, lambda: "Update to leadership" in session.text())
        await session.pilot.press("enter")
        [update] = await session.stored("comms_update")
        assert update.data == {"text": "rollback done", "audience": "leadership"}
        await session.back_in_the_room()
        room = session.room
        await wait_until(
            session.pilot,
            lambda: room.incident is not None and room.incident.last_audience == "leadership",
        )
        await session.form("u", "Stakeholder update")
        assert "Update to leadership (the audience of the last update)" in session.text()


async def test_the_audience_of_an_incident_with_no_update_yet_is_shown(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    from warroom.services.incidents import declare

    fresh = declare(sqlite_store, "me", clock, "Disk full on db-7", severity=3, lead="me")
    app = app_for_store(sqlite_store, user="me", clock=clock, incident_id=fresh.id)
    async with in_room(sqlite_store, app) as session:
        await session.form("u", "Stakeholder update")
        assert "Update to internal:" in session.text()


# -- s: the status ---------------------------------------------------------------


def resolved_room(store: SQLiteStore, clock: FixedClock) -> WarroomApp:
    """INC-1 resolved, and the app `warroom tui INC-1` runs, as me."""
    incident, _ = room_app(store, clock)
    write(store, incident.id, "status_changed", "alice", {"to": "resolved"}, clock)
    return app_for_store(store, user="me", clock=clock, incident_id=incident.id)


async def test_s_enter_moves_the_status_forward_never_back(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)  # identified
    async with in_room(sqlite_store, app) as session:
        for count, expected in ((1, "mitigated"), (2, "resolved")):
            # the reflex: from identified, mitigated; from mitigated, resolved (never back)
            await session.form("s", "Change the status")
            if count == 1:
                assert "investigating  (back)" in session.text()
            await session.pilot.press("enter")
            await session.stored("status_changed", count)
            await session.back_in_the_room()
            await wait_until(session.pilot, lambda e=expected: session.room.incident.status == e)
        assert sqlite_store.incident(incident.id).status == "resolved"


async def test_from_resolved_s_enter_reopens_nothing(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    async with in_room(sqlite_store, resolved_room(sqlite_store, clock)) as session:
        form = await session.form("s", "Change the status")
        await session.pilot.press("enter")
        await wait_until(session.pilot, lambda: "choose the new status" in session.text())
        assert session.app.screen is form
        assert session.nothing_stored("status_changed")


async def test_closing_asks_for_confirmation_and_enter_does_not_confirm(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    from warroom.tui.screens.forms import ConfirmScreen

    async with in_room(sqlite_store, resolved_room(sqlite_store, clock)) as session:
        app, pilot = session.app, session.pilot
        form = await session.form("s", "Change the status")
        assert "closed  (final: asks to confirm)" in session.text()
        await pilot.press("down", "down")  # investigating, closed
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "closed is final" in session.text()
        await pilot.press("enter")  # the reflex says no
        await wait_until(pilot, lambda: app.screen is form)
        assert session.nothing_stored("status_changed")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        [changed] = await session.stored("status_changed")
        assert changed.data["to"] == "closed"
        await session.back_in_the_room()


# -- r: roles --------------------------------------------------------------------


async def test_r_then_a_name_and_a_role_letter_assigns_that_person(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        form = await session.form("r", "Roles")
        await session.pilot.press(*typed("dana"))  # replaces my name
        await wait_until(session.pilot, lambda: "dana" in session.text())
        assert form.query_one("#person", Input).value == "dana"
        await session.pilot.press("tab", "s", "enter")  # s: Support Lead
        [assigned] = await session.stored("role_assigned")
        assert assigned.data == {"role": "support", "person": "dana"}
        await session.back_in_the_room()


async def test_r_enter_still_assigns_me_a_role(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        await session.form("r", "Roles")
        await session.pilot.press("tab", "c", "enter")  # c: Communications Lead
        [assigned] = await session.stored("role_assigned")
        assert assigned.data == {"role": "comms", "person": "me"}


# -- v: severity -----------------------------------------------------------------


async def test_a_digit_after_v_picks_that_severity(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)  # SEV2
    async with in_room(sqlite_store, app) as session:
        await session.form("v", "Change the severity")
        await session.pilot.press("2")
        await wait_until(session.pilot, lambda: "SEV2 is the severity already" in session.text())
        await session.pilot.press("4", "enter")
        [changed] = await session.stored("severity_changed")
        assert changed.data["severity"] == 4
        await session.back_in_the_room()
        assert sqlite_store.incident(incident.id).severity == 4


async def test_v_enter_escalates_one_step(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    _incident, app = room_app(sqlite_store, clock)  # SEV2
    async with in_room(sqlite_store, app) as session:
        await session.form("v", "Change the severity")
        await session.pilot.press("enter")
        [changed] = await session.stored("severity_changed")
        assert changed.data["severity"] == 1


# -- bursts: keys typed at once after the dialog's key land in it -------------------


async def test_keys_typed_in_a_burst_after_r_s_v_u_land_in_the_dialogs(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        for keys, kind, data in (
            (
                ["r", *typed("dana"), "tab", "r", "enter"],
                "role_assigned",
                {"role": "responder", "person": "dana"},
            ),
            (["v", "3", "enter"], "severity_changed", {"severity": 3}),
            (
                ["u", *typed("all good"), "enter"],
                "comms_update",
                {"text": "all good", "audience": "customers"},
            ),
            (["s", "enter"], "status_changed", {"to": "mitigated"}),
        ):
            burst(app, *keys)
            [event] = await session.stored(kind)
            assert event.data == data
            await session.back_in_the_room()
