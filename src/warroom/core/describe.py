"""One line of text for each event: the timeline, CSV and reports share it.

Each kind's line is its `describe` facet in the registry (`warroom.core.kinds`).
"""

from __future__ import annotations

from warroom.core.events import Event
from warroom.core.kinds import KIND_LABELS, KINDS, kind_label

__all__ = ["KIND_LABELS", "describe", "kind_label"]


def describe(event: Event) -> str:
    """The event as one line of (uncleaned) text; unknown kinds show their data."""
    spec = KINDS.get(event.kind)
    if spec is None:
        return f"{event.kind} {event.data}"
    try:
        return spec.describe(event.data)
    except (KeyError, TypeError):
        return f"{event.kind} {event.data}"
