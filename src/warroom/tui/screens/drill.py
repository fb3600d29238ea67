"""A drill's briefing and its score, each on a screen of its own.

`warroom demo` opens the TUI on a drill that is already running: the app
starts with the briefing that `warroom drill` prints, and shows the score the
moment the drill ends (not only after quitting).  The text is wrapped, never
cut, and scrolls when the terminal is short.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from warroom.tui import keys
from warroom.tui.safe import safe_line

LINE_MAX = 4000  # a scenario's briefing is one long line: wrapped, not cut


class DrillNotice(ModalScreen[None]):
    """The briefing, or the score, of the drill running in this terminal."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.DRILL_NOTICE_KEYS)

    def __init__(self, title: str, lines: Sequence[str]) -> None:
        super().__init__(classes="drill-notice")
        self.title_text = title
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="drill-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "Enter or Esc closes"
            body = Content("\n").join(safe_line(line, LINE_MAX) for line in self.lines)
            yield Static(body, classes="drill-text", markup=False)

    def on_mount(self) -> None:
        self.query_one(".drill-box").focus()

    def action_close(self) -> None:
        self.dismiss(None)
