"""The read-only room view on a real `warroom serve`: cookie sign-in (never a
token in a URL), what a viewer reads, hostile text escaped, and a revoked
token refused on the next request and on its open stream."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from tests.server.conftest import Server, auth, declare, make_token, note_body
from tests.server.pages import HOSTILE

COOKIE = "warroom_token"


class Room:
    def __init__(self, server: Server, admin: str, responder: str) -> None:
        self.server = server
        self.admin = admin
        self.responder = responder
        self.client = httpx.Client(base_url=server.url, timeout=10)

    def viewer(self, name: str) -> str:
        answer = self.client.post(
            "/api/v1/tokens", json={"name": name, "role": "viewer"}, headers=auth(self.admin)
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["token"]


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    root = tmp_path_factory.mktemp("rooms")
    db = root / "warroom.db"
    admin = make_token(db, "admin-1", "admin")
    responder = make_token(db, "responder-1", "responder")
    server = Server(db, root).start()
    running = Room(server, admin, responder)
    incident = declare(running.client, responder, "Checkout API 502s")
    answer = running.client.post(
        f"/api/v1/incidents/{incident}/events",
        json=note_body("LB health checks fail on db-2"),
        headers=auth(responder),
    )
    assert answer.status_code == 201
    try:
        yield running
    finally:
        running.client.close()
        server.stop()


def signed(token: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={token}"}


def test_without_a_token_the_room_asks_to_sign_in(room: Room) -> None:
    for path in ("/rooms", "/rooms/INC-1"):
        answer = room.client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/rooms/sign-in"
    form = room.client.get("/rooms/sign-in")
    assert form.status_code == 200 and 'name="token"' in form.text
    for path in ("/rooms/INC-1/stream", "/rooms/INC-1/panel", "/rooms/stream", "/rooms/list"):
        assert room.client.get(path).status_code == 401, path


def test_signing_in_sets_a_strict_http_only_cookie(room: Room) -> None:
    token = room.viewer("viewer-sign-in")
    elsewhere = {"Origin": "https://evil.example"}
    assert (
        room.client.post("/rooms/sign-in", data={"token": token}, headers=elsewhere).status_code
        == 403
    )
    refused = room.client.post("/rooms/sign-in", data={"token": "wr_wrong"})
    assert refused.status_code == 401 and "not valid" in refused.text
    answer = room.client.post("/rooms/sign-in", data={"token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/rooms"
    assert token not in answer.headers["location"]
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={token};")
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/rooms" in lowered
    assert "secure" not in lowered  # plain http, no https public_url: not Secure
    out = room.client.post("/rooms/sign-out", headers=signed(token))
    assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]


def test_an_https_public_url_makes_the_cookie_secure_behind_a_tls_proxy(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A TLS proxy forwards plain http; `public_url = "https://..."` says
    browsers come over https, so the cookie is Secure all the same."""
    root = tmp_path_factory.mktemp("rooms-https")
    (root / "config.toml").write_text('public_url = "https://warroom.example.com"\n')
    db = root / "warroom.db"
    viewer = make_token(db, "viewer-proxy", "viewer")
    server = Server(db, root).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            proxied = {"Origin": "https://warroom.example.com", "Host": "warroom.example.com"}
            answer = client.post("/rooms/sign-in", data={"token": viewer}, headers=proxied)
            assert answer.status_code == 303
            lowered = answer.headers["set-cookie"].lower()
            assert "; secure" in lowered and "httponly" in lowered
            out = client.post("/rooms/sign-out", headers={**proxied, **signed(viewer)})
            assert "; secure" in out.headers["set-cookie"].lower()
    finally:
        server.stop()


def test_a_viewer_reads_the_rooms_and_never_writes(room: Room) -> None:
    token = room.viewer("viewer-read")
    listing = room.client.get("/rooms", headers=signed(token))
    assert listing.status_code == 200 and "Checkout API 502s" in listing.text
    page = room.client.get("/rooms/INC-1", headers=signed(token))
    assert page.status_code == 200
    assert "LB health checks fail on db-2" in page.text and "Read only" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<input" not in page.text  # nothing to type into
    # The cookie is for the room view only: the API still wants a bearer token.
    assert room.client.get("/api/v1/incidents", headers=signed(token)).status_code == 401


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def test_error_answers_leak_nothing_and_are_inert(room: Room) -> None:
    token = room.viewer("viewer-errors")
    missing = room.client.get("/rooms/INC-999", headers=signed(token))
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert (
        "No such incident" in missing.text
        and "script-src 'self'" in (missing.headers["content-security-policy"])
    )
    hostile = room.client.get("/rooms/%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers=signed(token))
    assert hostile.status_code == 404 and "<script>" not in hostile.text
    for path in ("/api/v2/nothing.json", "/status/nothing", "/rooms/INC-999/nothing/else"):
        answer = room.client.get(path, headers=signed(token))
        assert answer.status_code == 404, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert str(room.server.root) not in answer.text and "Traceback" not in answer.text
        assert "warroom." not in answer.text  # no module names


def test_hostile_strings_are_text_in_the_room(room: Room) -> None:
    incident = declare(room.client, room.responder, HOSTILE)
    answer = room.client.post(
        f"/api/v1/incidents/{incident}/events",
        json=note_body(HOSTILE),
        headers=auth(room.responder),
    )
    assert answer.status_code == 201
    link = {**note_body("x"), "kind": "link_added"}
    link["data"] = {"url": "javascript:alert(1)", "label": "<b>bridge</b>"}
    answer = room.client.post(
        f"/api/v1/incidents/{incident}/events", json=link, headers=auth(room.responder)
    )
    assert answer.status_code == 201, answer.text
    token = room.viewer("viewer-hostile")
    ref = room.client.get(f"/api/v1/incidents/{incident}", headers=auth(token)).json()["ref"]
    for path in ("/rooms", f"/rooms/{ref}"):
        html = room.client.get(path, headers=signed(token)).text
        parsed = Tags()
        parsed.feed(html)
        assert parsed.title.startswith("warroom")
        assert "img" not in parsed.tags and "b" not in parsed.tags
        assert parsed.tags.count("script") == 1  # room.js: both pages are live
        assert "\x1b" not in html and "\u202e" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert 'href="javascript' not in html.lower()


@pytest.mark.parametrize("path", ["/rooms/INC-1/stream", "/rooms/stream"])
def test_a_revoked_token_is_refused_mid_stream_and_on_the_next_request(
    room: Room, path: str
) -> None:
    name = f"viewer-revoked-{path.count('/')}"
    token = room.viewer(name)
    ended = threading.Event()
    received: list[str] = []

    def listen() -> None:
        with room.client.stream("GET", path, headers=signed(token), timeout=30) as answer:
            assert answer.status_code == 200
            for line in answer.iter_lines():
                received.append(line)
        ended.set()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    deadline = time.monotonic() + 10
    while not any(line.startswith("data:") for line in received) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(line.startswith("data:") for line in received)  # the events so far
    revoked = room.client.delete(f"/api/v1/tokens/{name}", headers=auth(room.admin))
    assert revoked.status_code == 200
    assert ended.wait(5), "the open stream went on after the token was revoked"
    for page in ("/rooms/INC-1", "/rooms"):
        answer = room.client.get(page, headers=signed(token))
        assert answer.status_code == 303 and answer.headers["location"] == "/rooms/sign-in"
