"""The entry line at the bottom of the war room.

A key opens it with that key's kind (note, finding, action, decision, the
summary, a search...).  Enter asks the screen to commit (`EntryCommit`);
the screen calls `committed()` when the event is stored, or `failed()` with the
reason, and then the text stays in the box with the error above it.

Esc closes the line and keeps what was typed as that kind's draft: opening the
same kind again (even after leaving the room and coming back) brings the text
back.  Text typed while a write is on its way (a busy store) is kept too: once
the event is stored, the line stays open with what was typed after Enter.
Nothing typed is ever lost.

Its parts (the error line, the prompt, the input box) are built just after the
room's first paint, or when a key first opens the line if that comes sooner:
a room opens faster without them.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Static

from warroom.tui.messages import EntryCommit
from warroom.tui.safe import safe_line
from warroom.tui.widgets.safe_input import SafeInput

HINT = "⏎ save · esc cancel"


class EntryLine(Vertical):
    """One line of input, hidden until a key opens it."""

    def __init__(self, drafts: dict[str, str] | None = None, *, id: str | None = None) -> None:
        """`drafts` (kind -> text) may outlive the widget: the app keeps one per
        incident, so leaving the room and coming back keeps them too."""
        super().__init__(id=id)
        self.kind: str | None = None
        self.drafts: dict[str, str] = {} if drafts is None else drafts
        self.busy = False

    def on_mount(self) -> None:
        self.call_after_refresh(self._build)

    def _build(self) -> None:
        """Mount the parts, once (they can be queried as soon as this returns)."""
        if self.children:
            return
        error = Static("", id="entry-error", markup=False)
        error.display = False
        row = Horizontal(id="entry-row")
        self.mount(error, row)
        # mounted into the row itself: children given to its constructor would
        # only be mounted a turn of the event loop later
        row.mount(
            Static("", id="entry-prompt", markup=False),
            SafeInput(id="entry-input", compact=True, select_on_focus=False),
            Static(HINT, id="entry-hint", markup=False),
        )

    @property
    def input(self) -> Input:
        return self.query_one("#entry-input", Input)

    @property
    def is_open(self) -> bool:
        return self.display and self.kind is not None

    def open(self, kind: str, prompt: str, initial: str = "") -> None:
        """Open for `kind`, restoring its draft (or `initial`), and focus the box."""
        self._build()
        if self.is_open and self.kind != kind:
            self._save_draft()
        self.kind = kind
        self.busy = False
        self.query_one("#entry-prompt", Static).update(Content.assemble((f" {prompt} › ", "bold")))
        self._set_error(None)
        self.input.value = self.drafts.get(kind, initial)
        self.input.cursor_position = len(self.input.value)
        self.display = True
        # at once, not queued behind the keys that came with this one: what is
        # typed right after the key that opened the line goes into the box
        self.screen.set_focus(self.input)

    def close(self) -> None:
        """Hide, keeping the text as this kind's draft."""
        if self.kind is not None:
            self._save_draft()
        self.display = False
        self.busy = False
        self.kind = None

    def committed(self, kind: str, text: str) -> bool:
        """The event with `text` is stored: forget the draft and close, unless
        more was typed meanwhile (then that stays, open).  True when closed."""
        if self.kind != kind or not self.display:
            # closed meanwhile: the draft keeps only what was not stored
            rest = _after(self.drafts.get(kind, ""), text)
            if rest:
                self.drafts[kind] = rest
            else:
                self.drafts.pop(kind, None)
            return False
        self.busy = False
        rest = _after(self.input.value, text)
        if rest:  # typed while the write was on its way: keep it
            self.input.value = rest
            self.input.cursor_position = len(rest)
            self._save_draft()
            self._set_error(None)
            return False
        self.drafts.pop(kind, None)
        self.input.value = ""
        self.kind = None
        self.display = False
        return True

    def failed(self, kind: str, reason: str) -> None:
        """The write failed: keep the text, show why, stay open."""
        self.busy = False
        if self.kind == kind and self.display:
            self._set_error(reason)
            self.input.focus()
        # else: closed meanwhile; the text is in the kind's draft and comes back
        # when the same key opens the line again.

    def show_message(self, text: str | None) -> None:
        self._set_error(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.kind is None or self.busy:
            return
        text = event.value
        if not text.strip():
            self._set_error("nothing to save: type the text, or Esc to cancel")
            return
        self.busy = self.kind != "search"
        self._save_draft()
        self.post_message(EntryCommit(self, self.kind, text))

    def _save_draft(self) -> None:
        if self.kind is None or self.kind == "search":
            return
        value = self.input.value
        if value:
            self.drafts[self.kind] = value
        else:
            self.drafts.pop(self.kind, None)

    def _set_error(self, text: str | None) -> None:
        error = self.query_one("#entry-error", Static)
        error.display = bool(text)
        error.update(safe_line(text or "", 2000))


def _after(value: str, stored: str) -> str:
    """What `value` holds beyond the `stored` text it starts with."""
    return value[len(stored) :].lstrip() if value.startswith(stored) else value
