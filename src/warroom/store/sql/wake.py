"""Waking a process's watchers: `Notifier` bumps every subscribed `Wake` when
something may have been committed (this process's own commit, or the engine's
news of another's)."""

from __future__ import annotations

import asyncio
import threading


class Wake:
    """One watcher's wake-up: a generation bumped by each commit it hears of."""

    def __init__(self) -> None:
        self.generation = 0
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

    def bump(self) -> None:
        self.generation += 1
        waiter = self._waiter
        if waiter is not None:
            loop, future = waiter
            loop.call_soon_threadsafe(_resolve, future)

    async def wait(self, timeout: float, seen: int) -> None:
        """Sleep up to `timeout`, less if a commit comes after generation `seen`."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiter = (loop, future)
        if self.generation != seen:
            self._waiter = None
            return
        timer = loop.call_later(timeout, _resolve, future)
        try:
            await future
        finally:
            timer.cancel()
            self._waiter = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Notifier:
    """The watchers of one store in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wakes: list[Wake] = []
        self.generation = 0  # how many times it was told of a commit

    def subscribe(self) -> Wake:
        wake = Wake()
        with self._lock:
            self._wakes.append(wake)
        return wake

    def unsubscribe(self, wake: Wake) -> None:
        with self._lock:
            if wake in self._wakes:
                self._wakes.remove(wake)

    def notify(self) -> None:
        with self._lock:
            self.generation += 1
            wakes = list(self._wakes)
        for wake in wakes:
            wake.bump()
