"""The war room's dialogs as a first-time incident commander meets them at
3 AM: `u` (stakeholder update), `s` (status), `r` (roles), `v` (severity).

Each test presses the keys a person presses and checks the screen they see
and what the store recorded.  INC-1 of the realistic fixture: SEV2,
identified, its last update went to customers.
"""

from __future__ import annotations

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


async def open_room(app: WarroomApp, pilot: Pilot[Any]) -> RoomScreen:
    room = app.screen
    assert isinstance(room, RoomScreen)
    await wait_until(pilot, lambda: room.loaded and room.incident is not None, what="the room")
    await pilot.pause()
    return room


async def open_form(app: WarroomApp, pilot: Pilot[Any], key: str, title: str) -> FormScreen:
    await pilot.press(key)
    await wait_until(pilot, lambda: title in screen_text(app), what=title)
    assert isinstance(app.screen, FormScreen)
    return app.screen


async def stored(
    pilot: Pilot[Any], store: SQLiteStore, since: int, kind: str, count: int = 1
) -> list[Event]:
    def found() -> list[Event]:
        return [event for event in store.events_after(since) if event.kind == kind]

    await wait_until(pilot, lambda: len(found()) >= count, what=f"{count} {kind} stored")
    return found()


# -- u: the stakeholder update -------------------------------------------------


