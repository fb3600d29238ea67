"""One timeline entry in full: Enter in the timeline (or a click on the
selected row) opens it.

A timeline row is one line cut to the width; here nothing is cut: the entry's
whole text, wrapped, and what the row has no room for: its kind, who wrote
it, when it happened in local time and in UTC, when it was recorded if it was
back-dated, its seq, and whether it is a concurrent change (or still pending,
or refused by the server).  Untrusted text is safe Content (tui/safe.py),
never markup.  Esc, Enter or q closes it; the arrows scroll a long one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from warroom.core.alerts.events import fired_again
from warroom.core.describe import describe
from warroom.core.events import Event
from warroom.core.times import format_duration
from warroom.tui.safe import safe, safe_line

if TYPE_CHECKING:  # the timeline opens this screen: it gives the look
    from warroom.tui.widgets.timeline import KindLook

FIELD_WIDTH = 11
CONCURRENT_NOTE = (
    "concurrent: made without seeing the change before it to the same field; "
    "both values stay in the timeline, the later seq is the current one"
)


def both_times(moment: datetime) -> str:
    """`2026-11-26 09:10:05 IST · 2026-11-26 03:40:05Z`: local time, then UTC."""
    local = moment.astimezone()
    utc = moment.astimezone(UTC)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname() or 'local'} · {utc:%Y-%m-%d %H:%M:%S}Z"


def entry_fields(
    event: Event, label: str, concurrent: bool = False, rejected: str | None = None
) -> list[tuple[str, Content]]:
    """(name, value) of everything the screen shows below the text (`label`:
    the kind's label)."""
    kind = safe_line(label)
    if label != event.kind:
        kind = Content.assemble(kind, " (", safe_line(event.kind), ")")
    fields: list[tuple[str, Content]] = [
        ("kind", kind),
        ("by", safe(event.actor)),
        ("happened", Content(both_times(event.occurred_at))),
    ]
    if event.recorded_at is not None and event.backdated:
        late = format_duration((event.recorded_at - event.occurred_at).total_seconds())
        fields.append(
            ("recorded", Content(f"{both_times(event.recorded_at)}  (back-dated by {late})"))
        )
    if event.seq is not None:
        fields.append(("seq", Content(str(event.seq))))
    elif rejected is not None:
        fields.append(
            ("seq", Content.assemble(("rejected by the server: ", "bold"), safe(rejected)))
        )
    else:
        fields.append(("seq", Content("none yet: pending, the server has not stored it")))
    if concurrent:
        fields.append(("", Content(CONCURRENT_NOTE).stylize("bold $text-warning")))
    return fields + alert_fields(event)


def alert_fields(event: Event) -> list[tuple[str, Content]]:
    """What an alert entry carries besides its line: the alert, its source,
    start or end, labels, annotations and links (each value safe, cut)."""
    if event.kind not in ("alert_fired", "alert_resolved"):
        return []
    data = event.data
    fields: list[tuple[str, Content]] = [("alert", safe_line(str(data.get("alert", "")), 40))]
    for name, key in (("source", "source"), ("started", "starts_at"), ("ended", "ends_at")):
        if data.get(key):
            fields.append((name, safe_line(str(data[key]), 80)))
    if fired_again(event):
        fields.append(("", Content("fired again after its incident was resolved").stylize("bold")))
    for name, key in (("labels", "labels"), ("annotation", "annotations")):
        values = data.get(key)
        if isinstance(values, dict):
            for key, value in sorted(values.items()):
                line = Content.assemble(safe_line(str(key), 60), "=", safe_line(str(value), 400))
                fields.append((name, line))
                name = ""  # the first line names the map
    links = data.get("links")
    if isinstance(links, list):
        for link in links:
            if isinstance(link, dict):
                label = safe_line(str(link.get("label") or "link"), 60)
                fields.append(
                    ("link", Content.assemble(label, " ", safe_line(str(link.get("url")), 400)))
                )
    return fields


class EntryScreen(ModalScreen[None]):
    """A timeline entry in full, over the room."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close", id="entry.close"),
    ]

    DEFAULT_CSS = """
    EntryScreen {
        align: center middle;
        background: $background 60%;
        & > .entry-box {
            width: 100;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            padding: 0 1;
            border: round $primary;
            border-title-color: $text-primary;
            border-title-style: bold;
            border-subtitle-color: $text-muted;
            background: $surface;
        }
        & .entry-text { margin-bottom: 1; }
        & .entry-fields { color: $text-muted; }
    }
    """

    def __init__(
        self,
        event: Event,
        look: KindLook,
        concurrent: bool = False,
        rejected: str | None = None,
    ) -> None:
        super().__init__()
        self.event = event
        self.look = look
        self.concurrent = concurrent
        self.rejected = rejected

    def compose(self) -> ComposeResult:
        look = self.look
        with VerticalScroll(classes="entry-box") as box:
            box.border_title = Content.assemble(f"{look.icon} ", safe_line(look.label, 40))
            box.border_subtitle = "Esc closes"
            yield Static(safe(describe(self.event)), classes="entry-text", markup=False)
            lines = [
                Content.assemble((f"{name:<{FIELD_WIDTH}}", "bold"), value)
                for name, value in entry_fields(
                    self.event, look.label, self.concurrent, self.rejected
                )
            ]
            yield Static(Content("\n").join(lines), classes="entry-fields", markup=False)

    def on_mount(self) -> None:
        self.query_one(".entry-box").focus()

    def action_close(self) -> None:
        self.dismiss(None)
