"""The public status page in a real browser: a customers update shows and
nothing internal does; a new update appears without a reload; hostile strings
render literally (the title stays, no dialog opens, no element is injected),
whether the server rendered them or the page's script drew them."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.pages import HOSTILE, INTERNAL, Page, published_page

WAIT = 10.0  # seconds; the page's meta refresh is 60 s, so this is no reload


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    yield from published_page(tmp_path_factory)


def wait_for(condition: Any, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def body_text(browser: Any) -> str:
    return browser.execute_script("return document.body.innerText")


def open_page(browser: Any, page: Page) -> None:
    browser.get(f"http://127.0.0.1:{page.public_port}/status")
    wait_for(lambda: browser.execute_script("return document.readyState") == "complete")
    # Set by the test: a reload would lose it.
    browser.execute_script("window.notReloaded = true")
    # The script has connected its stream once it listens (give it a moment).
    time.sleep(0.5)


def no_dialog(browser: Any) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        browser.switch_to.alert  # noqa: B018
    except NoAlertPresentException:
        return True
    return False


def test_the_page_shows_a_customers_update_and_nothing_internal(browser: Any, page: Page) -> None:
    open_page(browser, page)
    text = body_text(browser)
    assert "API errors" in text and "We are investigating errors on the API." in text
    assert "Partial outage" in text
    for secret in INTERNAL:
        assert secret not in text
    assert browser.title == "Example status"


def test_a_new_update_appears_without_a_reload(browser: Any, page: Page) -> None:
    open_page(browser, page)
    incident = page.declare("db-9 internal")
    started = time.monotonic()
    page.write(
        incident,
        "comms_update",
        {"text": "Logins are slow for some users.", "audience": "customers"},
    )
    wait_for(lambda: "Logins are slow for some users." in body_text(browser))
    assert time.monotonic() - started < WAIT
    assert browser.execute_script("return window.notReloaded") is True
    # Drawn by the script as the server writes times: in the page's zone.
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('#active time'), t => t.textContent)"
    )
    assert shown and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", text) for text in shown)


def assert_inert(browser: Any) -> None:
    from selenium.webdriver.common.by import By

    assert browser.title == "Example status"
    assert no_dialog(browser)
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert browser.find_elements(By.TAG_NAME, "b") == []
    assert browser.find_elements(By.TAG_NAME, "a") == []
    scripts = browser.find_elements(By.TAG_NAME, "script")
    assert [s.get_attribute("src").rsplit("/", 1)[-1] for s in scripts] == ["status.js"]
    assert browser.execute_script("return window.pwned === undefined")


def test_hostile_strings_render_literally(browser: Any, page: Page) -> None:
    open_page(browser, page)
    incident = page.declare(HOSTILE)
    page.write(
        incident,
        "comms_update",
        {"text": HOSTILE, "audience": "customers", "public_title": HOSTILE},
    )
    # Drawn by the script, live:
    wait_for(lambda: "<script>alert(1)</script>" in body_text(browser))
    assert browser.execute_script("return window.notReloaded") is True
    assert_inert(browser)
    # Rendered by the server:
    open_page(browser, page)
    text = body_text(browser)
    assert '"><img src=x onerror=alert(1)>' in text and "</title>" in text
    assert "[@click=app.quit]x[/]" in text
    assert "\x1b" not in text and "\u202e" not in text
    assert_inert(browser)


def test_a_resolved_incident_moves_to_the_history_without_a_reload(
    browser: Any, page: Page
) -> None:
    open_page(browser, page)
    incident = page.declare("db-10 internal")
    page.write(incident, "comms_update", {"text": "Search is down.", "audience": "customers"})
    active = "return document.getElementById('active').innerText"
    history = "return document.getElementById('history').innerText"
    wait_for(lambda: "Search is down." in browser.execute_script(active))
    page.write(incident, "comms_update", {"text": "Search is back.", "audience": "customers"})
    page.write(incident, "status_changed", {"to": "resolved"})
    wait_for(lambda: "Search is back." in browser.execute_script(history))
    assert "Search is" not in browser.execute_script(active)
    assert browser.execute_script("return window.notReloaded") is True
    # In the history the last update shows and the earlier one is folded, as
    # the server renders it: the script drew the same block.
    block = f"document.getElementById('incident-{incident}')"
    drawn = browser.execute_script(f"return {block}.outerHTML")
    assert browser.execute_script(f"return {block}.querySelector('details').open") is False
    assert "Search is down." not in browser.execute_script(f"return {block}.innerText")
    assert "1 earlier update" in drawn
    open_page(browser, page)
    served = browser.execute_script(f"return {block}.innerText")
    assert "Search is back." in served and "1 earlier update" in served
    assert "Search is down." not in served