async def test_an_update_typed_after_u_is_stored_as_typed_not_glued_to_the_summary(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = await open_room(app, pilot)
        await open_form(app, pilot, "u", "Stakeholder update")
        # the summary is there to keep, selected: the first key typed replaces it
        box = app.screen.query_one("#text", Input)
        assert box.value == incident.summary and box.selected_text == incident.summary
        # the audience is named where the person looks: the last one used here
        assert "Update to customers" in screen_text(app)
        await pilot.press(*typed("Checkout recovered after rollback"))
        await wait_until(pilot, lambda: "Checkout recovered after rollback" in screen_text(app))
        assert box.value == "Checkout recovered after rollback"  # what is seen...
        await pilot.press("enter")
        [update] = await stored(pilot, sqlite_store, since, "comms_update")
        # ...is what is stored
        assert update.data == {"text": "Checkout recovered after rollback", "audience": "customers"}
        await wait_until(pilot, lambda: app.screen is room)


async def test_u_enter_posts_the_summary_it_shows(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        await open_room(app, pilot)
        await open_form(app, pilot, "u", "Stakeholder update")
        await pilot.press("enter")
        [update] = await stored(pilot, sqlite_store, since, "comms_update")
        assert update.data == {"text": incident.summary, "audience": "customers"}


async def test_the_audience_is_picked_visibly_and_remembered_in_the_incident(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = await open_room(app, pilot)
        await open_form(app, pilot, "u", "Stakeholder update")
        await pilot.press(*typed("rollback done"), "tab", "l")  # l: leadership
        await wait_until(pilot, lambda: "Update to leadership" in screen_text(app))
        await pilot.press("enter")
        [update] = await stored(pilot, sqlite_store, since, "comms_update")
        assert update.data == {"text": "rollback done", "audience": "leadership"}
        await wait_until(pilot, lambda: app.screen is room)
        await wait_until(
            pilot, lambda: room.incident is not None and room.incident.last_audience == "leadership"
        )
        await open_form(app, pilot, "u", "Stakeholder update")
        assert "Update to leadership (the audience of the last update)" in screen_text(app)


async def test_the_audience_of_an_incident_with_no_update_yet_is_shown(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    from warroom.services.incidents import declare

    fresh = declare(sqlite_store, "me", clock, "Disk full on db-7", severity=3, lead="me")
    app = app_for_store(sqlite_store, user="me", clock=clock, incident_id=fresh.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_room(app, pilot)
        await open_form(app, pilot, "u", "Stakeholder update")
        assert "Update to internal:" in screen_text(app)


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
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = await open_room(app, pilot)
        await open_form(app, pilot, "s", "Change the status")
        assert "investigating  (back)" in screen_text(app)
        await pilot.press("enter")
        await stored(pilot, sqlite_store, since, "status_changed")
        await wait_until(pilot, lambda: app.screen is room and room.incident.status == "mitigated")
        # the reflex again, from mitigated: resolved, not investigating
        await open_form(app, pilot, "s", "Change the status")
        await pilot.press("enter")
        await stored(pilot, sqlite_store, since, "status_changed", 2)
        await wait_until(pilot, lambda: app.screen is room and room.incident.status == "resolved")
        assert sqlite_store.incident(incident.id).status == "resolved"


async def test_from_resolved_s_enter_reopens_nothing(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    app = resolved_room(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        await open_room(app, pilot)
        form = await open_form(app, pilot, "s", "Change the status")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "choose the new status" in screen_text(app))
        assert app.screen is form
        assert not [e for e in sqlite_store.events_after(since) if e.kind == "status_changed"]


async def test_closing_asks_for_confirmation_and_enter_does_not_confirm(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    from warroom.tui.screens.forms import ConfirmScreen

    app = resolved_room(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = await open_room(app, pilot)
        form = await open_form(app, pilot, "s", "Change the status")
        assert "closed  (final: asks to confirm)" in screen_text(app)
        await pilot.press("down", "down")  # investigating, closed
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "closed is final" in screen_text(app)
        await pilot.press("enter")  # the reflex says no
        await wait_until(pilot, lambda: app.screen is form)
        assert not [e for e in sqlite_store.events_after(since) if e.kind == "status_changed"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        [changed] = await stored(pilot, sqlite_store, since, "status_changed")
        assert changed.data["to"] == "closed"
        await wait_until(pilot, lambda: app.screen is room)


# -- r: roles --------------------------------------------------------------------


async def test_r_then_a_name_and_a_role_letter_assigns_that_person(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = await open_room(app, pilot)
        await open_form(app, pilot, "r", "Roles")
        await pilot.press(*typed("dana"))  # replaces my name
        await wait_until(pilot, lambda: "dana" in screen_text(app))
        assert app.screen.query_one("#person", Input).value == "dana"
        await pilot.press("tab", "s")  # s: Support Lead
        await pilot.press("enter")
        [assigned] = await stored(pilot, sqlite_store, since, "role_assigned")
        assert assigned.data == {"role": "support", "person": "dana"}
        await wait_until(pilot, lambda: app.screen is room)


async def test_r_enter_still_assigns_me_a_role(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        await open_room(app, pilot)
        await open_form(app, pilot, "r", "Roles")
        await pilot.press("tab", "c", "enter")  # c: Communications Lead (carol holds it)
        [assigned] = await stored(pilot, sqlite_store, since, "role_assigned")
        assert assigned.data == {"role": "comms", "person": "me"}


# -- v: severity -----------------------------------------------------------------


async def test_a_digit_after_v_picks_that_severity(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, app = room_app(sqlite_store, clock)  # SEV2
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = await open_room(app, pilot)
        await open_form(app, pilot, "v", "Change the severity")
        await pilot.press("2")
        await wait_until(pilot, lambda: "SEV2 is the severity already" in screen_text(app))
        await pilot.press("4", "enter")
        [changed] = await stored(pilot, sqlite_store, since, "severity_changed")
        assert changed.data["severity"] == 4
        await wait_until(pilot, lambda: app.screen is room)
        assert sqlite_store.incident(incident.id).severity == 4


async def test_v_enter_escalates_one_step(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    _incident, app = room_app(sqlite_store, clock)  # SEV2
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        await open_room(app, pilot)
        await open_form(app, pilot, "v", "Change the severity")
        await pilot.press("enter")
        [changed] = await stored(pilot, sqlite_store, since, "severity_changed")
        assert changed.data["severity"] == 1


# -- bursts: keys typed at once after the dialog's key land in it -------------------


async def test_keys_typed_in_a_burst_after_r_s_v_u_land_in_the_dialogs(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = room_app(sqlite_store, clock)
    since = sqlite_store.last_gseq()
    async with app.run_test(size=SIZE) as pilot:
        room = await open_room(app, pilot)
        burst(app, "r", *typed("dana"), "tab", "r", "enter")  # r: Technical Responder
        [assigned] = await stored(pilot, sqlite_store, since, "role_assigned")
        assert assigned.data == {"role": "responder", "person": "dana"}
        await wait_until(pilot, lambda: app.screen is room)
        burst(app, "v", "3", "enter")
        [severity] = await stored(pilot, sqlite_store, since, "severity_changed")
        assert severity.data["severity"] == 3
        await wait_until(pilot, lambda: app.screen is room)
        burst(app, "u", *typed("all good"), "enter")
        [update] = await stored(pilot, sqlite_store, since, "comms_update")
        assert update.data["text"] == "all good"
        await wait_until(pilot, lambda: app.screen is room)
        burst(app, "s", "enter")
        [status] = await stored(pilot, sqlite_store, since, "status_changed")
        assert status.data["to"] == "mitigated"
