"""An Input whose value never holds what a terminal would obey.

An Input shows its value as it is: Textual neither parses it as markup nor
removes ESC or C1 bytes, so a title or summary pre-filled for editing, or
text pasted from a hostile page, would reach the terminal (a window title or
clipboard escape sequence).  `SafeInput` cleans every value it is given,
typed, pasted or set, with the same `clean_line` as every other pane: what is
shown is what is saved.
"""

from __future__ import annotations

from textual.widgets import Input

from warroom.core.text import clean_line


class SafeInput(Input):
    """`Input` with every value passed through `clean_line` (one line, no controls)."""

    def validate_value(self, value: str) -> str:
        return clean_line(value)
