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
        components = form.query_one("#components", Input)
        assert components.value == ""  # the severity proposes, never sets
        assert "API=partial_outage (SEV2 proposes it)" in components.placeholder
        await session.pilot.press("tab")  # from the audience on to the public title
        assert title.has_focus
        await session.pilot.press(*typed("API errors"), "tab")
        assert components.has_focus
        components.value = "API=partial_outage, web=degraded_performance"
        await session.pilot.press("enter")
        [update] = await session.stored("comms_update")
        assert update.data == {
            "text": "Errors on the API",
            "audience": "customers",
            "public_title": "API errors",
            "components": {"api": "partial_outage", "web": "degraded_performance"},
        }


async def test_an_unknown_component_is_said_in_the_form(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    _incident, app = fresh_room(sqlite_store, clock)
    async with in_room(sqlite_store, app) as session:
        form = await session.form("u", "Stakeholder update")
        await session.pilot.press(*typed("Errors"), "tab", "c")
        form.query_one("#components", Input).value = "db=major_outage"
        form.query_one("#text", Input).focus()
        await session.pilot.press("enter")
        await session.pilot.pause()
        assert "no component 'db'" in session.text()
        assert session.nothing_stored("comms_update")
