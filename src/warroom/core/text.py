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


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&:])")


def markdown_escape(text: str) -> str:
    """Escape for inline Markdown: the text can add no structure (headings,
    tables, links, HTML) and no entity (`&lt;` stays those four characters);
    newlines become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", clean_line(text))


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
