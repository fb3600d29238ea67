"""The read-only room view in a real browser: signing in through the form,
an event appended through the API shown within a second, and hostile text
rendered literally."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.test_statuspage_browser import wait_for
from tests.server.conftest import Server, auth, declare, make_token, note_body
from tests.server.pages import HOSTILE


class Rooms:
    def __init__(
        self, server: Server, responder: str, viewer: str, incident: str, admin: str
    ) -> None:
        self.admin = admin
        self.server = server
        self.responder = responder
        self.viewer = viewer
        self.incident = incident
        self.client = httpx.Client(base_url=server.url, timeout=10)

    def note(self, text: str) -> None:
        answer = self.client.post(
            f"/api/v1/incidents/{self.incident}/events",
            json=note_body(text),
            headers=auth(self.responder),
        )
        assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
def rooms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rooms]:
    root = tmp_path_factory.mktemp("rooms-browser")
    db = root / "warroom.db"
    responder = make_token(db, "responder-1", "responder")
    viewer = make_token(db, "viewer-1", "viewer")
    admin = make_token(db, "admin-1", "admin")
    server = Server(db, root).start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        incident = declare(client, responder, "Checkout API 502s")
    running = Rooms(server, responder, viewer, incident, admin)
    try:
        yield running
    finally:
        running.client.close()
        server.stop()


def sign_in(browser: Any, rooms: Rooms, token: str | None = None) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{rooms.server.url}/rooms/sign-in")
    browser.delete_all_cookies()  # signed out
    browser.get(f"{rooms.server.url}/rooms")
    wait_for(lambda: browser.current_url.endswith("/rooms/sign-in"))
    browser.find_element(By.ID, "token").send_keys(token or rooms.viewer)
    browser.find_element(By.CSS_SELECTOR, "form button").click()
    wait_for(lambda: browser.current_url.endswith("/rooms"))
    assert "token" not in browser.current_url and rooms.viewer not in browser.current_url
    assert browser.execute_script("return document.cookie") == ""  # HttpOnly


def open_room(browser: Any, rooms: Rooms) -> None:
    browser.get(f"{rooms.server.url}/rooms/INC-1")
    wait_for(
        lambda: (
            browser.execute_script("return document.getElementById('live').textContent") == "live"
        )
    )
    browser.execute_script("window.notReloaded = true")


def test_an_event_appended_through_the_api_shows_within_a_second(
    browser: Any, rooms: Rooms
) -> None:
    sign_in(browser, rooms)
    open_room(browser, rooms)
    started = time.monotonic()
    rooms.note("Rolled back deploy 42")
    wait_for(
        lambda: "Rolled back deploy 42" in browser.execute_script("return document.body.innerText"),
        5,
    )
    assert time.monotonic() - started < 1.0
    assert browser.execute_script("return window.notReloaded") is True


def test_a_new_incident_joins_the_open_list_without_a_reload(browser: Any, rooms: Rooms) -> None:
    sign_in(browser, rooms)  # on /rooms
    live = "return document.getElementById('live').textContent"
    wait_for(lambda: browser.execute_script(live) == "live")
    browser.execute_script("window.notReloaded = true")
    started = time.monotonic()
    declare(rooms.client, rooms.responder, "Payments time out")
    wait_for(
        lambda: "Payments time out" in browser.execute_script("return document.body.innerText"),
        5,
    )
    assert time.monotonic() - started < 2.0
    assert browser.execute_script("return window.notReloaded") is True


def test_hostile_text_renders_literally_in_the_room(browser: Any, rooms: Rooms) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    sign_in(browser, rooms)
    open_room(browser, rooms)
    title = browser.title
    rooms.note(HOSTILE)
    wait_for(
        lambda: (
            "<script>alert(1)</script>" in browser.execute_script("return document.body.innerText")
        )
    )
    for reloaded in (False, True):
        if reloaded:
            open_room(browser, rooms)
        assert browser.title == title
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert  # noqa: B018
        assert browser.find_elements(By.TAG_NAME, "img") == []
        scripts = browser.find_elements(By.TAG_NAME, "script")
        assert [s.get_attribute("src").rsplit("/", 1)[-1] for s in scripts] == ["room.js"]


def test_a_revoked_token_stops_the_open_room(browser: Any, rooms: Rooms) -> None:
    answer = rooms.client.post(
        "/api/v1/tokens", json={"name": "viewer-gone", "role": "viewer"}, headers=auth(rooms.admin)
    )
    sign_in(browser, rooms, answer.json()["token"])
    open_room(browser, rooms)
    revoked = rooms.client.delete("/api/v1/tokens/viewer-gone", headers=auth(rooms.admin))
    assert revoked.status_code == 200
    live = "return document.getElementById('live').textContent"
    wait_for(lambda: browser.execute_script(live).startswith("signed out"), 5)
    rooms.note("written after the revocation")
    time.sleep(1.0)
    assert "written after the revocation" not in browser.execute_script(
        "return document.body.innerText"
    )
    browser.get(f"{rooms.server.url}/rooms/INC-1")
    wait_for(lambda: browser.current_url.endswith("/rooms/sign-in"))
