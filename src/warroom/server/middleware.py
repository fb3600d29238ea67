"""ASGI middleware: a body size limit, and one log line per request.

Both are plain ASGI (no BaseHTTPMiddleware), so streams pass through untouched.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from warroom.server.limits import DRAIN_MAX, EVENT_BODY_MAX

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


access_log = logging.getLogger("warroom.server.access")
_PLAIN = re.compile(r"[\x21-\x7e]*")


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413, counting the bytes received
    (a chunked body has no Content-Length to trust).  `wider`: (path prefix,
    limit) pairs for paths that take larger bodies (the alert webhooks); the
    first matching prefix wins."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = EVENT_BODY_MAX,
        wider: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.wider = wider

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.wider:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            if declared <= limit + DRAIN_MAX:
                await _drain(receive, 0)
            await self._refuse(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        first: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first = message  # the client went away; let the app see it
                break
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                if message.get("more_body", False):
                    await _drain(receive, size - limit)
                await self._refuse(send, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        if first is None:
            first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                assert first is not None
                return first
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {"error": "too_large", "detail": f"the body is over {limit} bytes; nothing was stored"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _drain(receive: Receive, already: int) -> None:
    dropped = already
    while dropped <= DRAIN_MAX:
        message = await receive()
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class AccessLog:
    """One line per request: method, path (never the query string, never a
    header), status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        except BaseException:
            status = status or 500
            raise
        finally:
            access_log.info(
                "%s %s %d %.1fms",
                scope.get("method", "?"),
                _path(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )


def _path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    text = raw.decode("latin-1") if raw else scope.get("path", "")
    text = text.split("?", 1)[0][:300]
    if _PLAIN.fullmatch(text):  # the usual case: nothing to escape
        return text
    # Percent-encoded on the wire; anything odd left is shown escaped, never raw.
    return "".join(c if 0x20 < ord(c) < 0x7F else f"%{ord(c):02X}" for c in text)[:300]
