"""Follow-ups in the TUI (issue 5): the war room's key adds one; a screen
lists them across incidents, overdue ones marked, filtered (open, overdue,
mine), marked done and verified from there; reachable from home and the
palette."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable

from tests.tui.helpers import run_command, screen_text, wait_for_room, wait_for_screen, wait_until
from tests.tui.test_hostile import CLICK, Spy
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.followups import FollowupChangeForm, FollowupForm, FollowupsScreen
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen

SIZE = (120, 30)


def _followup(
    store: SQLiteStore, clock: FixedClock, iid: str, fid: str, text: str, owner: str, due: str
) -> None:
    data = {"id": fid, "text": text, "owner": owner, "due": due}
    write(store, iid, "followup_added", "alice", data, clock)


def _ids(app: WarroomApp) -> list[str]:
    table = app.screen.query_one("#followups-table", DataTable)
    if not table.display:
        return []
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


async def test_o_adds_a_follow_up_with_owner_and_due_date(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, FollowupForm))
        form = app.screen
        form.query_one("#text").value = "Alert on the EU 5xx ratio"
        assert form.query_one("#owner").value == "me"  # me by default
        form.query_one("#due").value = "next week"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "cannot read the due date" in screen_text(app))
        assert sqlite_store.events_after(since) == []
        form.query_one("#owner").value = "bob"
        form.query_one("#due").value = "+7d"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
        [added] = sqlite_store.events_after(since)
        assert (added.kind, added.actor) == ("followup_added", "me")
        assert added.data["text"] == "Alert on the EU 5xx ratio"
        assert added.data["owner"] == "bob"
        assert added.data["due"] == "2026-12-03"  # the fixed clock's today + 7 days
        assert len(added.data["id"]) == 8
        # an absolute date works too
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, FollowupForm))
        app.screen.query_one("#text").value = "Canary deploys"
        app.screen.query_one("#due").value = "2027-01-15"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(sqlite_store.events_after(since)) == 2)
        assert sqlite_store.events_after(since)[-1].data["due"] == "2027-01-15"


async def test_the_list_across_incidents_filters_and_marks_done_and_verified(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    one = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2)
    two = declare(sqlite_store, "bob", clock, "Search slow", severity=3)
    write(sqlite_store, two.id, "status_changed", "bob", {"to": "resolved"}, clock)
    _followup(sqlite_store, clock, one.id, "aaaa1111", f"Alert on 5xx {CLICK}", "me", "2026-11-20")
    _followup(
        sqlite_store, clock, two.id, "bbbb2222", "Index the search table", "bob", "2026-11-01"
    )
    _followup(sqlite_store, clock, one.id, "cccc3333", "Canary deploys", "carol", "2026-12-20")
    app = make_app()
    spy = Spy(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("f")
        screen = await wait_for_screen(pilot, FollowupsScreen)
        # every incident's (INC-2 is resolved), by due date; the overdue ones marked
        await wait_until(pilot, lambda: _ids(app) == ["bbbb2222", "aaaa1111", "cccc3333"])
        text = screen_text(app)
        assert text.count("⚠ overdue") == 2
        assert f"Alert on 5xx {CLICK}" in text  # hostile text shows literally
        assert "INC-2" in text and "INC-1" in text

        await pilot.press("f")  # open
        assert screen.filter == "open" and _ids(app) == ["bbbb2222", "aaaa1111", "cccc3333"]
        await pilot.press("f")  # overdue
        assert _ids(app) == ["bbbb2222", "aaaa1111"]
        await pilot.press("f")  # mine
        assert _ids(app) == ["aaaa1111"]

        since = sqlite_store.last_gseq()
        await pilot.press("v")  # still open: nothing to verify
        await wait_until(pilot, lambda: "still open: mark it done first" in screen_text(app))
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, FollowupChangeForm))
        assert "Alert on 5xx" in screen_text(app)
        app.screen.query_one("#note").value = "alert added to the checkout rules"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)
        [done] = sqlite_store.events_after(since)
        assert (done.incident_id, done.kind, done.actor) == (one.id, "followup_done", "me")
        assert done.data == {
            "id": "aaaa1111",
            "text": f"Alert on 5xx {CLICK}",
            "note": "alert added to the checkout rules",
        }
        # the list follows the store: no longer overdue, now done
        await wait_until(pilot, lambda: "done" in str(screen.table.get_row_at(0)[2]))
        await pilot.press("v", "enter")
        await wait_until(pilot, lambda: len(sqlite_store.events_after(since)) == 2)
        verified = sqlite_store.events_after(since)[-1]
        assert (verified.kind, verified.data["id"]) == ("followup_verified", "aaaa1111")
        await wait_until(pilot, lambda: "verified" in str(screen.table.get_row_at(0)[2]))

        await pilot.press("f")  # all again; enter opens the highlighted one's incident
        assert screen.filter == "all"
        screen.table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for_room(pilot)
        assert app.screen.incident_id == two.id
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is screen)
        assert spy.rang == 0 and app.is_running


async def test_an_empty_list_says_how_to_add_one_and_the_palette_reaches_it(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        await run_command(pilot, "every")
        await wait_for_screen(pilot, FollowupsScreen)
        assert "No follow-ups yet." in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
