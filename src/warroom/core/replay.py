"""Replay: an incident as it stood after any one of its events.

Event sourcing makes the past free.  `Replay` walks an incident's events in
seq order (the order the room learnt them) and gives the folded state after
the event at a position: exactly `fold(events[: position + 1])`.  Moving one
step forward applies one event; a jump back or far ahead starts from the
nearest checkpoint (a snapshot kept every `CHECKPOINT_EVERY` events), so any
position costs at most that many event applications.

Landmarks are the positions a postmortem meeting jumps between: the
declaration, status changes and milestones.
"""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from warroom.core.catalog import Catalog
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident

CHECKPOINT_EVERY = 128
LANDMARK_KINDS = frozenset({"declared", "status_changed", "milestone"})


@dataclass(frozen=True, slots=True)
class Position:
    """Where a replay stands: the event just applied and how far along it is."""

    index: int  # 0-based position in seq order
    total: int
    event: Event

    @property
    def label(self) -> str:
        """`event 12 of 40 · seq 12`: the scrubber's words."""
        return f"event {self.index + 1} of {self.total} · seq {self.event.seq}"


class Replay:
    """The states of one incident, event by event (pure: no store, no clock)."""

    def __init__(
        self, events: Sequence[Event], catalog: Catalog, number: int | None = None
    ) -> None:
        if not events:
            raise ValueError("an incident to replay needs at least its declared event")
        self.events = sorted(events, key=lambda event: event.seq or 0)
        self.catalog = catalog
        self.number = number  # INC-n comes from the store, not the log
        self.landmarks = [
            index for index, event in enumerate(self.events) if event.kind in LANDMARK_KINDS
        ]
        self._checkpoints: dict[int, dict] = {}
        self._state: Incident | None = None
        self._at = -1

    def __len__(self) -> int:
        return len(self.events)

    @property
    def last(self) -> int:
        return len(self.events) - 1

    def position(self, index: int) -> Position:
        index = self.clamp(index)
        return Position(index, len(self.events), self.events[index])

    def clamp(self, index: int) -> int:
        return max(0, min(self.last, index))

    def state_at(self, index: int) -> Incident:
        """The incident after the event at `index` (a fresh object each call)."""
        index = self.clamp(index)
        if self._state is None or index < self._at or index - self._at > CHECKPOINT_EVERY:
            start = max((c for c in self._checkpoints if c <= index), default=None)
            if start is None:
                self._state, self._at = Incident(id=self.events[0].incident_id), -1
            else:
                self._state = Incident.from_snapshot(copy.deepcopy(self._checkpoints[start]))
                self._at = start
        while self._at < index:
            self._at += 1
            apply(self._state, self.events[self._at], self.catalog)
            if self._at % CHECKPOINT_EVERY == 0 and self._at not in self._checkpoints:
                self._checkpoints[self._at] = self._state.to_snapshot()
        state = Incident.from_snapshot(self._state.to_snapshot())
        state.number = self.number
        return state

    def next_landmark(self, index: int) -> int:
        """The first landmark after `index` (or the last event)."""
        found = bisect_right(self.landmarks, index)
        return self.landmarks[found] if found < len(self.landmarks) else self.last

    def previous_landmark(self, index: int) -> int:
        """The last landmark before `index` (or the first event)."""
        found = bisect_left(self.landmarks, index)
        return self.landmarks[found - 1] if found > 0 else 0
