"""Reading a JSON payload field by field, each problem a `BadPayload` naming
the field: the small readers every source's parser is written with.

A missing required field, a wrong type, a naive or unparsable time are
refused; fields nobody asked for are ignored (senders add fields over time).
Strings are kept as sent (untrusted: the faces clean them), except that a NUL
character, which no store or terminal can hold, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from warroom.core.alerts.errors import BadPayload
from warroom.core.text import is_web_link
from warroom.core.times import in_utc

_MISSING: Any = object()

# RFC 3339 (and the ISO 8601 offset without a colon, "+0000", that PagerDuty's
# own example uses): a date, a time, an optional fraction and a zone.
_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})?$"
)
_GO_ZERO_YEAR = 1  # Go's zero time, 0001-01-01T00:00:00Z: "not set"


def join(where: str, key: str | int) -> str:
    """`alerts` + 2 -> `alerts[2]`; `alerts[2]` + `labels` -> `alerts[2].labels`."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def obj(value: Any, where: str) -> Mapping[str, Any]:
    """A JSON object."""
    if not isinstance(value, dict):
        raise BadPayload(f"must be a JSON object, not {_kind(value)}", where or "body")
    return value


def items(parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """A required JSON array."""
    value = parent.get(key, _MISSING)
    field = join(where, key)
    if value is _MISSING:
        raise BadPayload("is missing", field)
    if not isinstance(value, list):
        raise BadPayload(f"must be a JSON array, not {_kind(value)}", field)
    return value


def text(
    parent: Mapping[str, Any], key: str, where: str, required: bool = True, empty: bool = True
) -> str | None:
    """A string; a missing or null optional one is None.  `empty=False` refuses ""."""
    value = parent.get(key, _MISSING)
    field = join(where, key)
    if value is _MISSING or (value is None and not required):
        if required:
            raise BadPayload("is missing", field)
        return None
    return checked_text(value, field, empty)


def checked_text(value: Any, field: str, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise BadPayload(f"must be a string, not {_kind(value)}", field)
    if not empty and not value.strip():
        raise BadPayload("must not be empty", field)
    if "\x00" in value:
        raise BadPayload("contains a NUL character (\\u0000), which text cannot hold", field)
    return value


def choice(parent: Mapping[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
    """A required string, one of `allowed`."""
    value = text(parent, key, where)
    assert value is not None
    if value not in allowed:
        raise BadPayload(
            f"must be one of {', '.join(allowed)}, not {value[:40]!r}", join(where, key)
        )
    return value


def str_map(
    parent: Mapping[str, Any], key: str, where: str, required: bool = False
) -> dict[str, str]:
    """An object of string values (labels, annotations); missing or null optional -> {}."""
    value = parent.get(key, _MISSING)
    field = join(where, key)
    if value is _MISSING or (value is None and not required):
        if required:
            raise BadPayload("is missing", field)
        return {}
    if not isinstance(value, dict):
        raise BadPayload(f"must be a JSON object of strings, not {_kind(value)}", field)
    for name, inner in value.items():
        if "\x00" in name:
            raise BadPayload("has a key with a NUL character (\\u0000)", field)
        checked_text(inner, join(field, name))
    return dict(value)


def moment(
    parent: Mapping[str, Any], key: str, where: str, required: bool = True
) -> datetime | None:
    """An RFC 3339 time with its zone, in UTC; Go's zero time (and a missing
    optional time) is None.  A naive or unparsable time is refused."""
    raw = text(parent, key, where, required=required)
    if raw is None:
        return None
    return parse_time(raw, join(where, key))


def parse_time(raw: str, field: str) -> datetime | None:
    found = _TIME.match(raw.strip())
    if found is None:
        raise BadPayload(f"{raw[:40]!r} is not an RFC 3339 time", field)
    day, clock, fraction, zone = found.groups()
    if zone is None:
        raise BadPayload(f"{raw[:40]!r} has no timezone (add Z or an offset)", field)
    zone = "+00:00" if zone in "Zz" else zone
    fraction = f".{(fraction or '')[:6].ljust(6, '0')}"  # Go sends nanoseconds
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}{fraction}{zone}")
        if parsed.year == _GO_ZERO_YEAR and parsed.replace(tzinfo=None) == datetime(1, 1, 1):
            return None
        return in_utc(parsed)
    except ValueError:
        raise BadPayload(f"{raw[:40]!r} is not a time in the calendar", field) from None


def count(parent: Mapping[str, Any], key: str, where: str) -> int | None:
    """An optional non-negative integer."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadPayload(f"must be a non-negative integer, not {_kind(value)}", join(where, key))
    return value


def web_links(*candidates: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    """The (label, url) pairs whose url is an http(s) link, each url once."""
    kept: dict[str, str] = {}
    for label, url in candidates:
        if url and is_web_link(url) and url not in kept:
            kept[url] = label
    return tuple((label, url) for url, label in kept.items())


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
