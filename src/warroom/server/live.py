"""Live delivery: Server-Sent Event streams and long polls, fed by the hub.

A stream first reads the store from the client's cursor (`Last-Event-ID`),
then follows the hub; each event is sent once, in order, as

    id: <seq for an incident's stream, gseq for the all-incidents stream>
    data: <the event as JSON>

with a `: heartbeat` comment whenever nothing was sent for `heartbeat`
seconds, and the stream ends when the server shuts down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from anyio import to_thread

from warroom.core.events import Event
from warroom.server.hub import Hub
from warroom.store.base import Store

PAGE = 500
HEARTBEAT = b": heartbeat\n\n"
OPENING = b"retry: 1000\n: connected\n\n"


def frame(ident: int, payload: str) -> bytes:
    return f"id: {ident}\ndata: {payload}\n\n".encode()


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
) -> AsyncIterator[bytes]:
    """The SSE body: an incident's events (ids are seqs) or all (ids are gseqs)."""

    def ident(event: Event) -> int:
        return (event.seq if incident_id else event.gseq) or 0

    def wanted(event: Event) -> bool:
        return incident_id is None or (event.seq or 0) > after_seq

    subscription = hub.subscribe(incident_id)
    try:
        yield OPENING
        cursor = after_gseq
        while not hub.stopping:
            subscription.overflowed = False
            while True:  # catch up from the store
                page = await to_thread.run_sync(store.events_after, cursor, incident_id, PAGE)
                for event in page:
                    cursor = event.gseq or cursor
                    if wanted(event):
                        yield frame(ident(event), encode(event))
                if len(page) < PAGE or hub.stopping:
                    break
            while not hub.stopping and not subscription.overflowed:  # then follow the hub
                subscription.arm()
                while subscription.queue:
                    delivery = subscription.queue.popleft()
                    gseq = delivery.event.gseq or 0
                    if gseq <= cursor:
                        continue
                    cursor = gseq
                    if wanted(delivery.event):
                        yield frame(ident(delivery.event), delivery.payload)
                if not await subscription.wait(heartbeat):
                    yield HEARTBEAT
    finally:
        hub.unsubscribe(subscription)


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
            subscription.queue.clear()
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
