"""Reading the on-call tables (`[people.*]`, `[schedules.*]`, `[escalation.*]`,
`[services.*]`) from parsed TOML documents, with errors a person can act on.

`load_oncall(documents)` takes (source, document) pairs, lowest layer first
(data files, then the site file, then the user's file): an entry named in a
later document replaces the earlier one whole.  Every entry is checked: a
problem raises UsageError naming the file, the table and the key.  Unknown
keys are errors too (a misspelt `handof` would otherwise be silently ignored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warroom.core.errors import UsageError
from warroom.core.oncall.model import (
    WEEKDAYS,
    Edge,
    Layer,
    Level,
    OnCall,
    Override,
    Person,
    Policy,
    Schedule,
    Service,
    Target,
    Window,
)
from warroom.core.oncall.secrets import Address
from warroom.core.oncall.wallclock import instant

TABLES = ("people", "schedules", "escalation", "services")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass(frozen=True)
class _Where:
    """A table in a file, for error messages."""

    source: str
    table: str

    def fail(self, key: str | None, problem: str) -> UsageError:
        where = f"[{self.table}]" + (f" key {key!r}" if key else "")
        return UsageError(f"bad configuration in {self.source}: {where}: {problem}")

    def inner(self, suffix: str) -> _Where:
        return _Where(self.source, f"{self.table}.{suffix}")


def load_oncall(documents: Sequence[tuple[str | Path, Mapping[str, Any]]]) -> OnCall:
    """The on-call tables of `documents` (lowest layer first), checked."""
    entries: dict[str, dict[str, tuple[_Where, Any]]] = {table: {} for table in TABLES}
    for source, document in documents:
        for table in TABLES:
            if table not in document:
                continue
            value = document[table]
            if not isinstance(value, Mapping):
                raise _Where(str(source), table).fail(None, "must be a table of named tables")
            for name, body in value.items():
                entries[table][str(name)] = (_Where(str(source), f"{table}.{name}"), body)
    people = {name: _person(name, *pair) for name, pair in entries["people"].items()}
    _check_aliases(people, entries["people"])
    known = _Names(people)
    schedules = {
        name: _schedule(name, where, body, known)
        for name, (where, body) in entries["schedules"].items()
    }
    escalation = {
        name: _policy(name, where, body, known, schedules)
        for name, (where, body) in entries["escalation"].items()
    }
    services = {
        name: _service(name, where, body, escalation)
        for name, (where, body) in entries["services"].items()
    }
    return OnCall(people=people, schedules=schedules, escalation=escalation, services=services)


class _Names:
    """People by name and by alias."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        self.by_name = {alias: p.name for p in people.values() for alias in p.aliases}
        self.by_name.update({name: name for name in people})

    def person(self, where: _Where, key: str, name: Any) -> str:
        if not isinstance(name, str) or name not in self.by_name:
            known = ", ".join(sorted(self.by_name)) or "none defined"
            raise where.fail(key, f"{name!r} is not a person in [people] (known: {known})")
        return self.by_name[name]


def _table(where: _Where, body: Any, allowed: Sequence[str], required: Sequence[str] = ()) -> None:
    if not isinstance(body, Mapping):
        raise where.fail(None, "must be a table")
    for key in body:
        if key not in allowed:
            raise where.fail(key, f"unknown key (allowed: {', '.join(allowed)})")
    for key in required:
        if key not in body:
            raise where.fail(key, "is missing")


def _string(where: _Where, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.fail(key, f"must be a non-empty string, not {value!r}")
    return value


def _strings(where: _Where, key: str, value: Any, empty: bool = True) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list):
        raise where.fail(key, f'must be a list of strings, e.g. ["a", "b"], not {value!r}')
    if not value and not empty:
        raise where.fail(key, "must not be empty")
    return tuple(_string(where, key, item) for item in value)


