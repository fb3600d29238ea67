"""Local wall-clock times made instants, the way on-call hand-offs need them.

A hand-off is written as a local time ("09:00 on Mondays in New York").  A
local time that does not exist (the daylight-saving gap) becomes the first
valid minute after the gap; one that happens twice (the repeated hour) is its
first occurrence.  Everything here returns aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=8192)  # pure; hand-offs and window edges are asked for again and again
def instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of the naive local time `local` in `zone`: in a gap,
    the end of the gap; in a repeated hour, the first occurrence."""
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first  # it exists (fold=0 is the first of two occurrences)
    # In a gap: fold=1 reads it with the offset after the change, fold=0 with
    # the one before; the change itself lies between the two readings.
    low = int(local.replace(tzinfo=zone, fold=1).timestamp())  # before the change
    high = int(first.timestamp())  # at or after it
    before = datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """`clock` on `day` in `zone`, as an instant."""
    return instant(datetime.combine(day, clock), zone)


def last_at_or_before(
    moment: datetime, clock: time, zone: ZoneInfo, weekday: int | None = None
) -> datetime:
    """The latest instant <= `moment` that is `clock` local time (on `weekday`,
    0 = Monday, when given)."""
    day = local_date(moment, zone) + timedelta(days=1)
    for _ in range(16):
        if weekday is None or day.weekday() == weekday:
            candidate = at(day, clock, zone)
            if candidate <= moment:
                return candidate
        day -= timedelta(days=1)
    raise AssertionError("unreachable: a week holds every weekday")


def first_after(
    moment: datetime, clock: time, zone: ZoneInfo, weekday: int | None = None
) -> datetime:
    """The earliest instant > `moment` that is `clock` local time (on `weekday`)."""
    day = local_date(moment, zone) - timedelta(days=1)
    for _ in range(16):
        if weekday is None or day.weekday() == weekday:
            candidate = at(day, clock, zone)
            if candidate > moment:
                return candidate
        day += timedelta(days=1)
    raise AssertionError("unreachable: a week holds every weekday")
