"""The alert inbox, watched for the app: its count, its critical alerts, and
which of them are new.

`InboxMonitor` (one per app, made when the first screen that shows the inbox
asks for it: the home screen, the walls, the alert list; a war room opened
directly never loads the alert services) asks the store's `AlertInbox`
(`warroom.services.alerts.inbox_for`) in a thread worker whether the inbox
moved (`changed()`, cheap), and only then reads its summary and the critical
alerts it has not seen yet (and at least every READ_AT_LEAST_EVERY seconds
whatever it says).  The next poll is scheduled only after the
previous one finished.  Screens subscribe to `changed` (an `InboxState`,
published each time the inbox moved).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import App
from textual.signal import Signal
from textual.timer import Timer

from warroom.store.base import AlertInbox, InboxSummary
from warroom.tui.messages import InboxPolled
from warroom.tui.work import Coalesced

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord

POLL_SECONDS = 1.0  # between the end of one poll and the start of the next
# The summary is read at least this often even when `changed()` stands still: a
# server's inbox hears of changes on the all-incidents stream only, which a
# wall showing one incident does not watch.
READ_AT_LEAST_EVERY = 15.0
TROUBLE_SECONDS = 10.0  # after a failed poll
CRITICAL_SHOWN = 5  # critical alerts read for the banner, newest first


@dataclass(frozen=True, slots=True)
class InboxState:
    """The inbox as last read: its summary, its newest critical alerts (at
    most CRITICAL_SHOWN), and those of them that arrived since the poll before
    (none on the first poll: what is there at start is shown, not announced)."""

    summary: InboxSummary
    version: int = 0  # the inbox's change counter when read: a new one, a list to read again
    critical: tuple[AlertRecord, ...] = ()
    new: tuple[AlertRecord, ...] = ()
    new_more: int = 0  # new critical alerts beyond those read (counted, not named)

    @property
    def count(self) -> int:
        return self.summary.count

    @property
    def critical_count(self) -> int:
        return len(self.summary.critical)


class InboxMonitor:
    """Polls the alert inbox for the app; never overlaps a poll."""

    def __init__(self, app: App[object], open_inbox: Callable[[], AlertInbox]) -> None:
        """`open_inbox` makes the inbox (called once, in the first poll's thread)."""
        self.app = app
        self.state: InboxState | None = None
        self.error: Exception | None = None
        self.changed: Signal[InboxState] = Signal(app, "inbox-changed")
        self._open_inbox = open_inbox
        self._inbox: AlertInbox | None = None
        self._lock = threading.Lock()
        self._version: int | None = None
        self._read_at = 0.0  # time.monotonic() of the last summary read
        self._seen: set[str] = set()  # critical ids seen so far
        self._records: dict[str, AlertRecord] = {}  # critical alerts read, by id
        self._timer: Timer | None = None
        self._stopped = False
        self._started = False
        self._poll = Coalesced(self._start_poll)

    def open(self) -> AlertInbox:
        """The inbox (made on the first call; blocking: call it from a worker)."""
        with self._lock:
            if self._inbox is None:
                self._inbox = self._open_inbox()
            return self._inbox

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._poll.request()

    def poll_now(self) -> None:
        """Look again now (the inbox was just changed here)."""
        if not self._stopped and self._started:
            self._version = None  # read the summary even if the counter did not move
            self._poll.request()

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.stop()

    def _start_poll(self) -> None:
        self.app.run_worker(
            self._read, thread=True, group="refresh", name="inbox poll", exit_on_error=False
        )

    def _read(self) -> None:
        """In the worker thread: ask whether the inbox moved; if so, read it."""
        try:
            inbox = self.open()
            version = inbox.changed()
            fresh = time.monotonic() - self._read_at < READ_AT_LEAST_EVERY
            if version == self._version and fresh:
                self.app.post_message(InboxPolled(version))
                return
            summary = inbox.summary()
            self._read_at = time.monotonic()
            critical = []
            for alert_id in summary.critical[:CRITICAL_SHOWN]:
                record = self._records.get(alert_id) or inbox.get(alert_id)
                critical.append(record)
        except Exception as error:  # the store was busy or has no inbox: look again later
            self.app.post_message(InboxPolled(None, error=error))
            return
        self.app.post_message(InboxPolled(version, summary, tuple(critical)))

    def polled(self, message: InboxPolled) -> None:
        """The app's handler of `InboxPolled`: publish what changed, poll again later."""
        self._poll.finished()
        self.error = message.error
        if message.summary is not None and message.version is not None:
            moved = message.version != self._version
            self._version = message.version
            self._publish(message.version, message.summary, message.critical, moved)
        self._schedule(TROUBLE_SECONDS if message.error is not None else POLL_SECONDS)

    def _publish(
        self,
        version: int,
        summary: InboxSummary,
        critical: tuple[AlertRecord, ...],
        moved: bool,
    ) -> None:
        first = self.state is None
        new: tuple[AlertRecord, ...] = ()
        more = 0
        if not first:
            new = tuple(record for record in critical if record.id not in self._seen)
            more = sum(1 for i in summary.critical[CRITICAL_SHOWN:] if i not in self._seen)
        self._seen = set(summary.critical)
        self._records = {record.id: record for record in critical}
        state = InboxState(summary, version, critical, new, more)
        before = self.state
        self.state = state
        # published on every move (a repeat changes the list, not the summary),
        # and when a read made without one found the inbox changed all the same
        differs = before is None or (summary, critical) != (before.summary, before.critical)
        if moved or differs or new or more:
            self.changed.publish(state)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._stopped and not self._poll.running:
            self._timer = self.app.set_timer(delay, self._poll.request, name="inbox poll")
