"""Limits every store, the server and the clients agree on.

An event's `data` is at most EVENT_DATA_MAX bytes (as compact UTF-8 JSON), and
no text in it holds a NUL character (SQLite and terminals would show it as
U+FFFD, or cut the text there).  `check_event_data` is called from the kinds'
`check_data`, so every store refuses such an event inside its append, and the
server answers 413 (too large) or 422 (NUL).
"""

from __future__ import annotations

import json
from typing import Any

from warroom.core.errors import Refused

EVENT_DATA_MAX = 256 * 1024  # bytes of an event's data, as compact UTF-8 JSON
_UTF8_MAX = 4  # bytes per character at most


class EventTooLarge(Refused):
    """An event whose data is over EVENT_DATA_MAX bytes."""


def check_event_data(data: dict[str, Any]) -> None:
    """Refuse data over EVENT_DATA_MAX bytes, or holding a NUL in any text or key."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(text) * _UTF8_MAX > EVENT_DATA_MAX and len(text.encode()) > EVENT_DATA_MAX:
        raise EventTooLarge(
            f"data is {len(text.encode()) // 1024} kB; an event's data is at most "
            f"{EVENT_DATA_MAX // 1024} kB (attach large output as a link)"
        )
    if "\\u0000" in text:  # the only way json.dumps writes a NUL (maybe an escaped "\\u0000")
        where = _nul_path(data, "data")
        if where is not None:
            raise Refused(f"{where} contains a NUL character (\\u0000), which text cannot hold")


def _nul_path(value: Any, where: str) -> str | None:
    """The path of the first key or text holding a NUL, or None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            if "\x00" in key:
                return f"{where} (a key)"
            found = _nul_path(inner, f"{where}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found = _nul_path(inner, f"{where}.{index}")
            if found is not None:
                return found
    return None
