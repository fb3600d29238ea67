"""The incident timeline: every event in the order it happened, drawn line by line.

A sorted list of rows is kept in memory and only the lines on screen are drawn
(Textual's line API), so 100k events cost no more per frame than 100.  Live
events are placed with `bisect` (back-dated ones land in place); while the
reader is scrolled up, inserts above the viewport shift `scroll_y` by as many
lines, so what they are reading stays put.  Untrusted text becomes Segments of
`clean_line` text: it is never parsed as markup.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.color import ColorParseError
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.events import Click, Resize
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.core.alerts.events import fired_again
from warroom.core.catalog import Catalog
from warroom.core.describe import describe
from warroom.core.events import Event
from warroom.core.kinds import KINDS, LABEL_MAX, LOG_KINDS, kind_label, kinds_in
from warroom.core.text import clean_line
from warroom.tui.messages import KindFilterChanged

# A kind's look comes from its presentation category (the registry in
# warroom.core.kinds): category -> its icon; the component class of a category
# is `timeline--kind-<category>` (styled in DEFAULT_CSS).  A new category needs
# an icon here and a rule there; a new kind of a known category needs nothing.
_CATEGORY_ICONS: dict[str, str] = {
    "declared": "✱",
    "change": "✎",
    "severity": "▲",
    "status": "●",
    "role": "♦",
    "note": "•",
    "finding": "◉",
    "action": "▶",
    "decision": "◆",
    "comms": "✉",
    "milestone": "⚑",
    "link": "↗",
    "runbook": "□",
    "followup": "⚐",
    "alert": "⚠",
    "page": "☎",
}
# Optional variants of a category's icon, told apart at a glance (a kind not
# listed shows its category's icon).
_ICON_VARIANTS: dict[str, str] = {
    "summary_set": "≡",
    "role_released": "◇",
    "participant_joined": "+",
    "participant_left": "-",
    "step_checked": "✔",
    "step_unchecked": "☐",
    "step_added": "✚",
    "followup_done": "✓",
    "followup_verified": "★",
    "alert_resolved": "○",
    "alerts_summarized": "≋",
    "page_acknowledged": "✓",
    "escalation_exhausted": "✗",
    "nobody_paged": "∅",
}
# Kinds whose rows look unlike the rest of their category (kind -> look).
_KIND_LOOK_VARIANTS: dict[str, str] = {
    "alert_resolved": "alert-resolved",
    "alerts_summarized": "alert-summary",
}
# Looks an event's data chooses (`event_look`): a critical alert, an alert
# that fired again after its incident was resolved.
ALERT_CRITICAL_LOOK = "alert-critical"
ALERT_REOPENED_LOOK = "alert-reopened"
UNKNOWN_LOOK = "unknown"
_UNKNOWN_ICON = "?"
# Categories whose icon takes the colour of the event's severity.
_SEVERITY_TINTED = frozenset({"declared", "severity"})
_LOOK_NAMES = sorted(
    {
        *_CATEGORY_ICONS,
        *_KIND_LOOK_VARIANTS.values(),
        ALERT_CRITICAL_LOOK,
        ALERT_REOPENED_LOOK,
        UNKNOWN_LOOK,
    }
)


@dataclass(frozen=True, slots=True)
class KindLook:
    """How a kind's rows look: icon, look (`timeline--kind-<look>`) and label."""

    icon: str
    look: str
    label: str


def kind_look(kind: str) -> KindLook:
    """The look of `kind`'s rows; a kind not in the registry gets the unknown look."""
    look = _KIND_LOOKS.get(kind)
    if look is None:
        look = KindLook(_UNKNOWN_ICON, UNKNOWN_LOOK, clean_line(kind_label(kind)))
    return look


_KIND_LOOKS: dict[str, KindLook] = {
    name: KindLook(
        _ICON_VARIANTS.get(name) or _CATEGORY_ICONS[spec.category],
        _KIND_LOOK_VARIANTS.get(name, spec.category),
        spec.label,
    )
    for name, spec in KINDS.items()
}


