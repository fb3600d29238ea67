"""The alert inbox in the TUI against a real `warroom serve` (127.0.0.1, a
free port, a subprocess): alerts posted to the server's webhook (the
documented generic body, hostile text included) reach a responder's home
screen, announced; the list shows them literally; keys ignore one and declare
an incident from another, on the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import Server, auth, make_token
from tests.tui.helpers import screen_text, wait_for_room, wait_for_screen, wait_until
from tests.tui.test_alerts_tui import HOSTILE_SUMMARY, inbox_read, payload, toasts
from tests.tui.test_hostile import CLICK, Spy, assert_inert, assert_safe
from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare
from warroom.store.http import HTTPStore
from warroom.tui import inbox as inbox_module
from warroom.tui.app import WarroomApp
from warroom.tui.run import app_for_store
from warroom.tui.screens.alert_forms import AlertDeclareForm
from warroom.tui.screens.alerts import AlertsScreen
from warroom.tui.screens.forms import ConfirmScreen
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.wall import WallRoomScreen

SIZE = (160, 40)
WAIT = 20.0  # the inbox event reaches the app through the live stream (slack for a busy machine)
ROLES = {"alice": "responder", "wally": "viewer", "am": "alerts"}
RULES = """
[[alert_rules]]
name = "everything waits in the inbox"
action = "inbox"
severity = 3
"""


class Served:
    def __init__(self, server: Server, tokens: dict[str, str], folder: Path) -> None:
        self.server = server
        self.tokens = tokens
        self.folder = folder
        self.client = httpx.Client(base_url=server.url, timeout=20)

    def post(self, source: str, body: Any) -> None:
        answer = self.client.post(
            f"/api/v1/alerts/{source}", json=body, headers=auth(self.tokens["am"])
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["incidents"] == []  # to the inbox

    def alerts(self) -> list[dict[str, Any]]:
        answer = self.client.get(
            "/api/v1/alerts", params={"state": "all"}, headers=auth(self.tokens["alice"])
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def store(self, name: str = "alice") -> HTTPStore:
        outbox = self.folder / name / "outbox.db"
        return HTTPStore(self.server.url, self.tokens[name], outbox, flush_seconds=0.5)

    def app(self, name: str = "alice", **options: Any) -> WarroomApp:
        return app_for_store(self.store(name), user="someone-else", **options)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A server whose rules send every alert to the inbox; a responder (alice),
    a viewer (wally) and an `alerts` token (am) that posts them."""
    root = tmp_path / "server"
    root.mkdir()
    (root / "config.toml").write_text(RULES, encoding="utf-8")
    db = root / "warroom.db"
    tokens = {name: make_token(db, name, role) for name, role in ROLES.items()}
    server = Server(db, root).start()
    served = Served(server, tokens, tmp_path)
    try:
        yield served
    finally:
        served.client.close()
        server.stop()


async def test_the_inbox_over_a_server(served: Served) -> None:
    app = served.app()
    spy = Spy(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_screen(pilot, HomeScreen, timeout=WAIT)
        await inbox_read(pilot, app, WAIT)  # empty: what comes next is new
        hostile = {
            "title": "[@click=app.quit]x[/] \x1b[31mred\x1b[0m [/]",
            "status": "firing",
            "severity": "critical",
            "service": "[bold red]pay[/]",
            "fingerprint": "hostile-1",
            "labels": {"alertname": CLICK, "instance": "\x1b]0;title\x07host"},
        }
        served.post("generic", hostile)
        announced = f"new critical alert ([bold red]pay[/]): {HOSTILE_SUMMARY}"
        await wait_until(pilot, lambda: announced in toasts(app), WAIT, "the announcement")
        await wait_until(pilot, lambda: "inbox: 1 alert, ⚠ 1 critical" in screen_text(app))
        text = screen_text(app)
        assert_safe(text)
        assert f"⚠ CRITICAL ALERT (a: alert inbox) {HOSTILE_SUMMARY}" in text
        await assert_inert(pilot, app, spy)

        await pilot.press("a")
        screen = await wait_for_screen(pilot, AlertsScreen, timeout=WAIT)
        assert HOSTILE_SUMMARY in screen_text(app)
        served.post("generic", payload("generic_firing"))
        await wait_until(pilot, lambda: screen.table.row_count == 2, WAIT, "the second alert")
        text = screen_text(app)
        assert_safe(text)
        assert "Nightly backup failed" in text and "[bold red]pay" in text
        await assert_inert(pilot, app, spy)

        # ignore the hostile one, declare from the other: on the server
        hostile_row = [a.key for a in screen.alerts].index("hostile-1")
        screen.table.move_cursor(row=hostile_row)
        await pilot.press("i")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.table.row_count == 1, WAIT, "the ignored one gone")
        states = {a["key"]: a["state"] for a in served.alerts()}
        assert states["hostile-1"] == "ignored"
        await pilot.press("d")
        await wait_for_screen(pilot, AlertDeclareForm)
        await pilot.press("enter")
        room = await wait_for_room(pilot, title="Nightly backup failed", timeout=WAIT)
        assert room.incident is not None and room.incident.severity == 2  # critical: 2
        record = {a["key"]: a for a in served.alerts()}["backup-nightly-db1"]
        assert record["state"] == "incident"
        await wait_until(pilot, lambda: "alerts: 1 firing / 1" in screen_text(app), WAIT)
        assert app.is_running and spy.rang == 0


async def test_a_wall_of_one_incident_hears_of_a_critical_alert_over_a_server(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`warroom watch REF --server`: the room's stream carries no inbox event,
    so the wall reads the inbox summary now and then all the same."""
    monkeypatch.setattr(inbox_module, "READ_AT_LEAST_EVERY", 1.0)
    incident = declare(served.store(), "alice", SYSTEM_CLOCK, "Checkout errors", severity=2)
    app = served.app("wally", incident_id=incident.id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_room(pilot, WallRoomScreen, timeout=WAIT)
        await inbox_read(pilot, app, WAIT)  # empty: what comes next is new
        served.post("generic", payload("generic_firing"))
        announced = "new critical alert (backups): Nightly backup failed"
        await wait_until(pilot, lambda: announced in toasts(app), WAIT, "the announcement")
        assert "⚠ CRITICAL ALERT Nightly backup failed" in screen_text(app)
