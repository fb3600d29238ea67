"""What every kind of event is made of: `KindSpec`, the base of the data
models' declarations, and the small helpers the families' checks and fold
steps have in common.  No pydantic here: the field types and the models
themselves are in `warroom.core.kinds.fields`, imported on first validation.

Nothing here knows a particular kind; the families (`incident`, `people`,
`entries`, `runbook`, `followups`, `alerts`, `paging`) declare those, and `warroom.core.kinds`
assembles them into the registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident

KIND_NAME = re.compile(r"^[a-z_]+$")

TITLE_MAX = 300
NAME_MAX = 100
TEXT_MAX = 65_536
URL_MAX = 2_048
LABEL_MAX = 9  # a label fits the timeline's and the text timeline's label column

# How a kind is presented: each face maps a category (never a kind) to its look.
# A new category needs its look in the TUI's timeline (a test walks them all).
CATEGORIES: tuple[str, ...] = (
    "declared",
    "change",
    "severity",
    "status",
    "role",
    "note",
    "finding",
    "action",
    "decision",
    "comms",
    "milestone",
    "link",
    "runbook",
    "followup",
    "alert",
    "page",
)


class KindData:
    """The base of every kind's data declaration: a plain class whose
    annotations (strings, written with `warroom.core.kinds.fields`' types) and
    defaults are the fields.  `warroom.core.kinds.data_model` makes it a pydantic
    model (no unknown fields, immutable) on the first validation, so folding,
    describing and drawing events never import pydantic."""


Check = Callable[["Incident | None", dict[str, Any], "Catalog"], None]
"""May an event with this (normalised) data be appended to the incident now?
Raises Refused.  Only `declared` is checked against no incident (None)."""

FoldStep = Callable[["Incident", "Event", "Catalog"], None]
"""What a stored event of this kind changes in the incident's state, in place."""

Describe = Callable[[dict[str, Any]], str]
"""The event's data as one line of (uncleaned) text."""


@dataclass(frozen=True, slots=True)
class KindSpec:
    """Everything about one kind of event, in one entry of the registry."""

    name: str
    """The kind as stored: `[a-z_]+`."""
    model: type[KindData]
    """The shape of its `data`, declared (`data_model(name)` is its pydantic model)."""
    label: str
    """A short word for the timeline's label column (at most LABEL_MAX characters)."""
    description: str
    """One line: what an event of this kind records."""
    category: str
    """Its presentation category (one of CATEGORIES)."""
    check: Check
    """validate's step: may it be appended now?"""
    fold: FoldStep
    """fold's step: what it changes."""
    describe: Describe
    """Its one line of text."""
    loggable: bool = False
    """A free-text entry: `warroom log --kind` takes it and the entry line offers it."""

    def __post_init__(self) -> None:
        if not KIND_NAME.match(self.name):
            raise ValueError(f"kind {self.name!r} is not [a-z_]+")
        if self.category not in CATEGORIES:
            raise ValueError(f"kind {self.name}: unknown category {self.category!r}")
        if not 0 < len(self.label) <= LABEL_MAX:
            raise ValueError(f"kind {self.name}: label must be 1 to {LABEL_MAX} characters")
        if not self.description or "\n" in self.description:
            raise ValueError(f"kind {self.name}: the description is one line")


# -- shared by the families' steps ----------------------------------------------


def accept(state: Incident | None, data: dict[str, Any], catalog: Catalog) -> None:
    """The check of a kind that any incident may take at any time."""


def unchanged(state: Incident, event: Event, catalog: Catalog) -> None:
    """The fold step of a kind that changes no state (it is kept and counted)."""


def record_change(state: Incident, event: Event, field: str) -> None:
    """Record a change of a single-valued field (last writer by seq wins); mark
    it and the change it raced concurrent when its author had not seen that one."""
    previous = state.field_seq.get(field)
    seq = event.seq or 0
    if previous is not None and event.base_seq < previous:
        for marked in (previous, seq):
            if marked not in state.concurrent:
                state.concurrent.append(marked)
    state.field_seq[field] = seq


def with_note(text: str, note: str | None) -> str:
    return f"{text}: {note}" if note else text
