"""Reading the times people type: absolute, a bare clock time, or relative.

- absolute: anything python-dateutil reads (`2026-11-26 03:02`, ISO-8601 with
  a zone); a time without a zone is local time;
- a bare clock time (`03:02`, `3:02:10`): its most recent past occurrence, so
  "03:02" typed at 03:40 is today and typed at 01:00 is yesterday;
- relative: `now`, `-5m`, `5m ago`, `10 minutes ago`, `-1h30m`, `2 hours ago`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from warroom.core.errors import UsageError

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}  # fmt: skip
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_RELATIVE = re.compile(r"^(?:-\s*)?((?:\d+(?:\.\d+)?\s*[a-z]+\s*)+?)(?:\s+ago)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

HELP = "use e.g. '03:02', '-5m', '10 minutes ago', '2026-11-26 03:02' or '2026-11-26T03:02Z'"


def parse_time(text: str, now: datetime, local: tzinfo | None = None) -> datetime:
    """Turn what a person typed into an aware UTC time, relative to `now`.

    `local` is the zone for times typed without one (default: this machine's).
    Raises UsageError with a hint when the text is not a time.
    """
    raw = text.strip()
    lowered = raw.lower()
    if not raw:
        raise UsageError(f"empty time; {HELP}")
    if lowered == "now":
        return now.astimezone(UTC)
    local_now = now.astimezone(local) if local else now.astimezone()
    if lowered.startswith("-") or lowered.endswith(" ago") or _RELATIVE.match(lowered):
        seconds = _relative_seconds(lowered)
        if seconds is not None:
            return (now - timedelta(seconds=seconds)).astimezone(UTC)
        if lowered.startswith("-") or lowered.endswith(" ago"):
            raise UsageError(f"cannot read the time {raw!r}; {HELP}")
    clock = _CLOCK.match(lowered)
    if clock:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise UsageError(f"{raw!r} is not a clock time; {HELP}")
        moment = local_now.replace(hour=hour, minute=minute, second=second, microsecond=0)
        if moment > local_now:
            moment -= timedelta(days=1)
        return moment.astimezone(UTC)
    return _absolute(raw, local_now)


def _relative_seconds(text: str) -> float | None:
    match = _RELATIVE.match(text)
    if not match:
        return None
    total = 0.0
    for amount, unit in _PART.findall(match[1]):
        if unit not in _UNITS:
            return None
        total += float(amount) * _UNITS[unit]
    return total


def _absolute(raw: str, local_now: datetime) -> datetime:
    from dateutil import parser as date_parser

    try:
        moment = date_parser.isoparse(raw)
    except ValueError:
        try:
            moment = date_parser.parse(
                # Fields not typed come from the start of today, never from now:
                # "3pm" is 15:00, not 15:<current minute>.
                raw,
                default=local_now.replace(hour=0, minute=0, second=0, microsecond=0),
            )
        except (ValueError, OverflowError) as error:
            raise UsageError(f"cannot read the time {raw!r}; {HELP}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_now.tzinfo)
    return moment.astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
