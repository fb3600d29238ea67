"""Live delivery: Server-Sent Event streams and long polls, fed by the hub.

A stream first reads the store from the client's cursor (`Last-Event-ID`),
then follows the hub; each event is sent once, in order, as

    id: <seq for an incident's stream, gseq for the all-incidents stream>
    data: <the event as JSON>

with a `: heartbeat` comment whenever nothing was sent for `heartbeat`
seconds.  The stream ends when the server shuts down, when the subscriber falls
too far behind (see `warroom.server.hub`), and when its token is revoked: it is
re-checked at every heartbeat, and a revocation through the API ends the
token's streams at once.  A client resumes with Last-Event-ID.

A cursor beyond the newest event (the server's store was restored from an
older backup) is answered first with a reset:

    id: <the newest seq or gseq>
    event: reset
    data: {"reset": true, "last_gseq": N}     (an incident's stream: "last_seq")

then the stream goes on from there.  A client reloads what it has cached
(its cursor is from a store that no longer exists) and continues.

The all-incidents stream also carries notices, frames without an id that
are not events of the log (`warroom.server.inbox`):

    event: inbox
    data: {"count": 3, "critical": ["9f2c..."], "alerts": ["9f2c...", ...], "causes": ["intake"]}
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from anyio import to_thread

from warroom.core.events import Event
from warroom.server.hub import Hub
from warroom.server.limits import STREAM_FIRST_PAGE, STREAM_PAGE, STREAM_PAGE_BYTES
from warroom.server.tokens import TokenInfo, TokenStore
from warroom.store.base import Store

HEARTBEAT = b": heartbeat\n\n"
OPENING = b"retry: 1000\n: connected\n\n"


def frame(ident: int, payload: str) -> bytes:
    return f"id: {ident}\ndata: {payload}\n\n".encode()


def reset_frame(ident: int, field: str) -> bytes:
    """The reset signal: the client's cursor is beyond the newest event, `ident`."""
    payload = json.dumps({"reset": True, field: ident}, separators=(",", ":"))
    return f"id: {ident}\nevent: reset\ndata: {payload}\n\n".encode()


class TokenCheck:
    """Whether a stream's token still holds, asked at most once per `interval`
    seconds; once it fails, it stays failed.  `in_thread`: ask in a worker
    thread (a read over the network: a hundred streams asking on the event
    loop at the same heartbeat would stall it for a hundred round trips)."""

    def __init__(
        self, still_valid: Callable[[], bool] | None, interval: float, in_thread: bool = False
    ) -> None:
        self._still_valid = still_valid
        self._interval = interval
        self._in_thread = in_thread
        self._clock = asyncio.get_running_loop().time
        self._checked = self._clock()
        self.revoked = False

    async def due(self) -> bool:
        """True once the token is found revoked (or cannot be checked)."""
        if self.revoked or self._still_valid is None:
            return self.revoked
        if self._clock() - self._checked >= self._interval:
            self._checked = self._clock()
            try:
                if self._in_thread:
                    valid = await to_thread.run_sync(self._still_valid)
                else:
                    valid = self._still_valid()
                self.revoked = not valid
            except Exception:  # the token table cannot be read: end; the client retries
                self.revoked = True
        return self.revoked


