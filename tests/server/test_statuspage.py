"""The public status page on a real `warroom serve`: no token, only customers
updates, Statuspage's JSON, the live pings, the public port alone, and the
static export equal to what the server serves."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.conftest import isolated_environ
from tests.server.pages import HOSTILE, INTERNAL, JSON_PATHS, Page, free_port, published_page
from warroom.services.statuspage.render import PAGE_CSP


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    yield from published_page(tmp_path_factory)


def test_the_page_and_its_json_need_no_token_and_show_only_what_was_published(page: Page) -> None:
    answer = page.client.get("/status")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    # the static export carries it too (a static host may set no header)
    assert (
        f'<meta http-equiv="Content-Security-Policy" content="{PAGE_CSP}">'
        in answer.text.replace("&#39;", "'")
    )
    assert "API errors" in answer.text and "We are investigating errors on the API." in answer.text
    summary = page.client.get("/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "major"
    assert summary["incidents"][0]["name"] == "API errors"
    states = {c["id"]: c["status"] for c in summary["components"]}
    assert states["api"] == "partial_outage" and states["web"] == "operational"
    for path in ("/status", *(f"/api/v2/{name}" for name in JSON_PATHS)):
        text = page.client.get(path).text
        for secret in INTERNAL:
            assert secret not in text, (path, secret)


def test_the_json_files_have_statuspage_shapes(page: Page) -> None:
    for name in JSON_PATHS:
        answer = page.client.get(f"/api/v2/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["access-control-allow-origin"] == "*"
        body = answer.json()
        assert set(body["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert set(page.client.get("/api/v2/status.json").json()["status"]) == {
        "indicator",
        "description",
    }
    (incident,) = page.client.get("/api/v2/incidents/unresolved.json").json()["incidents"]
    assert incident["status"] == "investigating" and incident["impact"] == "major"
    (update,) = incident["incident_updates"]
    assert update["affected_components"][0]["new_status"] == "partial_outage"


def test_errors_leak_no_paths(page: Page) -> None:
    answer = page.client.get("/api/v2/nothing.json")
    assert answer.status_code == 404
    assert str(page.root) not in answer.text and "Traceback" not in answer.text


def test_the_public_port_serves_the_page_alone(page: Page) -> None:
    assert page.public.get("/status").text == page.client.get("/status").text
    assert page.public.get("/api/v2/summary.json").json()["incidents"]
    for private in ("/api/v1/incidents", "/healthz", "/api/v1/openapi.json", "/docs"):
        assert page.public.get(private).status_code == 404, private


def test_the_streams_ping_on_a_public_change_only(page: Page) -> None:
    """Several viewers (on both ports): each gets one ping for a customers
    update, none for an internal write."""
    incident = page.declare("db-8 internal")
    pings: list[str] = []
    opened = threading.Semaphore(0)

    def listen(client: httpx.Client) -> None:
        with (
            httpx.Client(base_url=client.base_url, timeout=20) as own,
            own.stream("GET", "/status/stream") as answer,
        ):
            lines = answer.iter_lines()
            next(lines)  # connected
            opened.release()
            for line in lines:
                if line.startswith("event: ping"):
                    pings.append(line)
                    return

    listeners = [
        threading.Thread(target=listen, args=(client,), daemon=True)
        for client in [page.public, page.client] * 3
    ]
    for listener in listeners:
        listener.start()
    for _ in listeners:
        assert opened.acquire(timeout=10)
    page.write(incident, "note", {"text": "internal again"})
    time.sleep(1.0)
    assert pings == []  # an internal write changes nothing public
    page.write(incident, "comms_update", {"text": "Website slow", "audience": "customers"})
    for listener in listeners:
        listener.join(10)
    assert pings == ["event: ping"] * len(listeners)


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def test_hostile_strings_are_text(page: Page) -> None:
    incident = page.declare(HOSTILE)
    page.write(
        incident,
        "comms_update",
        {"text": HOSTILE, "audience": "customers", "public_title": HOSTILE},
    )
    html = page.client.get("/status").text
    parsed = Elements()
    parsed.feed(html)
    assert parsed.title == "Example status"
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert scripts == [{"src": "status.js", "defer": None}]
    assert not [tag for tag, _ in parsed.tags if tag in ("img", "a", "b")]
    assert not any(key.startswith("on") for _, attrs in parsed.tags for key in attrs)
    assert "\x1b" not in html and "\u202e" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_static_export_is_what_the_server_serves(page: Page, tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = isolated_environ(page.root, db=False)
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "statuspage", "build", str(site), "--db", str(page.db)],
        capture_output=True,
        text=True,
        env=env,
        cwd=page.root,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    served = {"index.html": "/status", "status.js": "/status.js", "status.css": "/status.css"}
    served.update({f"api/v2/{name}": f"/api/v2/{name}" for name in JSON_PATHS})
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()) == sorted(
        served
    )
    for name, path in served.items():
        assert (site / name).read_bytes() == page.client.get(path).content, name


def test_build_watch_with_server_follows_its_stream(tmp_path: Path) -> None:
    """`statuspage build --watch --server`: the server's live stream drives the
    rewrites; an internal write leaves the files alone."""
    import json

    running = Page(tmp_path, free_port())
    site = tmp_path / "site"
    env = isolated_environ(tmp_path, db=False)
    incident = running.declare()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "warroom", "statuspage", "build", str(site), "--watch",
         "--server", running.server.url, "--token", running.token],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        summary_file = site / "api/v2/summary.json"
        deadline = time.monotonic() + 30
        while not summary_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert json.loads(summary_file.read_text())["incidents"] == []
        first = (site / "index.html").stat().st_ino
        running.write(incident, "note", {"text": "internal note"})
        time.sleep(1.5)
        assert (site / "index.html").stat().st_ino == first  # not rewritten
        published = time.monotonic()
        running.write(
            incident, "comms_update", {"text": "Looking into it", "audience": "customers"}
        )
        incidents: list = []
        while time.monotonic() < deadline and not incidents:
            incidents = json.loads(summary_file.read_text())["incidents"]
            time.sleep(0.02)
        assert time.monotonic() - published < 3
        assert incidents[0]["incident_updates"][0]["body"] == "Looking into it"
        for name, path in (
            ("index.html", "/status"),
            ("api/v2/summary.json", "/api/v2/summary.json"),
        ):
            assert (site / name).read_bytes() == running.client.get(path).content, name
    finally:
        watcher.terminate()
        out, _ = watcher.communicate(timeout=10)
        running.close()
    assert "Traceback" not in out
