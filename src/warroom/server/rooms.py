"""The read-only room view for colleagues without a terminal: `/rooms` (the
open incidents) and `/rooms/REF` (one room's header, roster, timeline and
runbook), both live: their one script listens to `/rooms/REF/stream` (the
incident's events, as the API's stream sends them), or `/rooms/stream` (every
incident's), and redraws the page from `/rooms/REF/panel` or `/rooms/list`
(the same HTML, rendered again).  Read only: nothing here writes.

A viewer-or-better token is entered once in the sign-in form
(`/rooms/sign-in`) and kept in an HttpOnly, SameSite=Strict cookie, never in
a URL.  The cookie is Secure when the request came over https, or when the
configured `public_url` starts with `https://`: behind a TLS proxy the
request reaches warroom as plain http, yet browsers reach it over https; `/rooms/sign-out` clears
it.  The token is checked on every request, and a revoked one ends its open
streams at once (the hub ends them) and works on no further request.
Every string is autoescaped (`warroom.services.html`); the pages allow no
inline script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from warroom.core.catalog import Catalog
from warroom.core.describe import describe, kind_label
from warroom.core.errors import NotFound
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.text import clean
from warroom.server.auth import verified
from warroom.server.hub import Hub
from warroom.server.live import token_stream
from warroom.server.refs import Refs
from warroom.server.tokens import TokenInfo, TokenStore
from warroom.services.html import templates
from warroom.store.base import Store

WEB = Path(__file__).with_name("web")
COOKIE = "warroom_token"
TIMELINE_TAIL = 300  # events shown in a room (the newest)
SIGN_IN_BODY_MAX = 4096
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: with it a browser posts the sign-in form with `Origin: null`.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_ASSETS = {"room.js": "text/javascript; charset=utf-8", "room.css": "text/css; charset=utf-8"}


class SignIn(Exception):
    """No valid viewer-or-better token in the cookie: the page asks for one."""


def _html(text: str, status: int = 200, **extra: str) -> Response:
    return Response(
        text, status, media_type="text/html; charset=utf-8", headers={**HEADERS, **extra}
    )


def _render(name: str, **values: Any) -> str:
    return templates(WEB).get_template(name).render(**values)


def _row(event: Event) -> dict[str, Any]:
    """One timeline line: its time, who, what kind, and its text (cleaned)."""
    return {
        "seq": event.seq or 0,
        "at": event.occurred_at,
        "actor": clean(event.actor),
        "label": clean(kind_label(event.kind)),
        "text": clean(describe(event)),
    }


def room_values(incident: Incident, events: list[Event], catalog: Catalog) -> dict[str, Any]:
    severity = catalog.severities.get(incident.severity)
    return {
        "incident": incident,
        "ref": incident.ref,
        "title": clean(incident.title),
        "severity": severity.label if severity else f"SEV{incident.severity}",
        "severity_name": clean(severity.name) if severity else "",
        "status": clean(incident.status),
        "summary": clean(incident.summary),
        "roles": [
            (clean(catalog.roles[role].name if role in catalog.roles else role), names)
            for role, names in incident.roles.items()
            if names
        ],
        "links": [(clean(link.label), clean(link.url)) for link in incident.links],
        "rows": [_row(event) for event in events],
        "steps": [
            {
                "text": clean(step.text),
                "done": bool(step.checked_by),
                "by": clean(step.checked_by or ""),
            }
            for step in incident.steps.values()
        ],
        "last_seq": incident.last_seq,
    }


def secure_cookie(public_url: str | None) -> bool:
    """Whether every sign-in cookie is Secure, whatever the request's scheme:
    when the server is reached at an https `public_url` (a TLS proxy in front)."""
    return bool(public_url) and public_url.strip().lower().startswith("https://")


def add_room_routes(
    router: APIRouter,
    store: Store,
    tokens: TokenStore,
    hub: Hub,
    heartbeat: float,
    public_url: str | None = None,
) -> None:
    refs = Refs(store)
    always_secure = secure_cookie(public_url)

    def viewer(request: Request) -> TokenInfo:
        secret = request.cookies.get(COOKIE)
        info = tokens.verify(secret) if secret else None
        if info is None or info.revoked or not info.allows("viewer"):
            raise SignIn()
        return info

    @router.get("/rooms/sign-in", include_in_schema=False)
    def sign_in_form() -> Response:
        return _html(_render("signin.html", problem=""))

    @router.post("/rooms/sign-in", include_in_schema=False)
    async def sign_in(request: Request) -> Response:
        if not _same_origin(request):
            return _html(_render("signin.html", problem="Sign in from this page."), 403)
        body = await request.body()
        fields = parse_qs(body[:SIGN_IN_BODY_MAX].decode("utf-8", "replace"))
        secret = (fields.get("token") or [""])[0].strip()
        info = await verified(tokens, secret) if secret else None
        if info is None or info.revoked or not info.allows("viewer"):
            problem = "That token is not valid (or was revoked)."
            return _html(_render("signin.html", problem=problem), 401)
        answer = RedirectResponse("/rooms", 303, headers=HEADERS)
        answer.set_cookie(
            COOKIE,
            secret,
            httponly=True,
            samesite="strict",
            secure=always_secure or request.url.scheme == "https",
            path="/rooms",
        )
        return answer

    @router.post("/rooms/sign-out", include_in_schema=False)
    def sign_out(request: Request) -> Response:
        if not _same_origin(request):
            return _html(_render("signin.html", problem="Sign out from this page."), 403)
        answer = RedirectResponse("/rooms/sign-in", 303, headers=HEADERS)
        answer.delete_cookie(
            COOKIE,
            path="/rooms",
            httponly=True,
            samesite="strict",
            secure=always_secure or request.url.scheme == "https",
        )
        return answer

    for asset, media in _ASSETS.items():

        def serve_asset(name: str = asset, media: str = media) -> Response:
            return Response((WEB / name).read_bytes(), media_type=media, headers=HEADERS)

        router.add_api_route(
            f"/rooms/{asset}", _fixed(serve_asset), methods=["GET"], include_in_schema=False
        )

    def listing() -> dict[str, Any]:
        last_gseq = store.last_gseq()  # first: the stream then misses nothing listed after
        items = [
            {
                "ref": incident.ref,
                "title": clean(incident.title),
                "severity": f"SEV{incident.severity}",
                "status": clean(incident.status),
                "lead": clean(incident.lead or ""),
                "declared_at": incident.declared_at,
            }
            for incident in store.incidents()
        ]
        return {"incidents": items, "last_gseq": last_gseq}

    @router.get("/rooms", include_in_schema=False)
    async def rooms(request: Request) -> Response:
        token = viewer(request)
        shown = await to_thread.run_sync(listing)
        return _html(_render("rooms.html", who=clean(token.name), **shown))

    @router.get("/rooms/list", include_in_schema=False)
    async def rooms_list(request: Request) -> Response:
        viewer(request)
        return _html(_render("list.html", **await to_thread.run_sync(listing)))

    @router.get("/rooms/stream", include_in_schema=False)
    async def rooms_stream(request: Request, after_gseq: int = 0) -> StreamingResponse:
        """Every incident's events (the open list redraws on each burst)."""
        token = viewer(request)
        start = max(0, min(after_gseq, 2**62))
        body = await token_stream(
            hub, store, tokens, token, incident_id=None, start=start, heartbeat=heartbeat
        )
        return StreamingResponse(
            body, media_type="text/event-stream", headers={**HEADERS, "X-Accel-Buffering": "no"}
        )

    async def values(ref: str) -> dict[str, Any]:
        incident_id = await refs.resolve(ref)

        def read() -> dict[str, Any]:
            incident = store.incident(incident_id)
            events = store.events_before(incident_id, None, TIMELINE_TAIL)
            return room_values(incident, events, store.catalog)

        return await to_thread.run_sync(read)

    @router.get("/rooms/{ref}", include_in_schema=False)
    async def room(ref: str, request: Request) -> Response:
        token = viewer(request)
        try:
            shown = await values(ref)
        except NotFound:  # a page, naming nothing of the server (not the API's JSON)
            return _html(_render("missing.html"), 404)
        return _html(_render("room.html", who=clean(token.name), **shown))

    @router.get("/rooms/{ref}/panel", include_in_schema=False)
    async def panel(ref: str, request: Request) -> Response:
        viewer(request)
        return _html(_render("panel.html", **await values(ref)))

    @router.get("/rooms/{ref}/stream", include_in_schema=False)
    async def room_stream(ref: str, request: Request, after_seq: int = 0) -> StreamingResponse:
        token = viewer(request)
        incident_id = await refs.resolve(ref)
        start = max(0, min(after_seq, 2**62))
        body = await token_stream(
            hub, store, tokens, token, incident_id=incident_id, start=start, heartbeat=heartbeat
        )
        return StreamingResponse(
            body, media_type="text/event-stream", headers={**HEADERS, "X-Accel-Buffering": "no"}
        )


def _same_origin(request: Request) -> bool:
    """A form posted from this server's own page (or by a client that sends
    no Origin): another site cannot sign a browser in or out."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def _fixed(function: Any) -> Any:
    """`function` as an endpoint taking no parameter (its defaults are bound)."""

    def endpoint() -> Response:
        return function()

    return endpoint


def install_sign_in(app: Any) -> None:
    """Pages asked for without a valid cookie go to the sign-in form; the
    stream and panel answer 401 (their script then stops)."""

    @app.exception_handler(SignIn)
    async def _sign_in(request: Request, error: SignIn) -> Response:
        if request.url.path.endswith(("/stream", "/panel", "/rooms/list")):
            return Response("sign in again", 401, media_type="text/plain", headers=HEADERS)
        answer = RedirectResponse("/rooms/sign-in", 303, headers=HEADERS)
        if request.cookies.get(COOKIE):  # a revoked or unknown token: forget it
            answer.delete_cookie(COOKIE, path="/rooms", httponly=True, samesite="strict")
        return answer
