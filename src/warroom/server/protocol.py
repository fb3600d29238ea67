"""Connections that cannot exhaust the server: uvicorn's HTTP protocol with a
deadline for a request's headers and a cap on open connections, and an event
loop error handler that logs accept failures at most once per interval.

uvicorn has no request-header timeout of its own: a connection that sends part
of a request and stops is kept forever, and a thousand of them use up the
process's file descriptors (then every accept fails, and asyncio prints a
traceback for each attempt).  `limit_concurrency` would answer 503 to
legitimate clients too.  Here instead:

- a connection has `header_timeout` seconds, from its first byte (or from its
  opening), to complete a request's headers; then it is closed;
- an idle keep-alive connection is closed by uvicorn after `timeout_keep_alive`;
- beyond `max_connections` open connections (kept below the descriptor limit),
  a new connection closes the ones that have waited longest for a request
  (half-open or idle); only if every connection is busy is the new one answered
  503.
"""

from __future__ import annotations

import asyncio
import errno
import heapq
import logging
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from warroom.server.limits import (
    ACCEPT_LOG_SECONDS,
    FD_RESERVE_MIN,
    HEADER_TIMEOUT,
    MAX_CONNECTIONS,
)

log = logging.getLogger("warroom.server")

_BUSY_BODY = b'{"error":"unavailable","detail":"too many connections; retry soon"}'
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\nretry-after: 1\r\n\r\n%s"
) % (len(_BUSY_BODY), _BUSY_BODY)
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def connection_cap(soft_limit: int | None, wanted: int = MAX_CONNECTIONS) -> int:
    """How many connections to keep open under a descriptor limit (None: none)."""
    if soft_limit is None or soft_limit <= 0:
        return wanted
    reserve = max(FD_RESERVE_MIN, soft_limit // 8)
    return max(1, min(wanted, soft_limit - reserve))


def descriptor_limit() -> int | None:
    """The process's soft limit on open file descriptors (None: no limit known)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def guarded_http(
    header_timeout: float = HEADER_TIMEOUT, max_connections: int = MAX_CONNECTIONS
) -> type[HttpToolsProtocol]:
    """The protocol class for `uvicorn.Config(http=...)`."""
    return type(
        "GuardedHttp",
        (GuardedHttp,),
        {"header_timeout": header_timeout, "max_connections": max_connections},
    )


class GuardedHttp(HttpToolsProtocol):
    """httptools' protocol with a header deadline and a connection cap (made
    with its settings by `guarded_http`)."""

    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS

    # Since when this connection waits for a request's headers (opened, or
    # idle after a response); None while a request is being served.
    _waiting_since: float | None = None
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = self.loop.time()
        self._arm_header_timer()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()  # a keep-alive connection's next request

    def on_headers_complete(self) -> None:
        self._waiting_since = None
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None:  # idle until the next request
            self._waiting_since = self.loop.time()

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self._waiting_since is not None and not self.transport.is_closing():
            self.transport.close()

    def _make_room(self) -> None:
        """Over the cap: close the connections that have waited longest for a
        request; if none is waiting, answer this new one 503."""
        open_ = [c for c in self.connections if not c.transport.is_closing()]
        excess = len(open_) - self.max_connections
        if excess <= 0:
            return
        waiting = [
            c
            for c in open_
            if c is not self and isinstance(c, GuardedHttp) and c._waiting_since is not None
        ]
        oldest = heapq.nsmallest(excess, waiting, key=_waited)
        for connection in oldest:
            connection.transport.close()
        if len(oldest) < excess:
            self.transport.write(BUSY)
            self.transport.close()


def _waited(connection: GuardedHttp) -> float:
    return connection._waiting_since or 0.0


class AcceptErrorLog:
    """An event loop exception handler: "out of descriptors" accept failures
    as one line per `interval` seconds (asyncio would print a traceback for
    every attempt); anything else goes to the loop's default handler."""

    def __init__(self, interval: float = ACCEPT_LOG_SECONDS) -> None:
        self.interval = interval
        self._logged_at: float | None = None
        self._unlogged = 0

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.set_exception_handler(self)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if not (isinstance(error, OSError) and error.errno in _OUT_OF_DESCRIPTORS):
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < self.interval:
            self._unlogged += 1
            return
        more = f" (and {self._unlogged} more times)" if self._unlogged else ""
        self._logged_at, self._unlogged = now, 0
        log.error(
            "cannot accept connections: %s%s; connections waiting for a request are "
            "being closed to make room",
            error.strerror or error,
            more,
        )
