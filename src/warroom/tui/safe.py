"""The one way untrusted text becomes something Textual shows.

Titles, notes, names, links and summaries may hold markup (`[@click=...]`),
terminal escape sequences, C1 controls or bidi overrides.  `safe` cleans them
(`warroom.core.text.clean`) and wraps the result in a `Content` built as plain
text: it is never parsed as markup, so nothing in it can style, link or act.
"""

from __future__ import annotations

from textual.content import Content
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

from warroom.core.text import clean, clean_line

# One-line places (cells, the header) never need more than this much text;
# keeping it short keeps a 10 kB title from costing layout time.
LINE_LIMIT = 400


def safe(text: str) -> Content:
    """Untrusted text as plain Content (tabs and newlines kept)."""
    return Content(clean(text))


def safe_text(text: str) -> str:
    """Untrusted text for the widgets that take a `str` and never parse markup
    (TextArea): cleaned, tabs and newlines kept."""
    return clean(text)


def safe_line(text: str, limit: int = LINE_LIMIT) -> Content:
    """Untrusted text as one line of plain Content, clipped to `limit` characters."""
    line = clean_line(text)
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return Content(line)


def styled(text: str, style: str) -> Content:
    """Untrusted text, one line, with one of our own styles over all of it."""
    content = safe_line(text)
    return content.stylize(style) if style else content


def notify(
    node: DOMNode,
    message: str,
    *,
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """A toast with untrusted text in it: cleaned (Textual passes ESC through even
    with markup=False) and never parsed as markup."""
    node.app.notify(clean(message), severity=severity, timeout=timeout, markup=False)
