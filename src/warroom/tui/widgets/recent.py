"""An incident's newest entries, as many as fit: under each banner of the
wall's list (`warroom watch` without REF), kept current by the live feed.

Each entry is wrapped whole (time, icon, kind, who, text), never cut to one
line; the newest come last, and an older entry that does not fit whole is
left out.  Only the one newest entry, when it alone is taller than the space,
is cut (its last line shown ends with an ellipsis).  Untrusted text is safe
Content, never markup.  One widget drawn on the line API, its lines made once
per size and set of entries.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from typing import ClassVar

from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget

from warroom.core.describe import describe
from warroom.core.events import Event
from warroom.core.text import clean_line
from warroom.tui.safe import safe
from warroom.tui.widgets.timeline import (
    KIND_LOOK_CLASSES,
    KIND_LOOK_CSS,
    LABEL_WIDTH,
    event_look,
    row_key,
)

KEEP = 40  # entries kept: more than a card on a wall has room for


class RecentEntries(Widget):
    """The newest entries of one incident, top to bottom, as many as fit."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "recent--time",
        "recent--actor",
        "recent--empty",
        *KIND_LOOK_CLASSES,
    }

    DEFAULT_CSS = (
        """
    RecentEntries {
        height: 1fr;
        padding: 0 2;
        & > .recent--time { color: $text-muted; }
        & > .recent--actor { color: $text-secondary; }
        & > .recent--empty { color: $text-muted; text-style: italic; }
"""
        + KIND_LOOK_CSS
        + "    }\n"
    )

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._events: list[Event] = []  # timeline order, the newest KEEP
        self._ids: set[str] = set()
        self._lines: tuple[tuple[int, int], list[Content]] | None = None

    @property
    def events(self) -> list[Event]:
        """The entries kept, oldest first."""
        return list(self._events)

    def add(self, events: Iterable[Event]) -> None:
        """Add entries (read or live; each is kept once), in timeline order."""
        added = False
        for event in events:
            if event.id in self._ids:
                continue
            self._ids.add(event.id)
            insort(self._events, event, key=row_key)
            added = True
        if not added:
            return
        if len(self._events) > KEEP:
            for old in self._events[:-KEEP]:
                self._ids.discard(old.id)
            del self._events[:-KEEP]
        self._lines = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None

    def render_line(self, y: int) -> Strip:
        width, height = self.content_size
        lines = self._fitted(width, height)
        if not 0 <= y < len(lines):
            return Strip.blank(width, self.rich_style)
        line = lines[y].truncate(width, pad=True)
        return Strip(line.render_segments(self.visual_style), width)

    def _fitted(self, width: int, height: int) -> list[Content]:
        if self._lines is None or self._lines[0] != (width, height):
            self._lines = ((width, height), self._make_lines(max(width, 1), height))
        return self._lines[1]

    def _make_lines(self, width: int, height: int) -> list[Content]:
        if not self._events:
            return [Content("no entries yet").stylize(self.get_visual_style("recent--empty"))]
        shown: list[list[Content]] = []
        room = height
        most = width * (height + 1)  # characters: a longer entry cannot fit whole
        for event in reversed(self._events):
            wrapped = self._entry(event, most).wrap(width)
            if len(wrapped) > room:
                if not shown and room > 0:  # the newest alone is taller than the card
                    rest = Content(" ").join(wrapped[room - 1 :])
                    shown.append([*wrapped[: room - 1], rest.truncate(width, ellipsis=True)])
                break
            shown.append(wrapped)
            room -= len(wrapped)
        return [line for entry in reversed(shown) for line in entry]

    def _entry(self, event: Event, most: int) -> Content:
        look = event_look(event)
        when = event.occurred_at.astimezone().strftime("%H:%M")
        text = clean_line(describe(event)[:most])
        return Content.assemble(
            (f"{when} ", self.get_visual_style("recent--time")),
            (
                f"{look.icon} {look.label:<{LABEL_WIDTH}} ",
                self.get_visual_style(f"timeline--kind-{look.look}"),
            ),
            (f"{clean_line(event.actor)} ", self.get_visual_style("recent--actor")),
            safe(text),
        )