def event_look(event: Event) -> KindLook:
    """The look of one event's row: its kind's, except an alert that fired
    again after its incident was resolved (it stands out: its text says so
    too) and a critical alert."""
    look = kind_look(event.kind)
    if event.kind == "alert_fired":
        if fired_again(event):
            return KindLook("‼", ALERT_REOPENED_LOOK, look.label)
        severity = event.data.get("severity")
        if isinstance(severity, str) and severity.lower() == "critical":
            return KindLook(look.icon, ALERT_CRITICAL_LOOK, look.label)
    return look


# The kind filters `cycle_kind_filter` steps through: (label, kinds); None = all.
KIND_FILTERS: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("all", None),
    ("notes, findings, actions, decisions", frozenset(LOG_KINDS)),
    ("status & severity", kinds_in("status", "severity")),
    ("comms", kinds_in("comms")),
)

# The colour of each look: `.timeline--kind-<look>` rules, shared by every
# widget that shows events with their look (the timeline, the wall's cards).
KIND_LOOK_CSS = """
    & > .timeline--kind-declared { color: $text-error; text-style: bold; }
    & > .timeline--kind-change { color: $text-primary; }
    & > .timeline--kind-severity { color: $text-error; text-style: bold; }
    & > .timeline--kind-status { color: $text-primary; text-style: bold; }
    & > .timeline--kind-role { color: $text-secondary; }
    & > .timeline--kind-note { color: $foreground; }
    & > .timeline--kind-finding { color: $text-warning; }
    & > .timeline--kind-action { color: $text-success; }
    & > .timeline--kind-decision { color: $text-accent; text-style: bold; }
    & > .timeline--kind-comms { color: $text-secondary; text-style: bold; }
    & > .timeline--kind-milestone { color: $text-success; text-style: bold; }
    & > .timeline--kind-link { color: $text-primary; text-style: italic; }
    & > .timeline--kind-runbook { color: $text-success; }
    & > .timeline--kind-followup { color: $text-accent; }
    & > .timeline--kind-alert { color: $text-warning; }
    & > .timeline--kind-alert-critical { color: $text-error; text-style: bold; }
    & > .timeline--kind-alert-reopened {
        background: $error 30%; color: $text-error; text-style: bold;
    }
    & > .timeline--kind-alert-resolved { color: $text-success; }
    & > .timeline--kind-alert-summary { color: $text-warning; text-style: italic; }
    & > .timeline--kind-page { color: $text-warning; text-style: bold; }
    & > .timeline--kind-unknown { color: $text-muted; }
"""
KIND_LOOK_CLASSES = frozenset(f"timeline--kind-{look}" for look in _LOOK_NAMES)

LABEL_WIDTH = LABEL_MAX  # "milestone"
ACTOR_MIN, ACTOR_MAX = 6, 16
_UNSTORED = 1 << 62  # sorts events without a seq after stored ones at the same instant
_CACHE_SIZE = 256
_ELLIPSIS = "…"


def row_key(event: Event) -> tuple[datetime, int, str]:
    """Where an event sorts: when it happened, then its seq (then its id)."""
    seq = event.seq if event.seq is not None else _UNSTORED
    return (event.occurred_at, seq, event.id)


_actor_of = attrgetter("actor")


@dataclass(frozen=True, slots=True)
class _Palette:
    base: Style
    time: Style
    actor: Style
    text: Style
    marker: Style
    match: Style
    muted: Style
    cursor: Style  # a background only: the row keeps its colours
    kinds: dict[str, Style]
    severities: dict[int, Style]


def _fit(text: str, cells: int) -> str:
    """`text` cut to at most `cells` cells, with an ellipsis when cut."""
    if cells <= 0:
        return ""
    text = text[: cells * 4 + 4]  # a 10 kB line costs no more than a short one
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, cells - 1) + _ELLIPSIS


