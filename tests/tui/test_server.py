"""The TUI against a real `warroom serve` (127.0.0.1, a free port, a subprocess).

A responder's app writes and a viewer's app, opened in wall mode by its token
alone, sees it live; the connection indicator on every screen says live, then
offline with the note typed meanwhile pending, then live again once the server
is back, and the note is stored and shown exactly once; a room opens from the
cache, marked stale, while the server is down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tests.server.conftest import Server, auth, make_token
from tests.tui.helpers import (
    screen_text,
    wait_for_room,
    wait_for_screen,
    wait_for_writes,
    wait_until,
)
from warroom.core.clock import SYSTEM_CLOCK, FixedClock
from warroom.services.incidents import declare, write
from warroom.store import transport
from warroom.store.http import HTTPStore
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.run import app_for_store
from warroom.tui.screens.forms import StatusForm
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.wall import WallRoomScreen
from warroom.tui.widgets.connection import ConnectionStatus

SIZE = (120, 36)
# Deadlines, with slack for a busy machine: a stream reconnects within about
# 5 s of the server's return (its backoff's ceiling); the rest takes well under 1 s.
LIVE_SECONDS = 20.0
WAIT = 10.0


@dataclass
class Served:
    server: Server
    tokens: dict[str, str]  # name -> token
    folder: Path

    def store(self, name: str, outbox: str | None = None) -> HTTPStore:
        """An http store with the token of `name` and an outbox of its own."""
        path = self.folder / (outbox or name) / "outbox.db"
        return HTTPStore(self.server.url, self.tokens[name], path, flush_seconds=0.5)

    def notes(self, incident_id: str) -> list[str]:
        """The incident's notes as the server holds them."""
        with httpx.Client(base_url=self.server.url, timeout=10) as client:
            answer = client.get(
                f"/api/v1/incidents/{incident_id}/events",
                params={"limit": 10_000},
                headers=auth(self.tokens["alice"]),
            )
        answer.raise_for_status()
        return [e["data"]["text"] for e in answer.json()["events"] if e["kind"] == "note"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A server with a responder (alice) and a viewer (wally); stopped at the end."""
    root = tmp_path / "server"
    root.mkdir()
    db = root / "warroom.db"
    tokens = {"alice": make_token(db, "alice", "responder")}
    tokens["wally"] = make_token(db, "wally", "viewer")
    server = Server(db, root).start()
    try:
        yield Served(server, tokens, tmp_path)
    finally:
        server.stop()


@pytest.fixture
def quick_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures turn "reconnecting" into "offline" after 0.5 s instead of 10 s."""
    monkeypatch.setattr(transport, "OFFLINE_AFTER", 0.5)


async def until(
    pilot: Pilot[Any], predicate: Callable[[], bool], what: str = "", timeout: float = WAIT
) -> None:
    await wait_until(pilot, predicate, timeout, what)


def _declare(store: HTTPStore, title: str = "Checkout errors for EU users") -> str:
    return declare(store, "alice", store.clock, title, severity=2, service="checkout").id


def indicator(app: WarroomApp) -> str:
    """What the connection indicator of the screen shown says ("" if none)."""
    found = app.screen.query(ConnectionStatus)
    return str(found.first().render()) if found and found.first().display else ""


def lines_with(app: WarroomApp, text: str) -> list[str]:
    """The lines on screen that contain `text`."""
    return [line for line in screen_text(app).splitlines() if text in line]


async def test_viewer_sees_a_responders_note_live_in_wall_mode(served: Served) -> None:
    writer_store, viewer_store = served.store("alice"), served.store("wally")
    try:
        incident_id = _declare(writer_store)
        writer = app_for_store(writer_store, user="someone-else", incident_id=incident_id)
        viewer = app_for_store(viewer_store, user="someone-else", incident_id=incident_id)
        assert writer.actor == "alice" and not writer.read_only  # the token's name
        assert viewer.actor == "wally" and viewer.read_only  # a viewer token: the wall
        async with (
            writer.run_test(size=SIZE) as wpilot,
            viewer.run_test(size=SIZE, notifications=True) as vpilot,
        ):
            await wait_for_room(wpilot, timeout=WAIT)
            await wait_for_room(vpilot, WallRoomScreen, timeout=WAIT)
            wall = viewer.screen
            assert not wall.query(Input) and not wall.query(TextArea)
            await until(vpilot, lambda: indicator(viewer) == "● live", what="live (viewer)")
            await until(wpilot, lambda: indicator(writer) == "● live", what="live (writer)")

            await wpilot.press("n", *"rolled back", "enter")
            await until(
                vpilot,
                lambda: "rolled back" in screen_text(viewer),
                timeout=LIVE_SECONDS,
                what="the responder's note on the wall",
            )
            assert "alice" in screen_text(viewer)

            for key in ("n", "s", "u", "space"):  # the wall writes nothing
                await vpilot.press(key)
                assert viewer.screen is wall, f"{key} opened something"
            await wait_for_writes(vpilot)
            assert "read-only" in screen_text(viewer)
        assert served.notes(incident_id) == ["rolled back"]
        with httpx.Client(base_url=served.server.url, timeout=10) as client:
            events = client.get(
                f"/api/v1/incidents/{incident_id}/events", headers=auth(served.tokens["alice"])
            ).json()["events"]
        assert "wally" not in {event["actor"] for event in events}  # watching did not join
    finally:
        writer_store.close()
        viewer_store.close()


async def test_indicator_live_offline_pending_then_delivered_once(
    served: Served, quick_offline: None
) -> None:
    store = served.store("alice")
    try:
        incident_id = _declare(store)
        app = app_for_store(store, user="alice")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_screen(pilot, HomeScreen, timeout=WAIT)
            await until(pilot, lambda: indicator(app) == "● live", what="live on the home")
            assert "● live" in screen_text(app)
            await pilot.press("enter")  # the only incident: its room
            room = await wait_for_room(pilot, timeout=WAIT)
            assert room.incident_id == incident_id
            await until(pilot, lambda: indicator(app) == "● live", what="live in the room")
            await until(pilot, lambda: "alice" in room.incident.participants)

            served.server.stop()
            await until(pilot, lambda: indicator(app).startswith("✖ offline"), what="offline")
            count = room.timeline.event_count
            await pilot.press("n", *"typed offline", "enter")
            await until(
                pilot,
                lambda: indicator(app).startswith("✖ offline · 1 pending"),
                what="1 pending",
            )
            assert "stale since" in indicator(app)
            assert "offline · 1 pending" in screen_text(app)
            rows = lines_with(app, "typed offline")
            assert len(rows) == 1 and "[pending]" in rows[0], rows

            served.server.start()  # the same port
            await until(
                pilot, lambda: indicator(app) == "● live", timeout=LIVE_SECONDS, what="live again"
            )
            await until(
                pilot,
                lambda: not lines_with(app, "[pending]"),
                timeout=LIVE_SECONDS,
                what="the note delivered",
            )
            rows = lines_with(app, "typed offline")
            assert len(rows) == 1 and "[pending]" not in rows[0], rows
            assert room.timeline.event_count == count + 1
            assert room.room_state is not None and not room.room_state.pending
        assert served.notes(incident_id) == ["typed offline"]
    finally:
        store.close()


async def test_a_change_refused_on_delivery_is_kept_marked_rejected(
    served: Served, quick_offline: None
) -> None:
    store = served.store("alice")
    try:
        incident_id = _declare(store)
        app = app_for_store(store, user="alice", incident_id=incident_id)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            room = await wait_for_room(pilot, timeout=WAIT)
            await until(pilot, lambda: indicator(app) == "● live", what="live")
            served.server.stop()
            await until(pilot, lambda: indicator(app).startswith("✖ offline"), what="offline")
            await pilot.press("s")  # the first allowed move: identified
            await until(pilot, lambda: isinstance(app.screen, StatusForm))
            await pilot.press("enter")
            await until(pilot, lambda: app.screen is room, what="the form closed")
            await until(pilot, lambda: bool(lines_with(app, "[pending]")), what="pending")
            assert "● IDENTIFIED" in screen_text(app)  # shown at once, pending

            # Meanwhile someone else moved it on the server's host: mine is refused.
            with SQLiteStore(served.server.db) as server_store:
                write(
                    server_store,
                    incident_id,
                    "status_changed",
                    "bob",
                    {"to": "identified"},
                    SYSTEM_CLOCK,
                )
            served.server.start()
            await until(
                pilot,
                lambda: bool(lines_with(app, "[rejected: ")),
                timeout=LIVE_SECONDS,
                what="marked rejected",
            )
            rejected = lines_with(app, "[rejected: ")
            assert len(rejected) == 1 and "already identified" in rejected[0], rejected
            assert not lines_with(app, "[pending]")
            await until(pilot, lambda: indicator(app) == "● live · 1 rejected")
            assert "rejected by the server" in screen_text(app)  # the notification
            await until(  # bob's change arrives live: the server's truth
                pilot,
                lambda: room.incident.status == "identified",
                timeout=LIVE_SECONDS,
                what="bob's status change",
            )
            assert "● IDENTIFIED" in screen_text(app)
    finally:
        store.close()


async def test_room_opens_from_the_cache_marked_stale_with_what_is_pending(
    served: Served,
) -> None:
    first = served.store("alice", outbox="shared")
    incident_id = _declare(first, "Slow search results")
    first.events(incident_id)  # cached
    served.server.stop()
    queued = write(first, incident_id, "note", "alice", {"text": "queued earlier"}, SYSTEM_CLOCK)
    assert queued.seq is None
    first.close()

    store = served.store("alice", outbox="shared")  # the same outbox file, server down
    try:
        app = app_for_store(store, user="alice", incident_id=incident_id)
        assert app.actor == "alice"  # who the token is was cached too
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_room(pilot, timeout=WAIT)
            await until(pilot, lambda: "stale since" in indicator(app), what="stale")
            assert indicator(app).startswith(
                ("◌ reconnecting · 1 pending", "✖ offline · 1 pending")
            )
            assert "Slow search results" in screen_text(app)
            rows = lines_with(app, "queued earlier")
            assert len(rows) == 1 and "[pending]" in rows[0], rows
            room = app.screen
            assert room.room_state is not None and list(room.room_state.pending) == [queued.id]
            assert room.room_state.confirmed.last_seq == 1  # the declare, as stored
    finally:
        store.close()


async def test_no_indicator_with_the_local_file(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "Local only", severity=3)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot, timeout=WAIT)
        await pilot.pause(0.2)
        assert app.connection is None
        assert not app.screen.query(ConnectionStatus)
        assert "live" not in screen_text(app)
