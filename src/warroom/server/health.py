"""Whether the store can write, as the server last saw it.

A write that fails because the store is unavailable (above all: the disk is
full) makes the server degraded until a write succeeds again.  The cause is
logged (with the file's path: the log is the operator's) at most once per
STORE_LOG_SECONDS, `/healthz` reports the degradation (without paths), and
clients get a 503 whose code says why (`storage_full`); their events stay
queued in their outboxes, so nothing is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from warroom.core.errors import StorageFull, StoreUnavailable
from warroom.server.limits import STORE_LOG_SECONDS

log = logging.getLogger("warroom.server")

FULL_REASON = "the store cannot write: its disk is full"
UNAVAILABLE_REASON = "the store cannot write"


def public_reason(error: StoreUnavailable) -> tuple[str, str]:
    """(code, one line without paths) for a client or a probe."""
    if isinstance(error, StorageFull):
        return "storage_full", FULL_REASON
    return "unavailable", UNAVAILABLE_REASON


class StoreHealth:
    """The store's write health, shared by the writer thread and the event loop."""

    def __init__(
        self, interval: float = STORE_LOG_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._problem: str | None = None
        self._logged_at: float | None = None
        self._unlogged = 0

    @property
    def reason(self) -> str | None:
        """Why the store cannot write (no paths), or None if it can."""
        return self._problem

    def failed(self, error: StoreUnavailable) -> None:
        """A write failed: degraded from now; log the cause."""
        with self._lock:
            self._problem = public_reason(error)[1]
        self.noted(error)

    def noted(self, error: StoreUnavailable) -> None:
        """Log the cause of a failed request, at most once per interval."""
        now = self._clock()
        with self._lock:
            if self._logged_at is not None and now - self._logged_at < self.interval:
                self._unlogged += 1
                return
            self._logged_at, unlogged, self._unlogged = now, self._unlogged, 0
        more = f" ({unlogged} more failed writes since the last message)" if unlogged else ""
        log.error(
            "%s; requests are refused with 503 and clients keep their events queued%s",
            error,
            more,
        )

    def wrote(self) -> None:
        """A write succeeded: healthy again."""
        if self._problem is None:
            return
        with self._lock:
            was, self._problem = self._problem, None
            self._logged_at, self._unlogged = None, 0
        if was is not None:
            log.warning("the store writes again")
