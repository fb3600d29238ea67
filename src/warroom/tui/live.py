"""The live feed: what any terminal commits reaches the open screen unasked.

`LiveFeed` iterates `store.watch(after_gseq, incident_id)` in a thread worker
that runs its own asyncio loop, so neither the watch's polling nor a busy or
locked store ever blocks the UI loop.  Events are collected and posted to the
owning screen as `LiveEvents` batches (tui/messages.py) (one message per burst, not per event).
If the store fails, the feed reports it with `LiveTrouble` and resumes after a
pause from the last event it delivered, without gaps or duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from warroom.core.events import Event
from warroom.store.base import Store
from warroom.tui.messages import LiveEvents, LiveTrouble
from warroom.tui.safe import notify

FLUSH_INTERVAL = 0.03  # seconds: how long events may wait before being posted
BATCH_LIMIT = 2000  # events per message at most
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0)


def notify_trouble(node: DOMNode, message: LiveTrouble) -> None:
    """Say that live updates paused (and why), or resumed."""
    if message.error:
        notify(node, f"live updates paused: {message.error}", severity="warning")
    else:
        notify(node, "live updates resumed")


class LiveFeed:
    """Watch a store for one incident (or all) and post batches to `owner`."""

    def __init__(
        self,
        owner: DOMNode,
        store: Store,
        after_gseq: int,
        incident_id: str | None = None,
    ) -> None:
        self.owner = owner
        self.store = store
        self.cursor = after_gseq
        self.incident_id = incident_id
        self._buffer: list[Event] = []
        self._stopped = False
        self._worker: Worker[None] | None = None

    def start(self) -> Worker[None]:
        self._worker = self.owner.run_worker(
            self._run, thread=True, group="live", name="live feed", exit_on_error=False
        )
        return self._worker

    def stop(self) -> None:
        """Stop watching (from the UI loop); the thread ends within a flush interval."""
        self._stopped = True
        if self._worker is not None:
            self._worker.cancel()

    # -- in the worker thread -------------------------------------------------

    def _run(self) -> None:
        worker = get_current_worker()
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._main(worker))
        finally:
            loop.close()

    async def _main(self, worker: Worker[None]) -> None:
        delays = iter(RETRY_DELAYS)
        troubled = False
        while not self._done(worker):
            watcher = asyncio.ensure_future(self._consume())
            flusher = asyncio.ensure_future(self._flush_until(worker, watcher))
            try:
                if troubled:
                    await asyncio.wait([watcher], timeout=RETRY_DELAYS[0])
                    if not watcher.done():
                        self.owner.post_message(LiveTrouble(self, None))
                        troubled = False
                        delays = iter(RETRY_DELAYS)
                await watcher
            except asyncio.CancelledError:
                break
            except Exception as error:  # the store failed: report, wait, resume
                self._flush()
                self.owner.post_message(LiveTrouble(self, str(error)))
                troubled = True
                await asyncio.sleep(next(delays, RETRY_DELAYS[-1]))
            finally:
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher
                self._flush()

    async def _consume(self) -> None:
        stream = self.store.watch(self.cursor, self.incident_id)
        try:
            async for event in stream:
                self._buffer.append(event)
                if len(self._buffer) >= BATCH_LIMIT:
                    self._flush()
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]

    async def _flush_until(self, worker: Worker[None], watcher: asyncio.Future[None]) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            self._flush()
            if self._done(worker):
                watcher.cancel()
                return

    def _flush(self) -> None:
        if not self._buffer or self._stopped:
            return
        batch, self._buffer = self._buffer, []
        self.cursor = batch[-1].gseq or self.cursor
        self.owner.post_message(LiveEvents(self, batch))

    def _done(self, worker: Worker[None]) -> bool:
        return self._stopped or worker.is_cancelled
