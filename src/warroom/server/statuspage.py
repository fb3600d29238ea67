"""The public status page, without a token: `/status` (HTML, with its script
`/status.js` and style sheet `/status.css`), `/status/stream` (Server-Sent
pings when what the page shows changes: no data), and Atlassian Statuspage's
public JSON under `/api/v2`.  Every answer is one of the static export's
files (`warroom.services.statuspage.export`), so the two never differ.

The page allows no inline script (`script-src 'self'`), loads nothing from
elsewhere and cannot be framed.  `create_public_app` serves these routes alone
(`warroom serve --public-port`), to expose the page and nothing else.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.responses import Response, StreamingResponse
from starlette.middleware import Middleware

from warroom.core.errors import NotFound
from warroom.core.statuspage.shapes import JSON_FILES
from warroom.server.errors import install_error_handlers
from warroom.server.hub import Hub
from warroom.server.middleware import AccessLog, BodyLimit
from warroom.services.statuspage.board import PublicBoard
from warroom.services.statuspage.export import API_DIR, SITE_FILES, site_file

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}
PING = b"event: ping\ndata: ping\n\n"
HEARTBEAT = b": heartbeat\n\n"
OPENING = b"retry: 2000\n: connected\n\n"


class PublicSite:
    """The site's files over a board, each rendered once per change of the
    page (and only when asked for)."""

    def __init__(self, board: PublicBoard) -> None:
        self.board = board
        self._lock = threading.Lock()
        self._page: object = None
        self._files: dict[str, bytes] = {}

    def content(self, name: str) -> bytes:
        """One of the site's files as of now; KeyError if there is none."""
        page = self.board.page()
        with self._lock:
            if page is not self._page:
                self._page, self._files = page, {}
            if name not in self._files:
                self._files[name] = site_file(page, name)
            return self._files[name]

    async def file(self, name: str) -> Response:
        if name not in SITE_FILES:
            raise NotFound("no such page")
        content = await to_thread.run_sync(self.content, name)
        suffix = name[name.rfind(".") :]
        headers = dict(SECURITY_HEADERS)
        if name.startswith(API_DIR):
            headers["Access-Control-Allow-Origin"] = "*"  # public data, read by widgets
        return Response(content, media_type=_TYPES[suffix], headers=headers)

    async def version(self) -> str:
        """Changes when what the page shows changes."""
        summary = await to_thread.run_sync(self.content, f"{API_DIR}/summary.json")
        return hashlib.sha256(summary).hexdigest()


def add_public_routes(router: APIRouter, site: PublicSite, hub: Hub, heartbeat: float) -> None:
    tags = ["status page"]

    @router.get("/status", response_class=Response, tags=tags)
    async def status_page() -> Response:
        """The public status page (HTML): no token."""
        return await site.file("index.html")

    for asset in ("status.js", "status.css"):
        router.add_api_route(
            f"/{asset}", _serving(site, asset), methods=["GET"], include_in_schema=False
        )
    for name in JSON_FILES:
        router.add_api_route(
            f"/{API_DIR}/{name}",
            _serving(site, f"{API_DIR}/{name}"),
            methods=["GET"],
            response_class=Response,
            tags=tags,
            summary=f"Statuspage-compatible {name}",
        )

    @router.get("/status/stream", response_class=StreamingResponse, tags=tags)
    async def status_stream() -> StreamingResponse:
        """Server-Sent Events: `event: ping` whenever what the page shows
        changes (refetch summary.json); no data, and nothing on internal writes."""
        return StreamingResponse(
            _pings(site, hub, heartbeat),
            media_type="text/event-stream",
            headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"},
        )


def _serving(site: PublicSite, name: str) -> Callable[[], Awaitable[Response]]:
    """The endpoint answering the site's file `name` (it takes no parameter)."""

    async def serve() -> Response:
        return await site.file(name)

    return serve


async def _pings(site: PublicSite, hub: Hub, heartbeat: float) -> AsyncIterator[bytes]:
    subscription = hub.subscribe(None)
    try:
        shown = await site.version()
        yield OPENING
        while not (hub.stopping or subscription.ended):
            subscription.arm()
            if not await subscription.wait(heartbeat):
                yield HEARTBEAT
                continue
            subscription.clear()
            await asyncio.sleep(0.05)  # a burst of events: one look
            subscription.clear()
            version = await site.version()
            if version != shown:
                shown = version
                yield PING
    finally:
        hub.unsubscribe(subscription)


def create_public_app(app: FastAPI, heartbeat: float) -> FastAPI:
    """An app serving only the public page of `app` (its site and hub)."""
    public = FastAPI(
        title="warroom status page",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        middleware=[Middleware(AccessLog), Middleware(BodyLimit)],
    )
    public.state.health = app.state.health
    install_error_handlers(public)
    add_public_routes(public.router, app.state.site, app.state.hub, heartbeat)
    return public