def next_page(size: int, count: int) -> int:
    """The next catch-up read's length: STREAM_PAGE events, fewer if they are large."""
    if count == 0 or size <= 0:
        return STREAM_PAGE
    return max(1, min(STREAM_PAGE, STREAM_PAGE_BYTES * count // size))


def encode(event: Event) -> str:
    return json.dumps(event.to_dict(), separators=(",", ":"))


def gseq_before(store: Store, incident_id: str, after_seq: int) -> int:
    """The gseq of the incident's event `after_seq` (0 before the first): an
    incident's seq and gseq grow together, so reading gseq > it gives seq > after_seq."""
    if after_seq <= 0:
        return 0
    previous = store.events_before(incident_id, after_seq + 1, 1)
    return (previous[-1].gseq or 0) if previous else 0


def events_since(store: Store, incident_id: str, after_seq: int, limit: int) -> list[Event]:
    """Up to `limit` of an incident's events with seq > after_seq, in order."""
    cursor = gseq_before(store, incident_id, after_seq)
    events = store.events_after(cursor, incident_id, limit)
    return [event for event in events if (event.seq or 0) > after_seq]


async def stream(
    hub: Hub,
    store: Store,
    *,
    incident_id: str | None,
    after_gseq: int,
    after_seq: int = 0,
    heartbeat: float,
    token_name: str | None = None,
    still_valid: Callable[[], bool] | None = None,
    check_in_thread: bool = False,
    reset: bytes | None = None,
) -> AsyncIterator[bytes]:
    """The SSE body: an incident's events (ids are seqs) or all (ids are gseqs).
    `still_valid`: re-checks the stream's token (called once per heartbeat;
    in a worker thread with `check_in_thread`);
    `reset`: a reset frame to send first (the cursor was beyond the newest event)."""

    def ident(event: Event) -> int:
        return (event.seq if incident_id else event.gseq) or 0

    def wanted(event: Event) -> bool:
        return incident_id is None or (event.seq or 0) > after_seq

    subscription = hub.subscribe(incident_id, token_name)
    token = TokenCheck(still_valid, heartbeat, check_in_thread)

    async def over() -> bool:
        return hub.stopping or subscription.ended or await token.due()

    try:
        yield OPENING
        if reset is not None:
            yield reset
        cursor = after_gseq
        limit = STREAM_FIRST_PAGE
        while not await over():  # catch up from the store
            page = await to_thread.run_sync(store.events_after, cursor, incident_id, limit)
            size = 0
            for event in page:
                cursor = event.gseq or cursor
                if wanted(event):
                    payload = encode(event)
                    size += len(payload)
                    yield frame(ident(event), payload)
            if len(page) < limit:
                break
            limit = next_page(size, len(page))
        while not await over():  # then follow the hub
            subscription.arm()
            while (delivery := subscription.take()) is not None:
                if await over():
                    return
                gseq = delivery.event.gseq or 0
                if gseq <= cursor:
                    continue
                cursor = gseq
                if wanted(delivery.event):
                    yield frame(ident(delivery.event), delivery.payload)
            while (notice := subscription.take_notice()) is not None:
                yield notice
            if not await subscription.wait(heartbeat):
                yield HEARTBEAT
    finally:
        hub.unsubscribe(subscription)


async def token_stream(
    hub: Hub,
    store: Store,
    tokens: TokenStore,
    token: TokenInfo,
    *,
    incident_id: str | None,
    start: int,
    heartbeat: float,
    reset: bytes | None = None,
) -> AsyncIterator[bytes]:
    """`stream` for one token from `start` (a seq of the incident, or a gseq
    for all), ended when the token is revoked."""
    after_gseq = start
    if incident_id is not None:
        after_gseq = await to_thread.run_sync(gseq_before, store, incident_id, start)
    return stream(
        hub,
        store,
        incident_id=incident_id,
        after_gseq=after_gseq,
        after_seq=start,
        heartbeat=heartbeat,
        token_name=token.name,
        still_valid=lambda: tokens.still_valid(token),
        check_in_thread=tokens.reads_block,
        reset=reset,
    )


async def wait_for_events(
    hub: Hub, store: Store, incident_id: str, after_seq: int, limit: int, wait: float
) -> list[Event]:
    """A long poll: the events after `after_seq`, waiting up to `wait` s for one."""
    events = await to_thread.run_sync(events_since, store, incident_id, after_seq, limit)
    if events or wait <= 0:
        return events
    subscription = hub.subscribe(incident_id)
    try:
        loop_time = asyncio.get_running_loop().time
        deadline = loop_time() + wait
        while not hub.stopping:
            subscription.arm()
            events = await to_thread.run_sync(events_since, store, incident_id, after_seq, limit)
            remaining = deadline - loop_time()
            if events or remaining <= 0:
                return events
            await subscription.wait(remaining)
            subscription.clear()
        return []
    finally:
        hub.unsubscribe(subscription)


def parse_cursor(value: Any) -> int | None:
    """A Last-Event-ID value as a cursor; None if it is not one."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 0 else None
