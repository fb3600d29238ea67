"""`u` to customers is public (the status page): the form asks for the
public title the first time and takes the components' states from
`[statuspage]`; the severity only proposes a state."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.tui.test_dialogs import in_room
from tests.tui.test_typeahead import typed
from warroom.config import Settings
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore
from warroom.tui.run import app_for_store
from warroom.tui.widgets.component_picker import ComponentPicker

STATUSPAGE = {"components": [{"id": "api", "name": "API"}, {"id": "web", "name": "Website"}]}


def fresh_room(store: SQLiteStore, clock: FixedClock):
    incident = declare(store, "me", clock, "db-7 disk full (internal)", severity=2, lead="me")
    settings = Settings(db=Path(), db_is_default=True, user="me", statuspage=STATUSPAGE)
    app = app_for_store(store, user="me", clock=clock, incident_id=incident.id, settings=settings)
    return incident, app


async def test_a_first_customers_update_asks_for_the_public_title_and_components(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = fresh_room(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        form = await session.form("u", "Stakeholder update")
        title = form.query_one("#public-title", Input)
        assert not title.display  # internal: nothing public to ask
        await session.pilot.press(*typed("Errors on the API"), "tab", "c")  # c: customers
        await session.pilot.pause()
        assert title.display and "public, on the status page" in session.text()
        assert "never the internal title" in session.text()
        picker = form.query_one("#components", ComponentPicker)
        assert picker.value == {}  # the severity proposes, never sets
        assert "SEV2 proposes partial_outage" in session.text()
        assert "API" in session.text() and "Website" in session.text()
        assert "no change" in session.text()
        await session.pilot.press("tab")  # from the audience on to the public title
        assert title.has_focus
        await session.pilot.press(*typed("API errors"), "tab")
        assert picker.has_focus
        await session.pilot.press("right")  # API: the proposal
        await session.pilot.press("down", "right", "right", "left", "left")  # Website
        await session.pilot.pause()
        assert picker.value == {"api": "partial_outage", "web": "degraded_performance"}
        assert "degraded_performance" in session.text()
        await session.pilot.press("enter")
        [update] = await session.stored("comms_update")
        assert update.data == {
            "text": "Errors on the API",
            "audience": "customers",
            "public_title": "API errors",
            "components": {"api": "partial_outage", "web": "degraded_performance"},
        }


async def test_the_picker_takes_a_pick_back_and_sets_operational(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = fresh_room(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        form = await session.form("u", "Stakeholder update")
        await session.pilot.press(*typed("Fixed"), "tab", "c", "tab", "tab")
        picker = form.query_one("#components", ComponentPicker)
        assert picker.has_focus
        await session.pilot.press("p", "backspace", "down", "left")  # API: none; web: operational
        await session.pilot.pause()
        assert picker.value == {"web": "operational"}
        await session.pilot.press("enter")
        [update] = await session.stored("comms_update")
        assert update.data["components"] == {"web": "operational"}


async def test_without_components_the_form_says_so(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "x", severity=2, lead="me")
    settings = Settings(db=Path(), db_is_default=True, user="me")
    app = app_for_store(
        sqlite_store, user="me", clock=clock, incident_id=incident.id, settings=settings
    )
    async with in_room(sqlite_store, app) as session:
        form = await session.form("u", "Stakeholder update")
        await session.pilot.press(*typed("Errors"), "tab", "c")
        await session.pilot.pause()
        assert "Components: none in [statuspage]" in session.text()
        assert not form.query_one("#components", ComponentPicker).display
        await session.pilot.press("shift+tab", "enter")
        [update] = await session.stored("comms_update")
        assert "components" not in update.data


async def test_the_pickers_keys_are_remapped_by_their_ids(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "x", severity=1, lead="me")
    settings = Settings(db=Path(), db_is_default=True, user="me", statuspage=STATUSPAGE)
    app = app_for_store(
        sqlite_store,
        user="me",
        clock=clock,
        incident_id=incident.id,
        settings=settings,
        keymap={"components.worse": "w", "components.proposed": "P"},
    )
    async with in_room(sqlite_store, app) as session:
        form = await session.form("u", "Stakeholder update")
        await session.pilot.press(*typed("Down"), "tab", "c", "tab", "tab")
        picker = form.query_one("#components", ComponentPicker)
        await session.pilot.press("P", "down", "left", "w")  # api: SEV1's proposal
        await session.pilot.pause()
        assert picker.value == {"api": "major_outage", "web": "under_maintenance"}


async def test_a_drill_says_it_never_shows_on_the_status_page(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "game day", severity=2, lead="me", drill=True)
    settings = Settings(db=Path(), db_is_default=True, user="me", statuspage=STATUSPAGE)
    app = app_for_store(
        sqlite_store, user="me", clock=clock, incident_id=incident.id, settings=settings
    )
    async with in_room(sqlite_store, app) as session:
        await session.form("u", "Stakeholder update")
        await session.pilot.press(*typed("Drill update"), "tab", "c")
        await session.pilot.pause()
        assert "a drill: never shown on the status page" in session.text()
        assert "public, on the status page" not in session.text()


async def test_the_picker_shows_what_this_incident_set_before(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    from warroom.services.incidents import write

    incident, app = fresh_room(sqlite_store, clock)
    data = {"text": "Errors", "audience": "customers", "components": {"api": "major_outage"}}
    write(sqlite_store, incident.id, "comms_update", "me", data, clock)
    async with in_room(sqlite_store, app) as session:
        form = await session.form("u", "Stakeholder update")
        picker = form.query_one("#components", ComponentPicker)
        for _ in range(50):
            if picker.current:
                break
            await session.pilot.pause(0.05)
        assert picker.current == {"api": "major_outage"}
        assert "(now major_outage)" in session.text()
        assert picker.value == {}  # shown, never sent by itself
