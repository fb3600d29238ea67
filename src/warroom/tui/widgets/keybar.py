"""The key bar: one line at the bottom of a screen with its common keys.

What Textual's `Footer` shows (the focused screen's bindings with
`show=True`, then the command palette's key at the right), drawn as one line
of text by one widget instead of a widget per key: a screen paints sooner
(the Footer's keys cost a war room a third of its first paint), and the bar
redraws in place when the focus changes what is bound.  Clicking a key
presses it.  When they do not all fit, the keys at the end are left out
(whole keys, never half of one); the palette's key stays at the right.  `say`
puts a short line in place of the keys for a few seconds (where to go when a
key has nothing to act on).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import RenderResult
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

SAY_SECONDS = 6.0


class KeyBar(Widget, can_focus=False):
    """The common keys of the screen, on one line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keybar--key",
        "keybar--description",
        "keybar--said",
    }

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--said { color: $text-warning; text-style: bold; }
    }
    """

    compact: reactive[bool] = reactive(False)
    """Less space between keys (narrow terminals)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._keys: list[tuple[int, int, str]] = []  # (start x, end x, key) per shown key
        self._said: str | None = None
        self._unsay: Timer | None = None

    @property
    def said(self) -> str | None:
        """What the bar says in place of the keys now, if anything."""
        return self._said

    def say(self, text: str, seconds: float = SAY_SECONDS) -> None:
        """Show `text` (our own words, not untrusted text) in place of the keys
        for `seconds`."""
        if self._unsay is not None:
            self._unsay.stop()
        self._said = text
        self._unsay = self.set_timer(seconds, self._stop_saying)
        self.refresh()

    def _stop_saying(self) -> None:
        self._said = None
        self._unsay = None
        self.refresh()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def _shown(self) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None]:
        """The bindings to show (one per action) and the command palette's."""
        active = self.screen.active_bindings
        shown: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled)
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                palette = (found[1], found[2])
        return list(shown.values()), palette

    def render(self) -> RenderResult:
        key_style = self.get_visual_style("keybar--key")
        description_style = self.get_visual_style("keybar--description")
        bindings, palette = self._shown()
        gap = "" if self.compact else " "

        def label(binding: Binding, enabled: bool) -> Content:
            text = Content.assemble(
                (f"{gap}{self.app.get_key_display(binding)} ", key_style),
                (f"{binding.description}{gap}", description_style),
            )
            return text if enabled else text.stylize("dim")

        labels = [(label(*shown), shown[0]) for shown in bindings]
        right = (label(*palette), palette[0]) if palette is not None else None
        # Too narrow for them all: the keys at the end go first (the screens
        # list their most needed keys first); a key is never cut in half.
        width = self.size.width
        reserved = right[0].cell_length + 1 if right is not None else 0
        while len(labels) > 1 and _joined_width(labels) + reserved > width:
            labels.pop()
        self._keys = []
        if self._said is not None:  # a short line in place of the keys
            line = Content(f" {self._said} ").stylize(self.get_visual_style("keybar--said"))
        else:
            x = 0
            for text, binding in labels:
                self._keys.append((x, x + text.cell_length, binding.key.split(",")[0]))
                x += text.cell_length + 1
            line = Content(" ").join([text for text, _ in labels])
        if right is not None:
            text, binding = right
            space = max(width - line.cell_length - text.cell_length, 1)
            start = line.cell_length + space
            self._keys.append((start, start + text.cell_length, binding.key.split(",")[0]))
            line = Content.assemble(line, " " * space, text)
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._keys:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return


def _joined_width(labels: list[tuple[Content, Binding]]) -> int:
    return sum(text.cell_length for text, _ in labels) + max(len(labels) - 1, 0)
