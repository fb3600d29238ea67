"""Untrusted text made safe for a terminal, Markdown and CSV.

Titles, notes, names and alert payloads come from people and machines we do
not control.  `clean` is the one function that removes what a terminal would
obey: C0 controls (except tab and newline), DEL, C1 controls and bidi
overrides become a visible replacement.  The TUI wraps the result in a
markup-free `Content`; the CLI prints it; Markdown and CSV add their own
escaping on top.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def clean(text: str) -> str:
    """Replace control characters and bidi overrides; keep tab and newline."""
    return _UNSAFE.sub(REPLACEMENT, text)


def clean_line(text: str) -> str:
    """`clean`, and newlines and tabs shown as spaces: for one-line cells."""
    text = text.replace("\r\n", "\n")
    return _UNSAFE_ONE_LINE.sub(lambda m: " " if m[0] in "\n\t" else REPLACEMENT, text)


# Inline Markdown that untrusted text must not start, anywhere in a line: a
# backslash escape, code, emphasis, strikethrough, a link or image, raw HTML or an
# autolink (`<` before a letter, `/`, `!` or `?`), an entity (`&amp;`, `&#60;`).
_MD_INLINE = re.compile(
    r"[\\`*~\[\]]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_|<(?=[A-Za-z/!?])|&(?=#|[A-Za-z0-9]+;)"
)
# Block structure that text placed at the start of a line could open: a heading,
# a quote, a list item, a thematic break, a setext underline, an ordered item.
_MD_LINE_START = re.compile(r"^(?:[#>+=-]|\d{1,9}(?=[.)]))")
_MD_CLOSING_HASHES = re.compile(r"(?<=\s)#(?=#*$)")  # "title #" loses its "#" in a heading


def markdown_escape(text: str, cell: bool = False) -> str:
    """Untrusted text as inline Markdown that can add no structure (no heading,
    list, quote, link, image, HTML, code, emphasis or entity) and, in a table
    `cell`, no column.  Only what would change the document is escaped, so the
    raw Markdown reads as typed (`db-2 (service db): ok`); newlines become
    spaces and outer whitespace goes."""
    escaped = _MD_INLINE.sub(lambda m: "\\" + m[0], clean_line(text).strip())
    escaped = _MD_CLOSING_HASHES.sub(r"\\#", escaped)
    start = _MD_LINE_START.match(escaped)
    if start:
        # "1." stays "1." in the middle of a line; at its start the "." is escaped.
        at = start.end() if start[0][0].isdigit() else 0
        escaped = escaped[:at] + "\\" + escaped[at:]
    if cell:
        escaped = escaped.replace("|", "\\|")
    return escaped


_MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def markdown_unescape(text: str) -> str:
    """Markdown written with `markdown_escape` as the text a reader sees, for a
    plain-text view of the document (backslash escapes resolved)."""
    return _MD_ESCAPED.sub(r"\1", text)


_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\N{MINUS SIGN}")


def csv_safe(text: str) -> str:
    """Clean for a CSV cell; a leading = + - @ or tab is defused against spreadsheet
    formulas (OWASP's list; a carriage return is already replaced by `clean`), and
    so are their Unicode look-alikes (full-width `＝`, small `﹢`, the minus sign),
    which some spreadsheets read as the ASCII sign."""
    cleaned = clean(text)
    lead = unicodedata.normalize("NFKC", cleaned[:1])
    if lead[:1] in _FORMULA_LEADS:
        return "'" + cleaned
    return cleaned


_WEB_SCHEMES = ("http", "https")
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]")


def is_web_link(url: str) -> bool:
    """An absolute http(s) URL with a host, nothing a terminal would obey in it:
    the only links warroom keeps from an alert."""
    if not url or _NOT_IN_URL.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in _WEB_SCHEMES and bool(parts.netloc)