def _pad(text: str, cells: int) -> str:
    """`text` cut or padded to exactly `cells` cells."""
    fitted = _fit(text, cells)
    return fitted + " " * (cells - cell_len(fitted))


class TimelineView(ScrollView, can_focus=True, inherit_bindings=False):
    """An incident's timeline, virtualised on Textual's line API (render_line): only
    visible lines are drawn.

    Rows are ordered by `occurred_at`, then `seq`.  A cursor selects one row
    (`cursor_event`; Enter opens it: `open_entry`).  `follow` keeps the newest
    row in view, the cursor on it, until the reader moves the cursor off the
    last row or scrolls up; `/`-search (`search`, which moves the cursor to the
    match) and a kind filter (`cycle_kind_filter`) work on the same sorted rows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="timeline.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="timeline.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="timeline.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="timeline.page_down"),
        Binding("home", "scroll_home", "Oldest", show=False, id="timeline.home"),
        Binding("end", "scroll_end", "Follow", show=False, id="timeline.end"),
        Binding("enter", "open_entry", "Open entry", show=False, id="timeline.open"),
        # in `?` and the palette, not the footer: the footer keeps room for the write keys
        Binding("t", "toggle_utc", "UTC", show=False, id="timeline.utc"),
        Binding("F", "cycle_kind_filter", "Filter", show=False, id="timeline.filter"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--time",
        "timeline--actor",
        "timeline--text",
        "timeline--marker",
        "timeline--match",
        "timeline--muted",
        "timeline--cursor",
        *KIND_LOOK_CLASSES,
    }

    DEFAULT_CSS = (
        """
    TimelineView {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        &:focus { background-tint: $foreground 4%; }
        & > .timeline--time { color: $text-muted; }
        & > .timeline--actor { color: $text-secondary; }
        & > .timeline--text { color: $foreground; }
        & > .timeline--marker { color: $text-warning; text-style: italic; }
        & > .timeline--match { background: $warning 60%; color: $foreground; text-style: bold; }
        & > .timeline--muted { color: $text-muted; text-style: italic; }
        & > .timeline--cursor { background: $foreground 10%; }
        &:focus > .timeline--cursor { background: $primary 20%; }
"""
        + KIND_LOOK_CSS
        + "    }\n"
    )

    follow: reactive[bool] = reactive(True, repaint=False)
    """True: sticks to the newest event (the cursor on it); False once the
    reader moves the cursor up or scrolls up."""
    show_utc: reactive[bool] = reactive(False)
    """Show times in UTC (with a `Z`) instead of the local zone."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._catalog = catalog
        self._rows: list[Event] = []  # sorted by row_key
        self._view: list[Event] = self._rows  # the rows the filter lets through
        self._filter: frozenset[str] | None = None
        self._concurrent: set[int] = set()
        self._actor_width = ACTOR_MIN
        self._multi_day = False
        self._match: Event | None = None
        self._texts: dict[str, str] = {}  # event id -> its line of text, filled by search
        self._pattern: re.Pattern[str] | None = None
        self._adjusting = False  # our own scroll moves never change `follow`
        self._strips: LRUCache[tuple[str, int, str | None, bool], Strip] = LRUCache(_CACHE_SIZE)
        self._palette: _Palette | None = None
        self._unstored: dict[str, Event] = {}  # rows without a seq: pending, by id
        self._rejected: dict[str, str] = {}  # event id -> why the server refused it
        self._cursor: Event | None = None  # the selected row (the last one while following)

    # -- public interface ------------------------------------------------------

    @property
    def event_count(self) -> int:
        """How many events the timeline holds (whatever the filter)."""
        return len(self._rows)

    @property
    def kind_filter(self) -> frozenset[str] | None:
        return self._filter

    @property
    def kind_filter_label(self) -> str:
        for label, kinds in KIND_FILTERS:
            if kinds == self._filter:
                return label
        return ", ".join(sorted(self._filter or ()))

    @property
    def match_event(self) -> Event | None:
        """The event of the current search match, if any."""
        return self._match

    @property
    def cursor_event(self) -> Event | None:
        """The selected event (the newest while following), if any."""
        return self._cursor

    def open_entry(self) -> None:
        """Open the selected entry in full, in a screen of its own."""
        event = self._cursor
        if event is None:
            return
        from warroom.tui.screens.entry import EntryScreen  # a screen: loaded when first asked

        concurrent = event.seq is not None and event.seq in self._concurrent
        look = event_look(event)
        self.app.push_screen(EntryScreen(event, look, concurrent, self._rejected.get(event.id)))

    def visible_events(self) -> list[Event]:
        """The events on screen now, top to bottom."""
        top = self._top_index()
        return self._view[top : top + self.scrollable_content_region.height]

    def _top_index(self) -> int:
        """The index in the view of the first row on screen.  Following, the
        newest screen is shown whatever the scroll offset says: the first
        frame after a load or a resize needs no scroll to catch up first."""
        if self.follow:
            return max(len(self._view) - self.scrollable_content_region.height, 0)
        return self.scroll_offset.y

    def load(self, events: Sequence[Event], concurrent: Collection[int] = ()) -> None:
        """Replace everything; the view follows the newest event again."""
        self._rows = _dedup(sorted(events, key=row_key))
        self._unstored = {event.id: event for event in self._rows if event.seq is None}
        self._concurrent = set(concurrent)
        self._match = None
        self._texts.clear()
        self._actor_width = _actor_width(ACTOR_MIN, events)
        self._rebuild_view()
        self._changed(clear=True)
        self.follow = True
        self._cursor = self._view[-1] if self._view else None
        self._scroll_to_end()

    def prepend(self, events: Sequence[Event]) -> None:
        """Add older events loaded later; what is on screen does not move."""
        self._insert(events)

    def extend(self, events: Iterable[Event], concurrent: Collection[int] = ()) -> None:
        """Add live events, each in its place; follows them only when following.

        `concurrent` adds seqs to the concurrent set (the fold never unmarks one).
        """
        if concurrent and not self._concurrent.issuperset(concurrent):
            self._concurrent.update(concurrent)
            self._strips.clear()
        self._insert(list(events))

    def set_concurrent(self, seqs: Collection[int]) -> None:
        """Mark exactly these seqs as concurrent changes."""
        seqs = set(seqs)
        if seqs != self._concurrent:
            self._concurrent = seqs
            self._strips.clear()
            self.refresh()

    def set_rejected(self, reasons: dict[str, str]) -> None:
        """Mark pending rows the server refused (event id -> its reason)."""
        if reasons.items() <= self._rejected.items():
            return
        self._rejected.update(reasons)
        self._strips.clear()
        self.refresh()

    def set_kind_filter(self, kinds: frozenset[str] | None) -> None:
        """Show only these kinds (None: all); the top row stays where it can."""
        if kinds == self._filter:
            return
        anchor = None if self.follow else self._top_row()
        self._filter = kinds
        self._rebuild_view()
        self._changed()
        self._restore(anchor)
        label = self.kind_filter_label
        self.border_subtitle = Content(f"filter: {label}") if kinds is not None else ""
        self.post_message(KindFilterChanged(self, kinds, label))

    def cycle_kind_filter(self) -> None:
        """All -> notes/findings/actions/decisions -> status & severity -> comms -> all."""
        filters = [kinds for _, kinds in KIND_FILTERS]
        try:
            position = filters.index(self._filter)
        except ValueError:
            position = -1
        self.set_kind_filter(filters[(position + 1) % len(filters)])

    def search(self, text: str, backwards: bool = False) -> bool:
        """Jump to the next row containing `text` (any case) and highlight it.

        The search starts after the current match, or at the top (bottom, when
        backwards) of the screen, and wraps.  False when nothing matches; an
        empty `text` clears the highlight.
        """
        if not text:
            self.clear_search()
            return False
        pattern = re.compile(re.escape(text), re.IGNORECASE)
        view = self._view
        count = len(view)
        if not count:
            self.clear_search()
            return False
        start = self._search_start(backwards)
        step = -1 if backwards else 1
        for offset in range(count):
            row = view[(start + step * offset) % count]
            if self._matches(row, pattern):
                self._set_match(row, pattern)
                self._reveal(self._index_of(row))
                return True
        self.clear_search()
        return False

    def reveal(self, event: Event) -> None:
        """Scroll so that `event`'s row is on screen (if it is in the view)."""
        index = self._index_of(event)
        if index < len(self._view) and self._view[index].id == event.id:
            self._reveal(index)

    def clear_search(self) -> None:
        """Remove the search highlight."""
        if self._match is not None:
            self._match = None
            self._pattern = None
            self.refresh()

    # -- actions ---------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move_cursor(-1)

    def action_cursor_down(self) -> None:
        self._move_cursor(1)

    def action_page_up(self) -> None:
        self._move_cursor(-self._page(), page=True)

    def action_page_down(self) -> None:
        self._move_cursor(self._page(), page=True)

    def action_scroll_home(self) -> None:
        if self._view:
            self._set_cursor(0, top=0)

    def action_scroll_end(self) -> None:
        self.follow = True
        self._scroll_to_end()

    def action_open_entry(self) -> None:
        self.open_entry()

    def action_toggle_utc(self) -> None:
        self.show_utc = not self.show_utc

    def action_cycle_kind_filter(self) -> None:
        self.cycle_kind_filter()

    # -- reactives and events --------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._adjusting:
            return
        # the reader scrolled (wheel, scrollbar): the bottom follows again;
        # elsewhere the cursor comes along when it would leave the screen
        self.follow = round(new_value) >= self.max_scroll_y
        if not self.follow:
            self._keep_cursor_on_screen(round(new_value))

    def watch_follow(self, follow: bool) -> None:
        if follow:
            if self._view and self._cursor is not self._view[-1]:
                self._cursor = self._view[-1]
                self.refresh()
            self._scroll_to_end()

    def on_click(self, event: Click) -> None:
        """A click selects a row; a click on the selected row opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self._top_index() + offset.y
        if not 0 <= index < len(self._view):
            return
        event.stop()
        if self._view[index] is self._cursor:
            self.open_entry()
        else:
            self._set_cursor(index)

    def watch_show_utc(self) -> None:
        self._multi_day = self._spans_days()
        self._strips.clear()
        self.refresh()

    def on_mount(self) -> None:
        if self.follow:
            self._scroll_to_end()

    def on_resize(self, event: Resize) -> None:
        if self.follow:
            self._scroll_to_end()
        else:  # a smaller screen keeps the cursor on it
            index = self._cursor_index()
            if index is not None:
                self._set_cursor(index)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None
        self._strips.clear()

    # -- rendering -------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        view = self._view
        index = self._top_index() + y
        if not 0 <= index < len(view):
            if not view and y == 0:
                return self._empty_line(width)
            return Strip.blank(width, self.rich_style)
        row = view[index]
        query = self._pattern.pattern if row is self._match and self._pattern else None
        selected = row is self._cursor
        key = (row.id, width, query, selected)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, width, selected)
            self._strips[key] = strip
        return strip

    def _render_row(self, event: Event, width: int, selected: bool = False) -> Strip:
        palette = self._styles()
        base = palette.base
        is_match = event is self._match
        look = event_look(event)
        kind_style = palette.kinds[look.look]
        icon_style = kind_style
        level = event.data.get("severity")
        if look.look in _SEVERITY_TINTED and isinstance(level, int):
            icon_style = kind_style + palette.severities.get(level, Style())
        # columns carry their trailing space: fewer segments for Textual to crop and filter
        when = self._format_time(event.occurred_at)
        pieces: list[tuple[str, Style]] = [
            (when + " ", palette.match if is_match else palette.time),
            (look.icon + " ", icon_style),
            (_pad(look.label, LABEL_WIDTH) + " ", kind_style),
            (_pad(clean_line(event.actor), self._actor_width) + " ", palette.actor),
        ]
        if event.backdated and event.recorded_at is not None:
            logged = self._format_time(event.recorded_at, seconds=False)
            pieces.append((f"[back-dated, logged {logged}] ", palette.marker))
        if event.seq is not None and event.seq in self._concurrent:
            pieces.append(("[concurrent] ", palette.marker))
        if event.seq is None:  # typed here, not stored by the server yet
            reason = self._rejected.get(event.id)
            marker = f"[rejected: {clean_line(reason)}] " if reason is not None else "[pending] "
            pieces.append((marker, palette.marker))
        pieces.append((_line_text(event), palette.text))

        if selected:  # the cursor's background under all but the search highlight
            cursor = palette.cursor
            pieces = [
                (text, style if style is palette.match else style + cursor)
                for text, style in pieces
            ]
            base += cursor
        segments: list[Segment] = []
        remaining = width
        pattern = self._pattern if is_match else None
        for text, style in pieces:
            if remaining <= 0:
                break
            fitted = _fit(text, remaining)
            remaining -= cell_len(fitted)
            if pattern is None:
                segments.append(Segment(fitted, style))
            else:
                segments.extend(_highlight(fitted, style, pattern, palette.match))
        if remaining > 0:
            segments.append(Segment(" " * remaining, base))
        return Strip(segments, width)

    def _empty_line(self, width: int) -> Strip:
        palette = self._styles()
        if self._rows:
            text = f"No events match the filter ({self.kind_filter_label})."
        else:
            text = "No events yet."
        fitted = _fit(text, width)
        return Strip(
            [
                Segment(fitted, palette.muted),
                Segment(" " * (width - cell_len(fitted)), palette.base),
            ],
            width,
        )

    def _styles(self) -> _Palette:
        if self._palette is None:
            base = self.rich_style

            def style(name: str) -> Style:
                return base + self.get_component_rich_style(name)

            self._palette = _Palette(
                base=base,
                time=style("timeline--time"),
                actor=style("timeline--actor"),
                text=style("timeline--text"),
                marker=style("timeline--marker"),
                match=style("timeline--match"),
                muted=style("timeline--muted"),
                cursor=Style(bgcolor=style("timeline--cursor").bgcolor),
                kinds={look: style(f"timeline--kind-{look}") for look in _LOOK_NAMES},
                severities=_severity_styles(self._catalog),
            )
        return self._palette

    def _format_time(self, moment: datetime, seconds: bool = True) -> str:
        if self.show_utc:
            moment, suffix = moment.astimezone(UTC), "Z"
        else:
            moment, suffix = moment.astimezone(), ""
        pattern = "%H:%M:%S" if seconds else "%H:%M"
        if self._multi_day:
            pattern = "%m-%d " + pattern
        return moment.strftime(pattern) + suffix

    # -- the sorted rows -------------------------------------------------------

    def _insert(self, events: Sequence[Event]) -> None:
        if not events:
            return
        anchor = None if self.follow else self._top_row()
        if self._unstored:  # a pending row's stored event takes its place
            self._drop([e.id for e in events if e.seq is not None and e.id in self._unstored])
        for event in events:
            if event.seq is None:
                self._unstored[event.id] = event
        actor_width = _actor_width(self._actor_width, events)
        if actor_width != self._actor_width:
            self._actor_width = actor_width
            self._strips.clear()
        batch = _dedup(sorted(events, key=row_key))
        rows = self._rows
        kinds = self._filter
        if not rows or row_key(batch[-1]) < row_key(rows[0]):
            # a page of older events, loaded in the background
            self._rows = batch + rows
            if kinds is None:
                self._view = self._rows
            else:
                self._view = [event for event in batch if event.kind in kinds] + self._view
        elif row_key(batch[0]) > row_key(rows[-1]):
            # live events, newest last: the common case
            rows.extend(batch)
            if kinds is not None:
                self._view.extend(event for event in batch if event.kind in kinds)
        elif len(batch) <= 64:
            # back-dated or overlapping: O(log n) to place each (plus one list insert)
            for event in batch:
                key = row_key(event)
                position = bisect_left(rows, key, key=row_key)
                if position < len(rows) and rows[position].id == event.id:
                    continue  # already shown (the live feed overlaps the first load)
                rows.insert(position, event)
                if kinds is not None and event.kind in kinds:
                    view = self._view
                    view.insert(bisect_left(view, key, key=row_key), event)
        else:
            # a large batch among the rows: one merge of two sorted runs
            merged = rows + batch
            merged.sort(key=row_key)
            self._rows = _dedup(merged)
            self._rebuild_view()
        self._changed()
        self._restore(anchor)

    def _drop(self, ids: Collection[str]) -> None:
        """Take rows out (pending rows whose stored events arrived)."""
        if not ids:
            return
        gone = set(ids)
        for key in gone:
            self._unstored.pop(key, None)
        self._rows = [row for row in self._rows if row.id not in gone]
        if self._match is not None and self._match.id in gone:
            self._match = None
            self._pattern = None
        self._rebuild_view()
        self._strips.clear()

    def _rebuild_view(self) -> None:
        kinds = self._filter
        if kinds is None:
            self._view = self._rows
        else:
            self._view = [event for event in self._rows if event.kind in kinds]

    def _changed(self, clear: bool = False) -> None:
        multi_day = self._spans_days()
        if clear or multi_day != self._multi_day:
            self._strips.clear()
        self._multi_day = multi_day
        self.virtual_size = Size(0, len(self._view))
        self.refresh()

    def _spans_days(self) -> bool:
        if len(self._rows) < 2:
            return False
        first, last = self._rows[0].occurred_at, self._rows[-1].occurred_at
        if self.show_utc:
            return first.astimezone(UTC).date() != last.astimezone(UTC).date()
        return first.astimezone().date() != last.astimezone().date()

    def _index_of(self, event: Event) -> int:
        return bisect_left(self._view, row_key(event), key=row_key)

    def _top_row(self) -> Event | None:
        top = self._top_index()
        return self._view[top] if 0 <= top < len(self._view) else None

    def _restore(self, anchor: Event | None) -> None:
        """Follow the newest row, or keep `anchor` as the first line on screen
        (and the cursor on its event, on screen)."""
        if self.follow:
            self._cursor = self._view[-1] if self._view else None
            self._scroll_to_end()
            return
        top = None
        if anchor is not None:
            top = self._index_of(anchor)
            if top >= len(self._view) or self._view[top] is not anchor:
                top = min(top, max(len(self._view) - 1, 0))  # filtered away
            self._scroll_quietly(top)
        index = self._cursor_index()
        if index is not None:
            self._set_cursor(index, top)

    # -- the cursor ------------------------------------------------------------

    def _page(self) -> int:
        return max(self.scrollable_content_region.height, 1)

    def _cursor_index(self) -> int | None:
        """Where the cursor's event is in the view now; when it is not there any
        more (a pending row replaced by its stored event, a row filtered away)
        the cursor moves to the row in its place."""
        view = self._view
        cursor = self._cursor
        if not view:
            self._cursor = None
            return None
        if cursor is None:
            return len(view) - 1
        index = self._index_of(cursor)
        for near in (index, index - 1):
            if 0 <= near < len(view) and view[near].id == cursor.id:
                return near
        return min(index, len(view) - 1)

    def _move_cursor(self, delta: int, page: bool = False) -> None:
        index = self._cursor_index()
        if index is None:
            return
        top = self._top_index() + delta if page else None
        self._set_cursor(min(max(index + delta, 0), len(self._view) - 1), top)

    def _set_cursor(self, index: int, top: int | None = None) -> None:
        """Select row `index`, the first row on screen being `top` (else where it
        is), moved as little as it takes to show the cursor.  The view follows
        the newest event when the cursor is on the last row."""
        view = self._view
        height = self._page()
        if top is None:
            top = self._top_index()
        if index < top:
            top = index
        elif index >= top + height:
            top = index - height + 1
        top = max(min(top, len(view) - height), 0)
        if view[index] is not self._cursor:
            self._cursor = view[index]
            self.refresh()
        following = index == len(view) - 1
        if not following:
            self.follow = False
        self._scroll_quietly(top)
        self.follow = following

    def _keep_cursor_on_screen(self, top: int) -> None:
        """After a scroll that was not the cursor's: bring the cursor onto the screen."""
        index = self._cursor_index()
        if index is None:
            return
        bottom = min(top + self._page(), len(self._view)) - 1
        moved = min(max(index, top), bottom)
        if moved >= 0 and self._view[moved] is not self._cursor:
            self._cursor = self._view[moved]
            self.refresh()

    def _scroll_to_end(self) -> None:
        self._scroll_quietly(self.max_scroll_y)

    def _scroll_quietly(self, y: float) -> None:
        if not self.is_mounted:
            return
        self._adjusting = True
        try:
            self.scroll_to(y=y, animate=False, force=True)
        finally:
            self._adjusting = False

    # -- search ----------------------------------------------------------------

    def _search_start(self, backwards: bool) -> int:
        count = len(self._view)
        if self._match is not None:
            index = self._index_of(self._match)
            if index < count and self._view[index] is self._match:
                return index - 1 if backwards else index + 1
        top = self._top_index()
        if backwards:
            return min(top + self.scrollable_content_region.height, count) - 1
        return min(top, count - 1)

    def _matches(self, event: Event, pattern: re.Pattern[str]) -> bool:
        text = self._texts.get(event.id)
        if text is None:
            text = self._texts[event.id] = _line_text(event)
        label = kind_label(event.kind)
        return bool(pattern.search(text) or pattern.search(event.actor) or pattern.search(label))

    def _set_match(self, row: Event, pattern: re.Pattern[str]) -> None:
        self._match = row
        self._pattern = pattern
        self.refresh()

    def _reveal(self, index: int) -> None:
        """Select row `index`, scrolling it onto the screen (centred when it was not)."""
        height = self._page()
        top = self._top_index()
        if not top <= index < top + height:
            top = max(index - height // 2, 0)
        self._set_cursor(index, top)


def _line_text(event: Event) -> str:
    """The event's one line of text, safe to show."""
    return clean_line(describe(event))


def _highlight(text: str, style: Style, pattern: re.Pattern[str], match: Style) -> list[Segment]:
    """Segments of `text` with every match of `pattern` in the match style."""
    segments: list[Segment] = []
    position = 0
    for found in pattern.finditer(text):
        start, end = found.span()
        if start > position:
            segments.append(Segment(text[position:start], style))
        segments.append(Segment(text[start:end], style + match))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:], style))
    return segments


def _dedup(rows: list[Event]) -> list[Event]:
    """Sorted rows without repeats of the same event (which sort side by side)."""
    if len(rows) < 2:
        return rows
    unique = [rows[0]]
    append = unique.append
    last = rows[0].id
    for event in rows[1:]:
        if event.id != last:
            append(event)
            last = event.id
    return unique


def _severity_styles(catalog: Catalog) -> dict[int, Style]:
    """Each severity's colour (from the catalog) as a style; bad colours are skipped."""
    styles: dict[int, Style] = {}
    for level, severity in catalog.severities.items():
        try:
            styles[level] = Style(color=severity.color, bold=True)
        except ColorParseError:
            continue
    return styles


def _actor_width(current: int, events: Iterable[Event]) -> int:
    widest = max(map(len, map(_actor_of, events)), default=0)
    return max(current, min(max(widest, ACTOR_MIN), ACTOR_MAX))
