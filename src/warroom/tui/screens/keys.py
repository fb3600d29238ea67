"""`?`: every key of the screen beneath, in two columns, on one screen.

Textual's own help panel is a narrow column beside the screen: at 80x24 most
of the room's keys fall below its bottom edge.  This one lists every active
binding (the focused pane's, the screen's and the app's, as remapped by the
config file), a binding's several keys on one line; Esc, `?` or `q` closes it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

KEY_WIDTH = 11


def key_lines(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(group, keys, description) for every binding active on `screen`, in order:
    the screen's own first, then the focused pane's, then those that work
    everywhere; in each group ours (bindings with an id) before Textual's."""
    merged: dict[tuple[int, str, str], list[str]] = {}
    order: dict[tuple[int, str, str], tuple[int, bool, int]] = {}
    groups: dict[tuple[int, str, str], str] = {}
    app = screen.app
    for position, active in enumerate(screen.active_bindings.values()):
        binding = active.binding
        if not binding.description:
            continue
        ident = (id(active.node), binding.action, binding.description)
        merged.setdefault(ident, []).append(app.get_key_display(binding))
        name, rank = _group(active.node, screen)
        groups[ident] = name
        order.setdefault(ident, (rank, binding.id is None, position))
    return [
        (groups[ident], " ".join(merged[ident]), ident[2])
        for ident in sorted(merged, key=order.__getitem__)
    ]


def _group(node: DOMNode, screen: Screen[object]) -> tuple[str, int]:
    if node is screen:
        return "here", 0
    if node is screen.app:
        return "everywhere", 2
    return (node.id or type(node).__name__).replace("-", " "), 1


def _column(lines: list[tuple[str, str, str]]) -> Content:
    parts: list[Content] = []
    group = None
    for name, keys, description in lines:
        if name != group:
            group = name
            if parts:
                parts.append(Content(""))
            parts.append(Content.assemble((name.capitalize(), "bold")))
        parts.append(Content.assemble((f"{keys:>{KEY_WIDTH}} ", "bold $text-accent"), description))
    return Content("\n").join(parts)


class KeysScreen(ModalScreen[None]):
    """Every key that works now, on one screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="keys_close"),
    ]

    def __init__(self, lines: list[tuple[str, str, str]]) -> None:
        super().__init__(classes="keys-screen")
        self.lines = lines

    def compose(self) -> ComposeResult:
        half = (len(self.lines) + 1) // 2
        # keep a group together at the break when it costs little
        while 0 < half < len(self.lines) and self.lines[half][0] == self.lines[half - 1][0]:
            if half - (len(self.lines) + 1) // 2 >= 4:
                break
            half += 1
        with VerticalScroll(classes="keys-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc closes · ctrl+p finds any action by name"
            with Horizontal(classes="keys-columns"):
                yield Static(_column(self.lines[:half]), classes="keys-column", markup=False)
                yield Static(_column(self.lines[half:]), classes="keys-column", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
