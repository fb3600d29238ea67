"""On-call overrides kept in the store, and who is on call with them: one
way for the CLI, the TUI and the sender.

The rules live here (a known schedule, a known person, an end after the
start and not in the past); the table is the store's `OverrideTable`
capability (a store file's table, or a server's over /api/v1/oncall/overrides).
A store without it cannot keep overrides: a clear UsageError says so.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from warroom.core.clock import Clock
from warroom.core.errors import NotFound, UsageError
from warroom.core.oncall.model import OnCall, Override
from warroom.core.oncall.schedule import OnCallNow, on_call
from warroom.core.times import format_time, parse_wire_time
from warroom.store.base import OverrideRow, OverrideTable, Store

NO_TABLE = "this store cannot keep on-call overrides: use a store file (--db) or a server"


def override_table(store: Store) -> OverrideTable:
    if not isinstance(store, OverrideTable):
        raise UsageError(NO_TABLE)
    return store


def as_override(row: OverrideRow) -> Override:
    return Override(
        row.person,
        parse_wire_time(row.starts_at),
        parse_wire_time(row.ends_at),
        str(row.id),
        "store",
    )


def store_overrides(store: Store, after: datetime) -> dict[str, list[Override]]:
    """The store's overrides ending after `after`, by schedule, oldest first;
    none from a store that keeps none."""
    if not isinstance(store, OverrideTable):
        return {}
    found: dict[str, list[Override]] = defaultdict(list)
    for row in store.override_rows(ending_after=format_time(after)):
        found[row.schedule].append(as_override(row))
    return dict(found)


def who_is_on_call(
    tables: OnCall, names: list[str], at: datetime, store: Store | None
) -> list[OnCallNow]:
    """`on_call` for each schedule named, the store's overrides included."""
    overrides = store_overrides(store, at) if store is not None and names else {}
    return [on_call(tables.schedules[name], at, overrides.get(name, ())) for name in names]


def add_override(
    store: Store,
    tables: OnCall,
    schedule: str,
    person: str,
    start: datetime,
    end: datetime,
    actor: str,
    clock: Clock,
) -> OverrideRow:
    """Record that `person` is on call for `schedule` from `start` to `end`."""
    table = override_table(store)
    tables.schedule(schedule)
    found = tables.person(person)
    now = clock.now()
    if end <= now:
        raise UsageError("--to is in the past: an override that has ended changes nothing")
    if end <= start:
        raise UsageError("--to must be after --from")
    return table.add_override(
        schedule, found.name, format_time(start), format_time(end), actor, format_time(now)
    )


def remove_override(store: Store, typed: str, actor: str, clock: Clock) -> OverrideRow:
    """Remove override `typed` (its id); NotFound if there is none to remove."""
    table = override_table(store)
    try:
        number = int(typed.strip().removeprefix("#"))
    except ValueError:
        raise UsageError(
            f"{typed!r} is not an override id (a number: see `warroom oncall overrides`)"
        ) from None
    removed = table.remove_override(number, actor, format_time(clock.now()))
    if removed is None:
        raise NotFound(f"no override {number} to remove (see `warroom oncall overrides`)")
    return removed
