"""The http store's delivery: the outbox sent to the server, in order, exactly once.

One sender per outbox file at a time (an OS lock on a file beside it)
delivers the outbox in order, each event's `id` being its idempotency key, so
an event typed while the server is unreachable is delivered later exactly
once, also after the client was killed.  What the server stored leaves the
outbox and enters the replica in one transaction.  An event the server
refuses on delivery is kept as `rejected` with the server's reason; one the
caller is still waiting for is refused to the caller instead (Refused /
Conflict), as every store does.  While events are pending a background thread
keeps trying, with backoff; `sync` and `finish` deliver before a command ends.
With several servers' URLs, a delivery whose answer never came goes on to the
next URL at once (the ids make it safe to repeat).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.errors import Refused
from warroom.core.events import Event
from warroom.store.outbox import PENDING, REJECTED, Group, Outbox, SyncReport
from warroom.store.replica import Replica
from warroom.store.transport import (
    REQUEST_TIMEOUT,
    TokenRefused,
    Transport,
    Unreachable,
    error_of,
    json_of,
    refusal,
)

try:  # POSIX; elsewhere one sender per process is all that is enforced
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FLUSH_SECONDS = 2.0  # how long a command tries to deliver what is pending before it exits
SEND_EVENTS = 200  # events per delivery request (whole groups only)
SEND_RETRY = (0.1, 5.0)  # backoff between delivery attempts (doubling)
SENDER_IDLE = 5.0  # the background sender looks at the outbox at least this often


class Sender:
    """Delivers one outbox file to its server, as that file's one sender."""

    def __init__(
        self,
        transport: Transport,
        outbox: Outbox,
        replica: Replica,
        catalog: Callable[[], Catalog],
    ) -> None:
        self.transport = transport
        self.outbox = outbox
        self.replica = replica
        self._catalog = catalog
        path = outbox.file.path
        self._lock_path = path.with_name(path.name + ".lock")
        self.delivered = 0  # events this sender delivered
        self.token_problem: str | None = None
        self._queued_here: set[int] = set()  # groups appended through this store
        self._synced = False
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()

    # -- what a write waits for ------------------------------------------------------

    def deliver(self, group: int, wait: float, check: Callable[[int], None]) -> None:
        """Deliver a group just queued (for up to `wait` s) and raise what the
        server refused.  If the server cannot be reached, `check` validates the
        group against the cached state (raising Refused) and it stays pending,
        delivered in the background."""

        def done() -> bool:
            return self.outbox.group_state(group)[0] == 0

        outcome = "skipped"
        if self.transport.may_try():
            outcome = self.flush(wait, retry=False, until=done)
        pending, rejected = self.outbox.group_state(group)
        if rejected is not None:
            self.outbox.drop_group(group)
            raise refusal(rejected.code, rejected.reason or "refused by the server")
        if pending == 0:
            return
        if outcome == "auth":
            self.outbox.drop_group(group)
            raise TokenRefused(self.token_problem or "the server refused the token")
        try:
            check(group)
        except Refused:
            pending, rejected = self.outbox.group_state(group)
            if pending == 0 and rejected is None:
                return  # another sender delivered it meanwhile
            self.outbox.drop_group(group)
            raise
        self._queued_here.add(group)
        self.wake()

    def sync(self, wait: float, refresh: Callable[[], bool]) -> SyncReport:
        """Deliver what is pending now (retrying for up to `wait` s), `refresh`
        the replica, and report what is still pending or was rejected."""
        before, deadline = self.delivered, time.monotonic() + wait
        outcome = self.flush(wait, retry=True)
        reachable = refresh() and outcome != "unreachable"
        if reachable and outcome == "empty" and self.outbox.count(PENDING):
            # Events that arrived meanwhile (from another file of the store,
            # adopted on first contact: `warroom.store.outboxes`).
            outcome = self.flush(max(deadline - time.monotonic(), 0), retry=True)
        problem = self.token_problem if outcome == "auth" else None
        self._synced = True  # the report says it all: `finish` adds nothing
        return SyncReport(
            delivered=self.delivered - before,
            pending=self.outbox.entries((PENDING,)),
            rejected=self.outbox.entries((REJECTED,)),
            reachable=reachable,
            problem=problem,
        )

    def finish(self, wait: float, stale_note: Callable[[], str | None]) -> list[str]:
        """Before a command exits: try to deliver what is pending (for up to
        `wait` s), and say what a person should know, one line each."""
        self.stop()
        if self._synced:
            return []
        # No connection at all, or a full disk: trying again for `wait` s is
        # only a stall before saying so (a refusal arrives in microseconds).
        if self.outbox.count(PENDING) and self.transport.hopeless is None:
            self.flush(wait, retry=True)
        notes: list[str] = []
        mine = [self.outbox.group_state(group) for group in sorted(self._queued_here)]
        rejected = [entry for _, entry in mine if entry is not None]
        for entry in rejected:
            notes.append(f"rejected by the server: {entry.reason} (kept; `warroom sync` lists it)")
        if any(pending for pending, _ in mine):
            why = self.transport.hopeless or "server unreachable"
            if self.token_problem:
                why = f"server refused the token ({self.token_problem})"
            notes.append(f"queued: {why}, {self.outbox.count(PENDING)} pending")
        else:
            stale = stale_note()
            if stale is not None:
                notes.append(stale)
        return notes

    # -- sending ---------------------------------------------------------------------

    def flush(self, wait: float, retry: bool, until: Callable[[], bool] | None = None) -> str:
        """Deliver the outbox, in order, as the one sender of this file.

        "empty": nothing is left pending; "unreachable"; "auth": the token was
        refused; "busy": another sender held the file all along.  With `retry`,
        keep trying (with backoff) for up to `wait` seconds."""
        deadline = time.monotonic() + wait
        delay = SEND_RETRY[0]
        while True:
            outcome = "busy"
            lock = self._lock_sender(deadline, until)
            if lock is not None:
                try:
                    outcome = self._send_all()
                finally:
                    _unlock(lock)
            if outcome in ("empty", "auth") or (until is not None and until()):
                return outcome
            remaining = deadline - time.monotonic()
            if (not retry and outcome != "busy") or remaining <= 0:
                return outcome
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, SEND_RETRY[1])

    def _lock_sender(self, deadline: float, until: Callable[[], bool] | None) -> int | None:
        """Take the outbox's sender lock (a new descriptor each time, so threads
        of this process exclude each other too); None if it stayed taken."""
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is None:  # pragma: no cover
            return fd
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline or (until is not None and until()):
                    os.close(fd)
                    return None
                time.sleep(0.02)

    def _send_all(self) -> str:
        while True:
            groups = self.outbox.pending_groups(SEND_EVENTS)
            if not groups:
                return "empty"
            try:
                self._post(groups)
            except Unreachable:
                return "unreachable"
            except TokenRefused as error:
                self.token_problem = str(error)
                return "auth"

    def _post(self, groups: list[Group]) -> None:
        events = [event for group in groups for event in group.events]
        body = {"events": [_wire(event) for event in events]}
        try:
            answer = self.transport.call("POST", "/events/batch", idempotent=True, json=body)
            if answer.status_code == 409:  # a retry of an id still being written
                raise Unreachable("the server is still writing an earlier attempt")
        except Unreachable as error:
            self.outbox.attempted([group.id for group in groups], str(error))
            raise
        if answer.status_code == 201:
            stored = [Event.from_dict(raw) for raw in json_of(answer)["events"]]
            catalog = self._catalog()
            self.outbox.delivered(
                [event.id for event in events],
                lambda conn: self.replica.ingest_in(conn, stored, catalog),
            )
            self.delivered += len(events)
            return
        code, detail = error_of(answer)
        if answer.status_code == 403:
            raise TokenRefused(f"the server refused to store events with this token: {detail}")
        if len(groups) > 1:  # find which group it was: each on its own
            for group in groups:
                self._post([group])
            return
        self.outbox.reject(groups[0].id, code, detail)

    # -- the background sender -------------------------------------------------------

    def wake(self) -> None:
        """Keep delivering in the background (with backoff) while events are pending."""
        self._wake.set()
        if self._stop.is_set():
            return
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._send_loop, name="warroom-sender")
            self._thread.daemon = True
            self._thread.start()

    def wake_if_pending(self) -> None:
        if self.outbox.count(PENDING):
            self.wake()

    def _send_loop(self) -> None:
        delay = SEND_RETRY[0]
        while not self._stop.is_set():
            try:
                if self.outbox.count(PENDING) == 0:
                    self._wake.wait(SENDER_IDLE)
                    self._wake.clear()
                    continue
                # While the transport backs off after a failure (a command that
                # just queued, then exits), no attempt keeps `stop` waiting.
                outcome = self.flush(0, retry=False) if self.transport.may_try() else "backoff"
            except Exception:  # never kill the app over a background retry
                outcome = "error"
            if outcome == "empty":
                delay = SEND_RETRY[0]
                continue
            self._wake.wait(delay)
            self._wake.clear()
            delay = min(delay * 2, SEND_RETRY[1])

    def stop(self) -> None:
        """Stop the background sender (for good: `finish` and closing)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(REQUEST_TIMEOUT)
            self._thread = None


def _unlock(fd: int) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _wire(event: Event) -> dict[str, Any]:
    raw = event.to_dict()
    return {key: raw[key] for key in ("id", "incident_id", "kind", "actor", "occurred_at",
                                      "base_seq", "data")}  # fmt: skip
