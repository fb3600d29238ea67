"""The wall (`warroom watch`) shows only what it can do (issue "The war room at
3 AM", point 13): `?` lists no key it refuses, the runbook pane offers no
attaching, and without REF each incident's card shows its newest entries, as
many as fit, live; cards are kept by incident when the order changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.tui.helpers import realistic_incident, screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.core.incident import Incident
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.keys import HOME_WRITE_KEYS, ROOM_WRITE_KEYS
from warroom.tui.screens.keys import KeysScreen
from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen

SIZE = (120, 40)


async def _ready(pilot: Any, app: WarroomApp, screen: type) -> Any:
    await wait_until(pilot, lambda: isinstance(app.screen, screen) and app.screen.loaded)
    return app.screen


@pytest.mark.parametrize("with_ref", [True, False], ids=["watch-REF", "watch"])
async def test_question_mark_on_a_wall_lists_only_what_it_can_do(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    with_ref: bool,
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    options = {"incident_id": incident.id} if with_ref else {}
    app = make_app(read_only=True, **options)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, WallRoomScreen if with_ref else WallHomeScreen)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, KeysScreen))
        box = app.screen.query_one(".keys-box").region
        text = "\n".join(
            line[box.x : box.right] for line in screen_text(app).splitlines()[box.y : box.bottom]
        )
        for key in (*ROOM_WRITE_KEYS, *HOME_WRITE_KEYS):
            assert key.description not in text, f"{key.description!r} is listed on a wall"
        assert ("Leave" if with_ref else "Quit") in text
        if with_ref:
            assert "Open entry" in text  # reading an entry whole is what a wall can do


async def test_a_walls_runbook_pane_offers_no_attaching(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Queue backlog", severity=2)
    app = make_app(read_only=True, incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot, app, WallRoomScreen)
        text = screen_text(app)
        assert "No runbook attached." in text
        assert "Attach one" not in text and "ctrl+p" not in text.lower().split("palette")[0]


def _two_incidents(store: SQLiteStore, clock: FixedClock) -> tuple[Incident, Incident]:
    """INC-1 (SEV2, its newest entry "dave joined") and INC-2 (SEV3)."""
    incident = realistic_incident(store, clock)
    [other] = [i for i in store.incidents() if i.title == "Slow search results"]
    return incident, other


async def _wall_list(pilot: Any, app: WarroomApp) -> WallHomeScreen:
    home = await _ready(pilot, app, WallHomeScreen)
    await wait_until(pilot, lambda: "dave joined" in screen_text(app))
    return home


async def test_each_card_shows_its_incidents_newest_entries_live(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, other = _two_incidents(sqlite_store, clock)
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        home = await _wall_list(pilot, app)
        text = screen_text(app)
        # INC-1's newest entries under its banner, INC-2's under its own
        assert "[customers] EU checkout degraded; rollback under way" in text
        assert "erin declared SEV3 Slow search results" in text
        assert text.index("Checkout errors for EU users") < text.index("dave joined")
        assert text.index("dave joined") < text.index("Slow search results")
        assert "5xx on /api/checkout" not in text  # older ones: as many as fit
        write(sqlite_store, other.id, "finding", "erin", {"text": "index rebuild stuck"}, clock)
        write(sqlite_store, incident.id, "note", "bob", {"text": "error rate back to 0.1%"}, clock)
        await wait_until(pilot, lambda: "index rebuild stuck" in screen_text(app))
        await wait_until(pilot, lambda: "error rate back to 0.1%" in screen_text(app))
        text = screen_text(app)
        assert text.index("error rate back to 0.1%") < text.index("Slow search results")
        assert text.index("Slow search results") < text.index("index rebuild stuck")
        assert len(home.cards) == 2


async def test_cards_are_kept_by_incident_when_the_order_changes(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident, other = _two_incidents(sqlite_store, clock)
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        home = await _wall_list(pilot, app)
        cards = dict(home.cards)
        write(sqlite_store, other.id, "severity_changed", "erin", {"severity": 1}, clock)
        await wait_until(
            pilot,
            lambda: (
                screen_text(app).index("Slow search results")
                < screen_text(app).index("Checkout errors for EU users")
            ),
        )
        assert home.cards == cards  # the same cards, moved
        assert all(home.cards[key] is card for key, card in cards.items())
        assert "erin declared SEV3 Slow search results" in screen_text(app)  # entries kept
        write(sqlite_store, incident.id, "status_changed", "alice", {"to": "resolved"}, clock)
        await wait_until(pilot, lambda: "Checkout errors for EU users" not in screen_text(app))
        assert list(home.cards) == [other.id] and home.cards[other.id] is cards[other.id]


async def test_the_cards_clocks_tick_from_one_timer(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    realistic_incident(sqlite_store, clock)
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        home = await _ready(pilot, app, WallHomeScreen)
        await wait_until(pilot, lambda: "declared 38m 00s ago" in screen_text(app))
        assert not any(card.header._timers for card in home.cards.values())
        clock.advance(minutes=2)
        await wait_until(pilot, lambda: "declared 40m 00s ago" in screen_text(app))
        assert "declared 1h 42m ago" in screen_text(app)  # INC-2's card too
