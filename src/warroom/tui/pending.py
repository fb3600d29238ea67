"""My events the server has not stored yet, in the war room.

Against a server (the http store) an event typed while the server is
unreachable is queued in the outbox and comes back from `append` with seq
None.  The room shows it at once, marked pending, and its effect on the state
(a status, a summary) too; once the server has stored it, it arrives through
the live feed like any other event and takes the pending one's place: shown
once, never twice.  An event the server refuses on delivery stays in the
timeline, marked rejected, and its effect is taken back.

`RoomState` keeps the state of what the server stored (`confirmed`) apart from
my pending events, and shows the two together (`state`): an event is never
applied twice, and the server's order wins once it is known.  With the SQLite
store nothing is ever pending and `state` is `confirmed` itself.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warroom.core.catalog import Catalog
from warroom.core.events import Event
from warroom.core.fold import apply, fold
from warroom.core.incident import Incident
from warroom.store.base import RemoteStore, Store

REJECTED = "rejected"  # the outbox state of an event the server refused
FIRST_PAGE = 120  # the newest events a room opens with (more than a screen at 200x60)


@dataclass(frozen=True, slots=True)
class RoomLoad:
    """What a room opens with: the stored state, its newest events, my pending
    ones, and mine that the server refused (with its reasons)."""

    confirmed: Incident
    page: list[Event]
    pending: list[Event]
    rejected: list[tuple[Event, str]]


def pending_events(store: Store, incident_id: str) -> list[Event]:
    """The incident's events queued here and not yet stored (none with SQLite)."""
    return store.pending_events(incident_id) if isinstance(store, RemoteStore) else []


def rejected_events(store: Store, incident_id: str) -> list[tuple[Event, str]]:
    """The incident's events queued here that the server refused, with its reasons."""
    if not isinstance(store, RemoteStore):
        return []
    return [
        (entry.event, entry.reason or "refused")
        for entry in store.outbox((REJECTED,))
        if entry.event.incident_id == incident_id
    ]


def load_room(
    store: Store, incident_id: str, catalog: Catalog, first_page: int = FIRST_PAGE
) -> RoomLoad:
    """Read a room's state, its newest `first_page` events and my pending ones
    (blocking: call it from a worker)."""
    incident = store.incident(incident_id)
    if not pending_events(store, incident_id):
        page = store.events_before(incident_id, incident.last_seq + 1, first_page)
        return RoomLoad(incident, page, [], rejected_events(store, incident_id))
    # The store's state has my pending events applied; the room keeps them
    # apart, so it folds the stored log.  The pending ones are read after the
    # log: one delivered in between is in the log, or arrives live.
    log = store.events(incident_id)
    confirmed = fold(log, catalog) if log else Incident(id=incident_id)
    confirmed.number = incident.number
    pending = pending_events(store, incident_id)
    return RoomLoad(confirmed, log[-first_page:], pending, rejected_events(store, incident_id))


def with_pending(confirmed: Incident, pending: Iterable[Event], catalog: Catalog) -> Incident:
    """The stored state with pending events applied on top (a copy; the same
    object when nothing is pending)."""
    events = list(pending)
    if not events:
        return confirmed
    state = copy.deepcopy(confirmed)
    for event in events:
        apply(state, event, catalog)
    return state


class RoomState:
    """An incident's state as the room shows it: stored, plus my pending events."""

    def __init__(self, catalog: Catalog, loaded: RoomLoad) -> None:
        self.catalog = catalog
        self.confirmed = loaded.confirmed
        self.pending: dict[str, Event] = {event.id: event for event in loaded.pending}
        self.rejected = {event.id: reason for event, reason in loaded.rejected}
        self._stored: set[str] = set()  # ids received live: never shown pending again
        self.state = with_pending(self.confirmed, self.pending.values(), catalog)

    @staticmethod
    def shown(loaded: RoomLoad) -> list[Event]:
        """The events a room's timeline opens with."""
        return [*loaded.page, *loaded.pending, *(event for event, _ in loaded.rejected)]

    def stored(self, events: Sequence[Event]) -> list[Event]:
        """Events the store holds (the live feed): those new to the room, in
        order, applied; a pending one among them is pending no more."""
        fresh = [event for event in events if (event.seq or 0) > self.confirmed.last_seq]
        for event in fresh:
            apply(self.confirmed, event, self.catalog)
            self._stored.add(event.id)
            self.pending.pop(event.id, None)
        if fresh:
            self._update()
        return fresh

    def queued(self, event: Event) -> bool:
        """An event of mine that could only be queued; False if the room has it already."""
        if event.seq is not None or event.id in self._stored or event.id in self.pending:
            return False
        self.pending[event.id] = event
        self._update()
        return True

    def refused(self, reasons: dict[str, str]) -> dict[str, str]:
        """Pending events the server refused on delivery (id -> reason): their
        effect is taken back; returns the ones new to the room."""
        new = {key: reason for key, reason in reasons.items() if key in self.pending}
        for key in new:
            del self.pending[key]
        if new:
            self.rejected.update(new)
            self._update()
        return new

    def _update(self) -> None:
        self.state = with_pending(self.confirmed, self.pending.values(), self.catalog)
