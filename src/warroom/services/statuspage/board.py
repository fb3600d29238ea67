"""The public incidents of a store, kept current cheaply: an incident's events
are read again only when its last seq changed, and nothing is recomputed while
the store's newest gseq stays the same."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class _Seen:
    last_seq: int
    public: PublicIncident | None


class PublicBoard:
    """The page over `store`, rebuilt when the store has new events.  Safe to
    use from several threads (the server's workers)."""

    def __init__(self, store: Store, config: PageConfig, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self._seen: dict[str, _Seen] = {}
        self._gseq = -1
        self._page: PublicPage | None = None
        self._lock = threading.Lock()
        self._since = clock.now()  # the page's updated_at while nothing is public

    def page(self) -> PublicPage:
        """The page as of the store's newest event."""
        with self._lock:
            gseq = self.store.last_gseq()
            if self._page is None or gseq != self._gseq:
                self._page = build_page(self.config, self._public(), self.clock.now(), self._since)
                self._gseq = gseq
            return self._page

    def version(self) -> str:
        """Changes when what the page shows changes (not on internal writes)."""
        from warroom.core.statuspage.shapes import encode, summary

        return hashlib.sha256(encode(summary(self.page()))).hexdigest()[:16]

    def _public(self) -> list[PublicIncident]:
        since = self.clock.now() - HISTORY
        found: list[PublicIncident] = []
        for incident in self.store.incidents(include_closed=True):
            if not self._may_show(incident, since):
                continue
            seen = self._seen.get(incident.id)
            if seen is None or seen.last_seq != incident.last_seq:
                events = self.store.events(incident.id)
                seen = _Seen(incident.last_seq, public_incident(events, self.store.catalog))
                self._seen[incident.id] = seen
            if seen.public is not None:
                found.append(seen.public)
        return found

    def _may_show(self, incident: Incident, since: object) -> bool:
        """False when the incident cannot be on the page, known without its
        events: a drill, or ended and untouched for 90 days."""
        if incident.drill:
            return False
        touched = incident.updated_at
        return incident.is_open(self.store.catalog) or touched is None or touched >= since  # type: ignore[operator]
