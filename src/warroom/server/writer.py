"""Group commit: the appends of concurrent requests, committed together.

Every append of the server (one event, a batch, a declare, an import) waits
in one queue.  A single writer thread takes everything waiting (it stops
taking more once it holds GROUP_MAX events), stores it with one `append_group` call -- one
transaction, one fsync -- and answers each request after that commit.  While
one group commits the next one gathers, so the busier the server, the larger
the groups; an idle server commits each request at once, with no timer.  A
group that had to wait for the store's write lock (another replica's append
holding it) takes in the appends that arrived meanwhile once it has the lock
(`GroupAppender.append_group`'s `more`), rather than leaving them to wait
for the lock again.

Each request keeps its own outcome: one refused by `validate` (or a
conflicting id) is rolled back alone and answered with its error while the
others commit.  An answer is only ever given after the commit, so every
acknowledged event is on disk (`synchronous=FULL`).

Other kinds of writes share the thread as lanes (`add_lane`): the alert
intake commits its requests the same way (`warroom.server.alerts`).  A group
taken from the queue is committed one transaction per lane, so the file still
has a single writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from warroom.core.errors import StoreUnavailable
from warroom.core.events import Event
from warroom.server.health import StoreHealth
from warroom.server.limits import GROUP_MAX
from warroom.store.base import GroupAppender, Latecomers, Store

Outcome = Any  # a request's result, or the Exception it failed with
# A lane's commit: every request's work in one transaction, an outcome each.
Commit = Callable[[Sequence[Any]], list[Outcome]]
EVENTS = "events"  # the lane of appends


@dataclass(slots=True)
class _Pending:
    lane: str
    work: Any
    size: int  # events (or alerts) it holds, towards group_max
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Outcome] = field(repr=False)


def _settle_all(settled: list[tuple[_Pending, Outcome]]) -> None:
    for pending, outcome in settled:
        if not pending.future.done():  # not cancelled (the client went away)
            pending.future.set_result(outcome)


_STOP = object()


def append_group(
    store: Store, requests: Sequence[Sequence[Event]], more: Latecomers | None = None
) -> list[Outcome]:
    """`store.append_group(requests, more)` where the store is a GroupAppender
    (one transaction); otherwise each request on its own with `append_many`."""
    if isinstance(store, GroupAppender):
        return store.append_group(requests, more)
    outcomes: list[Outcome] = []
    for events in requests:
        try:
            outcomes.append(store.append_many(events))
        except Exception as error:
            outcomes.append(error)
    return outcomes


class GroupWriter:
    """The one thread that appends to the store for the whole server."""

    def __init__(
        self, store: Store, group_max: int = GROUP_MAX, health: StoreHealth | None = None
    ) -> None:
        self.store = store
        self.group_max = group_max
        self.health = health or StoreHealth()
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._lanes: dict[str, Commit] = {EVENTS: lambda requests: append_group(store, requests)}
        # Taken from the queue by a group's `more` but not for it (another
        # lane's request, or the stop): the next group starts with them.
        self._carried: deque[_Pending | object] = deque()
        self.groups = 0  # transactions committed (for tests and benchmarks)
        self.requests = 0

    def add_lane(self, name: str, commit: Commit) -> None:
        """Another kind of request: `commit(works)` stores every work of a
        group in one transaction and returns an outcome (a result, or the
        Exception that request failed with) for each; it raises if the
        transaction itself failed (StoreUnavailable: nothing stored)."""
        self._lanes[name] = commit

    async def append(self, events: Sequence[Event]) -> list[Event]:
        """Append one request's events (all or none) in the next group; returns
        them as stored, after the commit, or raises the request's own error."""
        result: list[Event] = await self.submit(EVENTS, events, len(events))
        return result

    async def submit(self, lane: str, work: Any, size: int = 1) -> Any:
        """Commit `work` in `lane`'s next transaction; its result after the
        commit, or raises the request's own error."""
        if lane not in self._lanes:
            raise ValueError(f"no writer lane {lane!r}")
        loop = asyncio.get_running_loop()
        pending = _Pending(lane, work, max(1, size), loop, loop.create_future())
        self._ensure_thread()
        self._queue.put(pending)
        outcome = await pending.future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def close(self, timeout: float = 10.0) -> None:
        """Commit and answer what is queued, then stop the thread (the next
        append starts it again)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout)

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="warroom-writer", daemon=True
                )
                self._thread.start()

    def _waiting(self) -> _Pending | object | None:
        """The next request waiting (or the stop), without blocking; None if none."""
        if self._carried:
            return self._carried.popleft()
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._waiting()
            if first is None:
                first = self._queue.get()
            if first is _STOP:
                return
            assert isinstance(first, _Pending)
            group = [first]
            size = first.size
            while size < self.group_max:
                item = self._waiting()
                if item is None:
                    break
                if item is _STOP:
                    stopping = True
                    break
                assert isinstance(item, _Pending)
                group.append(item)
                size += item.size
            self._commit(group, 0 if stopping else self.group_max - size)

    def _latecomers(self, requests: list[_Pending], room: int) -> Latecomers:
        """`more` for the events lane's `append_group`: the appends that
        arrived since the group was taken (up to `room` events), each added to
        `requests` so its outcome reaches it; taking stops at anything else."""

        def more() -> list[Any]:
            nonlocal room
            works: list[Any] = []
            while room > 0:
                item = self._waiting()
                if item is None:
                    break
                if not isinstance(item, _Pending) or item.lane != EVENTS:
                    self._carried.appendleft(item)
                    break
                requests.append(item)
                works.append(item.work)
                room -= item.size
            return works

        return more

    def _commit(self, group: list[_Pending], room: int = 0) -> None:
        lanes: dict[str, list[_Pending]] = {}
        for pending in group:
            lanes.setdefault(pending.lane, []).append(pending)
        # One wake-up per event loop for the whole group, not one per request.
        answers: dict[asyncio.AbstractEventLoop, list[tuple[_Pending, Outcome]]] = {}
        for lane, requests in lanes.items():
            outcomes = self._transaction(lane, requests, room)
            for pending, outcome in zip(requests, outcomes, strict=True):
                answers.setdefault(pending.loop, []).append((pending, outcome))
        for loop, settled in answers.items():
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                loop.call_soon_threadsafe(_settle_all, settled)

    def _transaction(self, lane: str, requests: list[_Pending], room: int) -> list[Outcome]:
        works = [pending.work for pending in requests]
        try:
            if lane == EVENTS and room > 0:
                more = self._latecomers(requests, room)
                outcomes = append_group(self.store, works, more)
            else:
                outcomes = self._lanes[lane](works)
        except Exception as error:  # the transaction failed: nothing was stored
            outcomes = [error] * len(requests)
            if isinstance(error, StoreUnavailable):
                self.health.failed(error)
        else:
            self.health.wrote()
        self.groups += 1
        self.requests += len(requests)
        return outcomes
