"""Time formats on the wire and in the store: ISO-8601 UTC with a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def format_time(moment: datetime) -> str:
    """`2026-11-26T03:02:00.000000Z`: fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    utc = moment.astimezone(UTC)
    # strftime's %Y does not pad years before 1000 ("1-01-01"), which
    # fromisoformat cannot read back: pad it here.
    return f"{utc.year:04d}-" + utc.strftime("%m-%dT%H:%M:%S.%fZ")


def parse_wire_time(text: str) -> datetime:
    """Read a stored or transmitted time; naive times are refused."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone; use UTC with a trailing Z")
    return in_utc(moment)


def in_utc(moment: datetime) -> datetime:
    """An aware time in UTC; ValueError (not OverflowError) when out of range."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"time {moment.isoformat()} is out of range") from None


def format_duration(seconds: float | None) -> str:
    """`1h 05m`, `12m 30s`, `45s`; a dash for unknown."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def format_local(moment: datetime, with_utc: bool = True, seconds: bool = False) -> str:
    """`2026-11-26 04:02 (03:02Z)`: local time, with UTC beside it."""
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    local = moment.astimezone().strftime(pattern)
    if not with_utc:
        return local
    return f"{local} ({moment.astimezone(UTC).strftime('%H:%MZ')})"
