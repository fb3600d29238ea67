"""The key bar: one line at the bottom of a screen with its common keys.

What Textual's `Footer` shows (the focused screen's bindings with
`show=True`, then the command palette's key at the right), drawn as one line
of text by one widget instead of a widget per key: a screen paints sooner
(the Footer's keys cost a war room a third of its first paint), and the bar
redraws in place when the focus changes what is bound.  Clicking a key
presses it.  `say` puts a short line in place of the keys for a few seconds
(where to go when a key has nothing to act on).
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
        parts: list[Content] = []
        self._keys = []
        x = 0

        def add(binding: Binding, enabled: bool) -> Content:
            nonlocal x
            label = Content.assemble(
                (f"{gap}{self.app.get_key_display(binding)} ", key_style),
                (f"{binding.description}{gap}", description_style),
            )
            if not enabled:
                label = label.stylize("dim")
            self._keys.append((x, x + label.cell_length, binding.key.split(",")[0]))
            x += label.cell_length + 1
            return label

        if self._said is not None:
            said = Content(f" {self._said} ").stylize(self.get_visual_style("keybar--said"))
            parts.append(said)
            x += said.cell_length + 1
        else:
            for binding, enabled in bindings:
                parts.append(add(binding, enabled))
        line = Content(" ").join(parts)
        if palette is not None:
            right = add(*palette)
            space = max(self.size.width - line.cell_length - right.cell_length, 1)
            self._keys[-1] = (
                line.cell_length + space,
                line.cell_length + space + right.cell_length,
                self._keys[-1][2],
            )
            line = Content.assemble(line, " " * space, right)
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._keys:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
