"""The postmortem draft of one incident: the same Markdown `warroom postmortem
REF` writes (`render_postmortem`), shown as text, with a key to write it to a
file.

Shown as plain text in a read-only TextArea, not rendered by Textual's
Markdown widget: that widget's parser turns any URL in a note or title into a
clickable link (linkify, which the Markdown escaping does not stop), and it
builds one widget per table cell, which takes seconds for a long timeline.
The TextArea is virtualised, parses nothing, and lets the reader select and
copy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.errors import UsageError
from warroom.core.postmortem import render_postmortem
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.safe import notify, safe_line, safe_text
from warroom.tui.screens.forms import FormScreen
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.safe_input import SafeInput
from warroom.tui.work import JobHost, in_thread


def draft(store: Store, catalog: Catalog, clock: Clock, incident_id: str) -> tuple[str, str]:
    """(the incident's ref, its postmortem draft); blocking: reads the store."""
    incident = store.incident(incident_id)
    return incident.ref, render_postmortem(
        incident, store.events(incident_id), catalog, clock.now()
    )


def write_text_file(path: Path, text: str) -> Path:
    """Write `text` to `path` (atomically, as `warroom postmortem --out` does)."""
    from warroom.services.files import write_file as _write_file

    _write_file(path, text)
    return path


class WritePostmortemForm(FormScreen):
    """Where to write the draft; a file that exists is replaced only on a second Enter."""

    TITLE_TEXT = "Write the postmortem draft to a file"

    def __init__(self, default: str, text: str) -> None:
        super().__init__()
        self.default = default
        self.text = text
        self.confirmed: Path | None = None

    def fields(self) -> ComposeResult:
        yield Static("File (Markdown)", classes="form-label", markup=False)
        yield SafeInput(self.default, id="out", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#out", Input).focus()

    def job(self) -> Callable[[], Path]:
        raw = self.query_one("#out", Input).value.strip()
        if not raw:
            raise UsageError("give the file to write")
        path = Path(raw).expanduser()
        if path.is_dir():
            raise UsageError(f"{path} is a folder; give a file name")
        if path.exists() and self.confirmed != path:
            self.confirmed = path
            raise UsageError(f"{path} exists: Enter again replaces it, Esc keeps it")
        return lambda: write_text_file(path, self.text)


class PostmortemScreen(Screen[None], JobHost):
    """The review draft; `w` writes it to a file, `r` drafts it again."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.POSTMORTEM_KEYS)

    def __init__(self, store: Store, catalog: Catalog, clock: Clock, incident_id: str) -> None:
        super().__init__(classes="postmortem")
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.incident_id = incident_id
        self.ref = ""
        self.text = ""
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static("", id="postmortem-title", classes="screen-title", markup=False)
        yield TextArea(
            "drafting…", id="postmortem-text", read_only=True, soft_wrap=True, show_cursor=False
        )
        yield KeyBar()

    @property
    def view(self) -> TextArea:
        return self.query_one("#postmortem-text", TextArea)

    def on_mount(self) -> None:
        self.view.focus()
        self._title()
        self.action_refresh()

    def _title(self) -> None:
        self.query_one("#postmortem-title", Static).update(
            Content.assemble(
                ("Postmortem draft", "bold"),
                "  ·  ",
                safe_line(self.ref or "…", 20),
                "  ·  Markdown, as `warroom postmortem` writes it",
            )
        )

    def action_refresh(self) -> None:
        in_thread(
            self,
            lambda: draft(self.store, self.catalog, self.clock, self.incident_id),
            self._drafted,
            self._failed,
            group="load",
        )

    def _drafted(self, result: tuple[str, str]) -> None:
        self.ref, text = result
        self.text = safe_text(text)
        self.view.load_text(self.text)
        self.loaded = True
        self._title()

    def _failed(self, error: Exception) -> None:
        notify(self, f"cannot draft the postmortem: {error}", severity="error")

    def action_write(self) -> None:
        if not self.loaded:
            notify(self, "still drafting")
            return

        def written(path: object) -> None:
            if isinstance(path, Path):
                notify(self, f"wrote {path.resolve()}")
            self.view.focus()

        default = f"{self.ref}-postmortem.md"
        self.app.push_screen(WritePostmortemForm(default, self.text), written)

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> list[tuple[str, Callable[[], object]]]:
        return [
            ("Postmortem: write the draft to a file", self.action_write),
            ("Postmortem: draft it again (newest events)", self.action_refresh),
            ("Back", self.action_back),
        ]
