"""The client side of Server-Sent Events: parsing text/event-stream, and
following a stream across disconnects.

Only what warroom's server sends is needed: `id:`, `event:` and `data:`
fields, blank lines ending an event, and `:` comments (the heartbeat).  A
comment is reported as a message with `data=None`, so a reader knows the
stream is alive; `retry:` is read and ignored.  `event: reset` says the
reader's cursor is beyond the server's newest event (a store restored from a
backup).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx itself is imported by warroom.store.http, which calls `follow`
    import httpx

# httpx's default 5 s read timeout would kill an idle stream: the server sends
# a heartbeat comment about every 15 s, so read with a longer timeout.
READ_TIMEOUT = 45.0
BACKOFF = (0.1, 5.0)  # seconds between reconnection attempts (doubling)


@dataclass(frozen=True, slots=True)
class Message:
    """One SSE event (`data` joined from its data lines), or a quiet moment
    (data None): a heartbeat comment, or a disconnect before reconnecting."""

    id: str | None
    data: str | None
    event: str | None = None  # the `event:` field: "reset", or None for an event


QUIET = Message(None, None)


class Parser:
    """Feed lines (without their line ending); complete messages come back."""

    def __init__(self) -> None:
        self._id: str | None = None
        self._event: str | None = None
        self._data: list[str] = []

    def feed(self, line: str) -> Message | None:
        if line == "":
            if not self._data:
                self._id = self._event = None
                return None
            message = Message(self._id, "\n".join(self._data), self._event)
            self._id, self._event, self._data = None, None, []
            return message
        if line.startswith(":"):
            return QUIET
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            self._id = value
        elif name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None


async def messages(lines: AsyncIterator[str]) -> AsyncIterator[Message]:
    """The messages of a stream of lines (e.g. `httpx.Response.aiter_lines()`)."""
    parser = Parser()
    async for line in lines:
        message = parser.feed(line.rstrip("\r\n"))
        if message is not None:
            yield message


class StreamRefused(Exception):
    """The server refused the stream for good (401): reconnecting will not help."""

    def __init__(self, answer: httpx.Response) -> None:
        super().__init__(answer.status_code)
        self.answer = answer


async def follow(
    client: httpx.AsyncClient,
    where: Callable[[], Awaitable[tuple[str, str]]],
    connected: Callable[[], None],
    failed: Callable[[str], None],
) -> AsyncIterator[Message]:
    """Messages of a stream that is reconnected, with backoff, whenever it
    ends or fails.  `where()` gives each connection's URL (or path) and
    Last-Event-ID (the reader's own cursor), so a reconnection may go to
    another server; `failed` hears why one failed; a QUIET message follows
    every disconnect."""
    import httpx

    delay = BACKOFF[0]
    while True:
        try:
            path, last_event_id = await where()
            headers = {"Last-Event-ID": last_event_id}
            async with client.stream("GET", path, headers=headers) as answer:
                if answer.status_code == 200:
                    connected()
                    delay = BACKOFF[0]
                    async for message in messages(answer.aiter_lines()):
                        yield message
                elif answer.status_code == 401:
                    await answer.aread()
                    raise StreamRefused(answer)
                elif answer.status_code >= 500:
                    failed(f"the server answered {answer.status_code}")
                # Any other answer (404: an incident whose declare is still
                # pending) is tried again later.
        except httpx.HTTPError as error:
            failed(f"{type(error).__name__}: {error}")
        yield QUIET
        await asyncio.sleep(delay)
        delay = min(delay * 2, BACKOFF[1])