def _number(where: _Where, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise where.fail(key, f"must be a number greater than 0, not {value!r}")
    return float(value)


def _zone(where: _Where, key: str, value: Any) -> ZoneInfo:
    name = _string(where, key, value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise where.fail(key, f"{name!r} is not a known time zone (e.g. Europe/Berlin)") from None


def _clock(where: _Where, key: str, value: Any) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise where.fail(key, f'must be a local time like "09:00", not {value!r}')
    return time(int(match[1]), int(match[2]))


def _date(where: _Where, key: str, value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise where.fail(key, f'must be a date like "2026-11-02", not {value!r}')


def _instant(where: _Where, key: str, value: Any, zone: ZoneInfo) -> datetime:
    """A time in a file: with a zone, as written; without one, in `zone`."""
    moment = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise where.fail(key, f'must be a time like "2026-12-24T18:00", not {value!r}')
    if moment.tzinfo is None:
        return instant(moment, zone)
    return moment.astimezone(UTC)


def time_in_zone(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A time a person typed for a schedule (`--from`, `--to`): ISO-8601
    without a zone is the schedule's local time (a gap moves to its end, a
    repeated hour takes the first); anything else as `parse_time` reads it."""
    from warroom.core.timeparse import parse_time

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return parse_time(text, now, local=zone)
    return instant(moment, zone) if moment.tzinfo is None else moment.astimezone(UTC)


def _person(name: str, where: _Where, body: Any) -> Person:
    _table(where, body, ("apprise", "timezone", "aliases"))
    if not _NAME.match(name):
        raise where.fail(None, f"{name!r} is not a usable person name (letters, digits, ._@-)")
    base = Path(where.source).parent
    raw = body.get("apprise", [])
    urls = _strings(where, "apprise", [raw] if isinstance(raw, str) else raw)
    return Person(
        name=name,
        addresses=tuple(Address(url, base) for url in urls),
        timezone=_zone(where, "timezone", body["timezone"]) if "timezone" in body else None,
        aliases=_strings(where, "aliases", body.get("aliases", [])),
    )


def _check_aliases(people: Mapping[str, Person], entries: Mapping[str, tuple[_Where, Any]]) -> None:
    owner: dict[str, str] = {name: name for name in people}
    for person in people.values():
        for alias in person.aliases:
            if alias in owner and owner[alias] != person.name:
                raise entries[person.name][0].fail(
                    "aliases", f"{alias!r} already names {owner[alias]!r}"
                )
            owner[alias] = person.name


def _schedule(name: str, where: _Where, body: Any, known: _Names) -> Schedule:
    _table(where, body, ("timezone", "layers", "overrides"), ("timezone", "layers"))
    zone = _zone(where, "timezone", body["timezone"])
    layers = body["layers"]
    if not isinstance(layers, list) or not layers:
        raise where.fail("layers", "must be a non-empty list of [[...layers]] tables")
    overrides = body.get("overrides", [])
    if not isinstance(overrides, list):
        raise where.fail("overrides", "must be a list of [[...overrides]] tables")
    return Schedule(
        name=name,
        timezone=zone,
        layers=tuple(
            _layer(where.inner(f"layers #{n}"), layer, known)
            for n, layer in enumerate(layers, start=1)
        ),
        overrides=tuple(
            _override(where.inner(f"overrides #{n}"), item, known, zone)
            for n, item in enumerate(overrides, start=1)
        ),
    )


def _layer(where: _Where, body: Any, known: _Names) -> Layer:
    _table(
        where,
        body,
        ("people", "shift", "handoff", "handoff_day", "start", "restrict"),
        ("people", "shift", "handoff", "start"),
    )
    people = _strings(where, "people", body["people"], empty=False)
    start = _date(where, "start", body["start"])
    shift = body["shift"]
    if shift == "daily":
        length = timedelta(days=1)
    elif shift == "weekly":
        length = timedelta(days=7)
    elif isinstance(shift, int | float) and not isinstance(shift, bool) and shift > 0:
        length = timedelta(hours=shift)
    else:
        raise where.fail("shift", f'must be "daily", "weekly" or a number of hours, not {shift!r}')
    if "handoff_day" in body:
        if shift != "weekly":
            raise where.fail("handoff_day", 'is only for shift = "weekly"')
        day = body["handoff_day"]
        if not isinstance(day, str) or day.lower() not in WEEKDAYS:
            raise where.fail("handoff_day", f"must be a weekday name (monday...), not {day!r}")
        if WEEKDAYS.index(day.lower()) != start.weekday():
            raise where.fail(
                "start",
                f"{start} is a {WEEKDAYS[start.weekday()]}, but handoff_day is {day}: "
                "the first shift starts on the start date",
            )
    restrict = body.get("restrict", [])
    if not isinstance(restrict, list):
        raise where.fail("restrict", 'must be a list like [{from = "saturday 00:00", to = ...}]')
    return Layer(
        people=tuple(known.person(where, "people", person) for person in people),
        shift=length,
        handoff=_clock(where, "handoff", body["handoff"]),
        start=start,
        restrict=tuple(
            _window(where.inner(f"restrict #{n}"), item) for n, item in enumerate(restrict, 1)
        ),
    )


def _window(where: _Where, body: Any) -> Window:
    _table(where, body, ("from", "to"), ("from", "to"))
    start, end = _edge(where, "from", body["from"]), _edge(where, "to", body["to"])
    if (start.weekday is None) != (end.weekday is None):
        raise where.fail("to", "both ends name a weekday, or neither does")
    if start == end:
        raise where.fail("to", "the window is empty: it ends where it starts")
    return Window(start, end)


def _edge(where: _Where, key: str, value: Any) -> Edge:
    """`"18:00"` (every day) or `"saturday 00:00"`."""
    text = value.strip().lower() if isinstance(value, str) else value
    if isinstance(text, str) and " " in text:
        day, _, clock = text.partition(" ")
        if day not in WEEKDAYS:
            raise where.fail(key, f'must be like "18:00" or "saturday 00:00", not {value!r}')
        return Edge(_clock(where, key, clock.strip()), WEEKDAYS.index(day))
    return Edge(_clock(where, key, text))


def _override(where: _Where, body: Any, known: _Names, zone: ZoneInfo) -> Override:
    _table(where, body, ("person", "from", "to"), ("person", "from", "to"))
    start = _instant(where, "from", body["from"], zone)
    end = _instant(where, "to", body["to"], zone)
    if end <= start:
        raise where.fail("to", "must be after from")
    return Override(known.person(where, "person", body["person"]), start, end, None, where.source)


def _policy(
    name: str, where: _Where, body: Any, known: _Names, schedules: Mapping[str, Schedule]
) -> Policy:
    _table(where, body, ("repeat", "levels"), ("levels",))
    repeat = body.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise where.fail("repeat", f"must be a whole number of at least 1, not {repeat!r}")
    levels = body["levels"]
    if not isinstance(levels, list) or not levels:
        raise where.fail("levels", "must be a non-empty list of [[...levels]] tables")
    return Policy(
        name=name,
        levels=tuple(
            _level(where.inner(f"levels #{n}"), level, known, schedules)
            for n, level in enumerate(levels, start=1)
        ),
        repeat=repeat,
    )


def _level(where: _Where, body: Any, known: _Names, schedules: Mapping[str, Schedule]) -> Level:
    _table(where, body, ("targets", "wait_minutes"), ("targets", "wait_minutes"))
    targets = []
    for text in _strings(where, "targets", body["targets"], empty=False):
        kind, _, name = text.partition(":")
        if kind == "schedule" and name in schedules:
            targets.append(Target("schedule", name))
        elif kind == "person":
            targets.append(Target("person", known.person(where, "targets", name)))
        elif kind == "schedule":
            raise where.fail("targets", f"{text!r}: there is no [schedules.{name}]")
        else:
            raise where.fail("targets", f'{text!r} must be "schedule:NAME" or "person:NAME"')
    wait = _number(where, "wait_minutes", body["wait_minutes"])
    return Level(tuple(targets), timedelta(minutes=wait))


def _service(name: str, where: _Where, body: Any, escalation: Mapping[str, Policy]) -> Service:
    _table(where, body, ("owner", "runbook", "escalation"))
    values = {key: _string(where, key, body[key]) for key in ("owner", "runbook", "escalation")
              if key in body}  # fmt: skip
    policy = values.get("escalation")
    if policy is not None and policy not in escalation:
        raise where.fail("escalation", f"there is no [escalation.{policy}]")
    return Service(name=name, **values)
