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

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.errors import UsageError
from warroom.core.postmortem import render_postmortem
from warroom.core.text import markdown_unescape
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.messages import PostmortemDrafted, StoreFailed
from warroom.tui.safe import notify, safe_line, safe_text
from warroom.tui.screens.forms import FormScreen
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.safe_input import SafeInput


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


class PostmortemScreen(Screen[None]):
    """The review draft; `w` writes it to a file, `r` drafts it again."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = keys.POSTMORTEM_KEYS
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(ACTIONS)

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
        self._draft()

    @work(thread=True, exit_on_error=False, group="load")
    def _draft(self) -> None:
        try:
            ref, text = draft(self.store, self.catalog, self.clock, self.incident_id)
        except Exception as error:
            self.post_message(StoreFailed(error))
            return
        self.post_message(PostmortemDrafted(ref, text))

    @on(PostmortemDrafted)
    def _drafted(self, message: PostmortemDrafted) -> None:
        self.ref = message.ref
        self.text = safe_text(message.text)
        self.view.load_text(markdown_unescape(self.text))  # read as typed; written escaped
        self.loaded = True
        self._title()

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        notify(self, f"cannot draft the postmortem: {message.error}", severity="error")

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
