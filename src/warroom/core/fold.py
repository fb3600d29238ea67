"""`fold(events) -> Incident`: the one way state is derived from the log.

Each kind's step lives with the kind, in the registry (`warroom.core.kinds`).
Single-valued fields are last-writer-wins by `seq`.  A change whose author had
not seen the previous change to the same field (its `base_seq` is below that
change's seq) is marked concurrent, together with the change it raced; both
stay in the timeline (`record_change`).  Unknown kinds change nothing and are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.core.catalog import Catalog
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.kinds import KINDS, FoldStep
from warroom.core.kinds.base import unchanged

# kind -> its fold step, read once from the registry (apply runs per event; the
# kinds that change nothing, like notes, are left out: no call for them)
_STEPS: dict[str, FoldStep] = {
    name: spec.fold for name, spec in KINDS.items() if spec.fold is not unchanged
}


def fold(events: Iterable[Event], catalog: Catalog | None = None) -> Incident:
    """Fold an incident's events, in seq order, into its current state."""
    catalog = catalog or Catalog.default()
    state: Incident | None = None
    for event in events:
        if state is None:
            state = Incident(id=event.incident_id)
        apply(state, event, catalog)
    if state is None:
        raise ValueError("an incident needs at least its declared event")
    return state


def apply(state: Incident, event: Event, catalog: Catalog) -> None:
    """Apply one stored event to `state` in place."""
    step = _STEPS.get(event.kind)
    if step is not None:
        step(state, event, catalog)
    state.event_count += 1
    if event.seq is not None:
        state.last_seq = max(state.last_seq, event.seq)
    if event.gseq is not None:
        state.last_gseq = max(state.last_gseq, event.gseq)
    state.updated_at = event.recorded_at or event.occurred_at
