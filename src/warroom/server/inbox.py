"""The `inbox` event of the all-incidents stream: the alert inbox changed.

Whatever changes the inbox in the server (an intake, a declare, an attach,
an ignore, a purge; and, seen by the sweeper, a change made by another
process) calls `InboxNotices.changed`.  Changes are coalesced: at most one
notice per `interval`, carrying the inbox's count and critical alerts as they
are when it is sent, the ids of the alerts that changed since the last one
and what changed them.  Ids and counts only: never an alert's text, which a
client reads (with its token's permission) from /api/v1/alerts.

    event: inbox
    data: {"count": 3, "critical": ["9f2c..."], "alerts": ["9f2c...", ...], "causes": ["intake"]}

Nothing is computed while nobody follows the all-incidents stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable

from anyio import to_thread

from warroom.server.hub import Hub
from warroom.server.limits import INBOX_NOTICE_IDS, INBOX_NOTICE_SECONDS
from warroom.store.base import InboxSummary

log = logging.getLogger("warroom.server")
# What changed the inbox; "elsewhere": a change the sweeper saw in the store
# (another process's, e.g. `warroom alert ingest` on the same file).
CAUSES = ("intake", "declare", "attach", "ignore", "purge", "elsewhere")


def inbox_frame(summary: InboxSummary, alerts: Iterable[str], causes: Iterable[str]) -> bytes:
    """The SSE frame of one notice (no `id:`: a client's cursor stays put)."""
    payload = {
        "count": summary.count,
        "critical": list(summary.critical),
        "alerts": list(alerts),
        "causes": sorted(set(causes)),
    }
    return f"event: inbox\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


class InboxNotices:
    """Coalesces inbox changes into notices on the hub (used on the event loop)."""

    def __init__(
        self,
        hub: Hub,
        summary: Callable[[], InboxSummary],
        interval: float = INBOX_NOTICE_SECONDS,
    ) -> None:
        self.hub = hub
        self.summary = summary
        self.interval = interval
        self._alerts: dict[str, None] = {}  # ordered, each once
        self._causes: set[str] = set()
        self._if_different = True  # every pending change is one that may be no change
        self.last: InboxSummary | None = None  # as the last notice told it
        self._task: asyncio.Task[None] | None = None
        self.sent = 0  # notices sent (for tests)

    def changed(
        self, cause: str, alerts: Iterable[str] = (), only_if_different: bool = False
    ) -> None:
        """The inbox may have changed (`alerts`: the ids concerned, if known).
        `only_if_different`: tell only if the count or the critical alerts
        differ from the last notice (a change seen from outside, unspecific)."""
        if not self.hub.follows_all:
            return
        self._if_different = self._if_different and only_if_different
        for alert in alerts:
            if len(self._alerts) >= INBOX_NOTICE_IDS:
                break
            self._alerts[alert] = None
        self._causes.add(cause)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._send())

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _send(self) -> None:
        # Wait first: the changes of the next moments go into the same notice.
        await asyncio.sleep(self.interval)
        alerts, self._alerts = list(self._alerts), {}
        causes, self._causes = self._causes, set()
        if_different, self._if_different = self._if_different, True
        try:
            summary = await to_thread.run_sync(self.summary)
        except Exception as error:  # the store cannot be read now: the next change tells
            log.warning("inbox notice: %s: %s", type(error).__name__, error)
            return
        if if_different and summary == self.last:
            return
        self.last = summary
        self.hub.notify_all(inbox_frame(summary, alerts, causes))
        self.sent += 1
