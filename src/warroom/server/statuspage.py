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
import logging
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
from warroom.services.statuspage.render import PAGE_CSP

log = logging.getLogger("warroom.server")
CSP = f"{PAGE_CSP}; frame-ancestors 'none'"
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


def add_public_routes(
    router: APIRouter, site: PublicSite, pinger: Pinger, heartbeat: float
) -> None:
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
            pinger.stream(heartbeat),
            media_type="text/event-stream",
            headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"},
        )


def _serving(site: PublicSite, name: str) -> Callable[[], Awaitable[Response]]:
    """The endpoint answering the site's file `name` (it takes no parameter)."""

    async def serve() -> Response:
        return await site.file(name)

    return serve


class Pinger:
    """One hub subscription for every open `/status/stream`: after each burst
    of events it asks the site once whether what the page shows changed, and
    if so wakes every stream to send its ping.  A thousand customers watching
    cost one look at the page per burst, not a thousand."""

    def __init__(self, site: PublicSite, hub: Hub) -> None:
        self.site = site
        self.hub = hub
        self.generation = 0  # how many changes the streams were told of
        self._changed: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._streams = 0

    async def stream(self, heartbeat: float) -> AsyncIterator[bytes]:
        """One stream's body: pings on changes, heartbeats in between."""
        self._streams += 1
        try:
            await self._ensure_running()
            yield OPENING
            seen = self.generation
            while not self.hub.stopping:
                if self.generation != seen:
                    seen = self.generation
                    yield PING
                    continue
                assert self._changed is not None
                try:
                    await asyncio.wait_for(self._changed.wait(), heartbeat)
                except TimeoutError:
                    yield HEARTBEAT
                await self._ensure_running()
        finally:
            self._streams -= 1

    async def _ensure_running(self) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        if self._task is None or self._task.done():
            shown = await self.site.version()
            self._task = asyncio.get_running_loop().create_task(
                self._run(shown), name="warroom-status-pings"
            )

    async def _run(self, shown: str) -> None:
        subscription = self.hub.subscribe(None)
        try:
            while self._streams > 0 and not self.hub.stopping and not subscription.ended:
                subscription.arm()
                if not await subscription.wait(1.0):
                    continue
                await asyncio.sleep(0.05)  # a burst of events: one look
                subscription.clear()
                try:
                    version = await self.site.version()
                except Exception as error:  # the store went away for a moment
                    log.warning("status page: %s", type(error).__name__)
                    continue
                if version != shown:
                    shown = version
                    self._wake()
        finally:
            self.hub.unsubscribe(subscription)
            self._wake()  # the hub is stopping (or nobody listens): let streams look

    def _wake(self) -> None:
        self.generation += 1 if not self.hub.stopping else 0
        changed, self._changed = self._changed, asyncio.Event()
        if changed is not None:
            changed.set()


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
    add_public_routes(public.router, app.state.site, app.state.pinger, heartbeat)
    return public
