"""The replay's scrubber: one line saying where a replay stands.

The position (`event 7 of 18 · seq 7`), when that event happened and when the
room learnt it (local time, then UTC), and a bar across the incident's
recorded time: `━` up to the position, `●` at it, `◆` at the milestones and
status changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual.content import Content
from textual.widget import Widget

from warroom.core.replay import Position, Replay

BAR_MIN = 12  # cells: narrower than this, the times give way to the bar
MARK = "◆"
HERE = "●"


def moment(event_time: datetime, dated: bool = False, utc: bool = True) -> str:
    """`03:09:12 (03:09:12Z)`: local, then UTC (`dated`: `Nov 26 03:09:12 (...)`)."""
    local = event_time.astimezone()
    day = f"{local:%b %d} " if dated else ""
    zulu = f" ({event_time.astimezone(UTC):%H:%M:%S}Z)" if utc else ""
    return f"{day}{local:%H:%M:%S}{zulu}"


def spans_days(replay: Replay) -> bool:
    """Do the incident's events fall on more than one local day?"""
    days = {
        when.astimezone().date()
        for position in (replay.position(0), replay.position(replay.last))
        for when in (position.event.occurred_at, recorded(position))
    }
    return len(days) > 1


def recorded(position: Position) -> datetime:
    """When the room learnt the event (when it happened, for an unstored one)."""
    return position.event.recorded_at or position.event.occurred_at


def fraction(replay: Replay, index: int) -> float:
    """How far into the incident's recorded time the event at `index` is (0 to 1)."""
    first = recorded(replay.position(0))
    span = (recorded(replay.position(replay.last)) - first).total_seconds()
    if span <= 0:
        return index / replay.last if replay.last else 1.0
    return max(0.0, min(1.0, (recorded(replay.position(index)) - first).total_seconds() / span))


def bar(width: int, here: float, marks: list[float]) -> str:
    """`━━━◆━━●───◆──`: `width` cells, the position at `here`, marks at `marks`."""
    if width <= 0:
        return ""
    last = width - 1
    at = round(here * last)
    cells = ["━" if cell < at else "─" for cell in range(width)]
    for mark in marks:
        cells[round(mark * last)] = MARK
    cells[at] = HERE
    return "".join(cells)


class ReplayScrubber(Widget):
    """Where the replay stands, in events and in time (one line)."""

    DEFAULT_CSS = """
    ReplayScrubber {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._variants = ["loading the events…"]
        self._here = 0.0
        self._marks: list[float] = []
        self.text = ""  # the words shown (for tests and screen readers)

    def show(self, replay: Replay, index: int) -> None:
        position = replay.position(index)
        event = position.event
        dated = spans_days(replay)
        # the longest that leaves room for the bar: local and UTC, local only, neither
        self._variants = [
            f"{position.label} · occurred {moment(event.occurred_at, dated, utc)}"
            f" · recorded {moment(recorded(position), dated, utc)}"
            for utc in (True, False)
        ] + [position.label]
        self.text = self._variants[0]
        self._here = fraction(replay, position.index)
        if len(self._marks) != len(replay.landmarks):
            self._marks = [fraction(replay, mark) for mark in replay.landmarks]
        self.refresh()

    def render(self) -> Content:
        width = self.content_size.width
        room = max(width - BAR_MIN - 2, 0)
        text = next((text for text in self._variants if len(text) <= room), self._variants[-1])
        words = Content(text).truncate(room, ellipsis=True)
        if not words.plain:
            return Content(bar(width, self._here, self._marks))
        track = bar(width - words.cell_length - 2, self._here, self._marks)
        return Content.assemble(words, "  ", (track, "bold"))
