"""A small builder for an incident's log: events made with `make_event`,
checked by `validate` as a store would, and numbered like a store numbers them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.events import Event, make_event, new_id
from warroom.core.fold import fold
from warroom.core.incident import Incident
from warroom.core.validate import validate

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=1)  # "now" for validation: after every event built here


def minutes(n: float) -> datetime:
    """T0 plus n minutes."""
    return T0 + timedelta(minutes=n)


class Log:
    """One incident's events, in seq order, with seq and gseq assigned here.

    Each event is first checked with `validate` against the folded state so
    far (pass `check=False` to skip that), so the fold sees what a store
    would have stored.
    """

    def __init__(self, catalog: Catalog | None = None, incident_id: str | None = None) -> None:
        self.catalog = catalog or Catalog.default()
        self.incident_id = incident_id or new_id()
        self.events: list[Event] = []

    def add(
        self,
        kind: str,
        data: dict[str, Any],
        actor: str = "alice",
        at: datetime | None = None,
        base_seq: int | None = None,
        check: bool = True,
    ) -> Event:
        """Append an event; by default it happens one minute after the last one
        and its author has seen every event before it."""
        seq = len(self.events) + 1
        occurred = at or minutes(seq - 1)
        base = seq - 1 if base_seq is None else base_seq
        event = make_event(self.incident_id, kind, actor, data, occurred, base)
        if check:
            state = self.state() if self.events else None
            event = validate(state, event, self.catalog, LATER)
        stored = event.stored(seq=seq, gseq=1000 + seq, recorded_at=max(occurred, minutes(seq)))
        self.events.append(stored)
        return stored

    def declare(
        self,
        actor: str = "alice",
        title: str = "Checkout API 502s",
        severity: int = 2,
        at: datetime | None = None,
        **extra: Any,
    ) -> Event:
        return self.add(
            "declared", {"title": title, "severity": severity, **extra}, actor=actor, at=at
        )

    def state(self) -> Incident:
        return fold(self.events, self.catalog)

    @property
    def last_seq(self) -> int:
        return len(self.events)
