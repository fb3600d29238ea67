"""One `store.watch` per server, fanned out to every live subscriber.

A hundred open streams share one watcher (one SQLite connection polling
`data_version`) instead of a hundred.  The hub never decides what a
subscriber has missed: a subscriber registers first and then reads the store
from its own cursor, so an event committed before the read is in the read and
one committed after it reaches the subscriber's queue; duplicates are dropped
by gseq.  A subscriber whose queue passes SUBSCRIBER_QUEUE_MAX events or
SUBSCRIBER_QUEUE_BYTES bytes (it does not read, or too slowly) is dropped: the
hub forgets it and its stream ends, so its client reconnects with
Last-Event-ID and loses nothing.  A revoked token's subscribers are ended too.
While nobody is subscribed, the hub does not read the log at all.

Besides events, the hub carries notices: ready-made SSE frames that are not
events of the log (the `inbox` event: the alert inbox changed).  They go to
the all-incidents subscribers only, have no id (a client's cursor stays put),
and a subscriber keeps only the newest NOTICE_QUEUE_MAX of them (each notice
carries the whole picture, so an older one is never needed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from warroom.core.events import Event
from warroom.server.limits import (
    HUB_RESTART_DELAY,
    NOTICE_QUEUE_MAX,
    SUBSCRIBER_QUEUE_BYTES,
    SUBSCRIBER_QUEUE_MAX,
)
from warroom.store.base import Store

log = logging.getLogger("warroom.server")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One committed event, encoded once for all subscribers."""

    event: Event
    payload: str

    @staticmethod
    def of(event: Event) -> Delivery:
        return Delivery(event, json.dumps(event.to_dict(), separators=(",", ":")))


class Subscription:
    """One subscriber's queue of deliveries and its wake-up."""

    def __init__(self, incident_id: str | None, token_name: str | None = None) -> None:
        self.incident_id = incident_id
        self.token_name = token_name
        self.queue: deque[Delivery] = deque()
        self.queued_bytes = 0
        self.notices: deque[bytes] = deque(maxlen=NOTICE_QUEUE_MAX)
        self.ended = False  # dropped (its queue was full) or its token revoked
        self._wake = asyncio.Event()

    def offer(self, delivery: Delivery) -> bool:
        """Queue `delivery` if it is for this subscriber; False if the queue is
        full, which ends the subscription."""
        if self.incident_id is not None and delivery.event.incident_id != self.incident_id:
            return True
        size = len(delivery.payload)
        if (
            len(self.queue) >= SUBSCRIBER_QUEUE_MAX
            or self.queued_bytes + size > SUBSCRIBER_QUEUE_BYTES
        ):
            self.end()
            return False
        self.queue.append(delivery)
        self.queued_bytes += size
        self._wake.set()
        return True

    def notify(self, notice: bytes) -> None:
        """Queue a notice frame, if this subscriber follows every incident."""
        if self.incident_id is None and not self.ended:
            self.notices.append(notice)
            self._wake.set()

    def take_notice(self) -> bytes | None:
        return self.notices.popleft() if self.notices else None

    def take(self) -> Delivery | None:
        """The oldest queued delivery, or None."""
        if not self.queue:
            return None
        delivery = self.queue.popleft()
        self.queued_bytes -= len(delivery.payload)
        return delivery

    def clear(self) -> None:
        self.queue.clear()
        self.queued_bytes = 0
        self.notices.clear()

    def end(self) -> None:
        self.ended = True
        self.clear()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def arm(self) -> None:
        """Call before draining the queue: a later offer wakes the next wait."""
        self._wake.clear()

    async def wait(self, timeout: float) -> bool:
        """Wait for an offer (or the hub stopping); False after `timeout` s without one.

        (`asyncio.timeout`, not `wait_for`: no task per wait, and a hundred
        streams wait again after every event.)"""
        if self._wake.is_set():
            return True
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True


class Hub:
    """Runs the store's watch and hands each new event to the subscribers."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cursor = 0
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def start(self) -> None:
        self._stopping = False
        self._ensure_running()

    def subscribe(
        self, incident_id: str | None = None, token_name: str | None = None
    ) -> Subscription:
        """Register a subscriber (then read the store from its cursor)."""
        self._ensure_running()
        subscription = Subscription(incident_id, token_name)
        self._subscribers.add(subscription)
        return subscription

    def end_streams_of(self, token_name: str) -> int:
        """End the subscriptions made with the token called `token_name` (just
        revoked); returns how many."""
        ended = [s for s in self._subscribers if s.token_name == token_name]
        for subscription in ended:
            self._subscribers.discard(subscription)
            subscription.end()
        return len(ended)

    def notify_all(self, notice: bytes) -> None:
        """Hand a notice frame to every all-incidents subscriber (on the event loop)."""
        for subscription in list(self._subscribers):
            subscription.notify(notice)

    @property
    def follows_all(self) -> bool:
        """Whether any subscriber follows every incident (and would get a notice)."""
        return any(s.incident_id is None for s in self._subscribers)

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def stop(self) -> None:
        """End every stream and long poll soon.  Safe from a signal handler or
        another thread."""
        self._stopping = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake_all)

    async def close(self) -> None:
        self._stopping = True
        self._wake_all()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _wake_all(self) -> None:
        for subscription in list(self._subscribers):
            subscription.wake()

    def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        if self._loop is not loop:
            # A fresh event loop (a test client makes one per run): start over there.
            self._subscribers.clear()
        self._loop = loop
        self._cursor = self.store.last_gseq()
        self._task = loop.create_task(self._run(), name="warroom-hub")

    async def _run(self) -> None:
        # With nobody subscribed the hub stops reading the log (a busy server
        # would otherwise decode every event for no one); the next subscriber
        # starts it again from the newest gseq, and reads the rest itself.
        while self._subscribers:
            try:
                async with contextlib.aclosing(self.store.watch(self._cursor)) as events:
                    async for event in events:
                        self._cursor = event.gseq or self._cursor
                        if not self._subscribers:
                            break  # (and a subscriber that came meanwhile restarts it)
                        self._dispatch(event)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the store went away for a moment: keep trying
                log.error("live events: %s; retrying", _describe(error))
                await asyncio.sleep(HUB_RESTART_DELAY)

    def _dispatch(self, event: Event) -> None:
        delivery = Delivery.of(event)
        for subscription in list(self._subscribers):
            if not subscription.offer(delivery):
                self._subscribers.discard(subscription)
                log.info("a live stream fell behind (its queue was full): ended, to resume")


def _describe(error: Any) -> str:
    return f"{type(error).__name__}: {error}"
