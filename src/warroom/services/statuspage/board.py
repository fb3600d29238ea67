"""The public incidents of a store, kept current cheaply.  The first read
scans every incident (skipping drills and those ended 90 days before their
last change, known from their state alone); afterwards only the incidents
that have new events (one read of the events since the last look) are read
again, and the page is rebuilt only when what the public sees changed (or a
minute passed: the 90-day window moves).  An internal note costs a read of
one incident's events, not a new page."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.incident import Incident
from warroom.core.statuspage.config import PageConfig
from warroom.core.statuspage.model import (
    HISTORY,
    PublicIncident,
    PublicPage,
    build_page,
    public_incident,
)
from warroom.store.base import Store

CHANGES_MAX = 10_000  # new events read at once; more than that: scan everything again
REBUILD_EVERY = timedelta(minutes=1)  # the 90-day window moves with the clock


class PublicBoard:
    """The page over `store`, rebuilt when its public incidents change.  Safe
    to use from several threads (the server's workers)."""

    def __init__(self, store: Store, config: PageConfig, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self._public: dict[str, PublicIncident] = {}
        self._gseq: int | None = None  # the newest event looked at
        self._page: PublicPage | None = None
        self._built_at: datetime | None = None
        self._lock = threading.Lock()
        self._since = clock.now()  # the page's updated_at while nothing is public

    def page(self) -> PublicPage:
        """The page as of the store's newest event."""
        with self._lock:
            gseq = self.store.last_gseq()
            changed = self._refresh(gseq) if gseq != self._gseq else False
            self._gseq = gseq
            now = self.clock.now()
            stale = self._built_at is None or now - self._built_at >= REBUILD_EVERY
            if self._page is None or changed or stale:
                incidents = list(self._public.values())
                self._page = build_page(self.config, incidents, now, self._since)
                self._built_at = now
            return self._page

    def seen_gseq(self) -> int:
        """The store's newest event the page has looked at (reads the page first
        if it never did): a live stream started after it misses nothing."""
        with self._lock:
            seen = self._gseq
        if seen is None:
            self.page()
            with self._lock:
                seen = self._gseq
        return seen or 0

    def _refresh(self, gseq: int) -> bool:
        """Read what changed since the last look; whether the public view did."""
        if self._gseq is None:
            return self._scan()
        events = self.store.events_after(self._gseq, None, CHANGES_MAX)
        if len(events) >= CHANGES_MAX:
            return self._scan()
        changed = False
        for incident_id in dict.fromkeys(event.incident_id for event in events):
            changed |= self._reread(self.store.incident(incident_id))
        return changed

    def _scan(self) -> bool:
        before = dict(self._public)
        self._public.clear()
        since = self.clock.now() - HISTORY
        for incident in self.store.incidents(include_closed=True):
            if incident.is_open(self.store.catalog) or (
                incident.updated_at is None or incident.updated_at >= since
            ):
                self._reread(incident)
        return self._public != before

    def _reread(self, incident: Incident) -> bool:
        """Read one incident's public view again; whether it changed."""
        old = self._public.get(incident.id)
        new = None
        if not incident.drill:
            new = public_incident(self.store.events(incident.id), self.store.catalog)
        if new is None:
            self._public.pop(incident.id, None)
        else:
            self._public[incident.id] = new
        return new != old
