"""The Store contract: one protocol, several backends, one contract test suite."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from warroom.core.catalog import Catalog
from warroom.core.errors import NotFound
from warroom.core.events import Event
from warroom.core.incident import Incident

REF_HELP = "use INC-7, 7, or at least 6 hex characters of the incident's id"
_NUMBER_REF = re.compile(r"^(?:inc-?)?(\d+)$", re.IGNORECASE)
_HEX_REF = re.compile(r"^[0-9a-f][0-9a-f-]{5,35}$", re.IGNORECASE)


@runtime_checkable
class Store(Protocol):
    """Where incidents' events live.  Methods raise WarroomError subclasses."""

    catalog: Catalog

    def append(self, event: Event) -> Event:
        """Validate and store one event; return it as stored (seq, gseq set).

        Appending an id that is already stored returns the stored event and
        changes nothing; the same id with other content raises Conflict.  A
        refused event raises Refused and leaves no trace.
        """
        ...

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        """Append several events in one transaction: all are stored or none."""
        ...

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        """An incident's events with seq > after_seq, in seq order."""
        ...

    def events_before(
        self, incident_id: str, before_seq: int | None = None, limit: int = 1000
    ) -> list[Event]:
        """Up to `limit` of an incident's events with seq < before_seq (None: the
        newest), in seq order: a long timeline loads its newest screen first."""
        ...

    def events_after(
        self, after_gseq: int, incident_id: str | None = None, limit: int = 1000
    ) -> list[Event]:
        """Events with gseq > after_gseq (of one incident or all), in gseq order."""
        ...

    def incident(self, incident_id: str) -> Incident:
        """The current state of one incident; NotFound if there is none."""
        ...

    def incidents(self, include_closed: bool = False) -> list[Incident]:
        """Incidents, most severe first; open ones only unless include_closed."""
        ...

    def resolve(self, ref: str) -> str:
        """The incident id a reference (INC-7, 7, or an id prefix) names."""
        ...

    def last_gseq(self) -> int:
        """The newest gseq in the store (0 when empty)."""
        ...

    def watch(self, after_gseq: int = 0, incident_id: str | None = None) -> AsyncIterator[Event]:
        """New events after `after_gseq`, as they are committed, exactly once each."""
        ...

    def close(self) -> None: ...


def parse_ref(ref: str) -> tuple[int | None, str | None]:
    """Split a reference into (INC number, lowercase id prefix to try next).

    Six or more bare digits could be either: the number is tried first, then
    the prefix (about 6% of ids start with six digits)."""
    text = ref.strip()
    number = _NUMBER_REF.match(text)
    if number:
        digits_prefix = text if text.isdigit() and len(text) >= 6 else None
        return int(number[1]), digits_prefix
    if _HEX_REF.match(text):
        return None, text.lower()
    raise NotFound(f"{ref!r} is not an incident reference; {REF_HELP}")


def sort_incidents(incidents: list[Incident]) -> list[Incident]:
    """Most severe first, then newest first."""
    return sorted(incidents, key=lambda inc: (inc.severity, -(inc.number or 0)))
