"""`warroom oncall`: who is on call now or at a time, until when, and who is
next, for every schedule, one schedule, or the schedules a service's
escalation policy pages; `warroom oncall override | overrides`: overrides kept
in the store (`warroom.services.oncall`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from warroom.cli.context import Context
from warroom.cli.output import say, say_json
from warroom.cli.parser import Commands, Parser, global_options
from warroom.core.errors import StoreUnavailable, UsageError, WarroomError
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.core.oncall.model import OnCall
    from warroom.core.oncall.schedule import OnCallNow
    from warroom.store.base import OverrideRow


def register(commands: Commands) -> None:
    sub = commands.add(
        "oncall",
        "who is on call now (or at --at), until when, and who is next",
        oncall,
        allow_abbrev=False,  # `override --to` is no abbreviation of --token here
    )
    which = sub.add_mutually_exclusive_group()
    which.add_argument(
        "--service", metavar="NAME", help="the schedules the service's escalation policy pages"
    )
    which.add_argument("--schedule", metavar="NAME", help="this schedule only")
    sub.add_argument(
        "--at", metavar="T", help="at this time instead of now (e.g. '2026-12-24 20:00')"
    )
    sub.add_argument(
        "--json", action="store_true", help='[{"schedule", "person", "until", "next"}]'
    )
    actions = sub.add_subparsers(dest="oncall_command", metavar="ACTION", parser_class=Parser)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, description=help_text)
        global_options(parser, suppress=True)
        return parser

    override = action(
        "override",
        "put PERSON on call for SCHEDULE from --from to --to, kept in the store (times "
        "without a zone are the schedule's); --remove ID takes one back",
    )
    override.add_argument("schedule", nargs="?")
    override.add_argument("person", nargs="?")
    override.add_argument("--from", dest="start", metavar="T", help="default: now")
    override.add_argument("--to", dest="end", metavar="T")
    override.add_argument("--remove", metavar="ID", help="remove the override ID instead")
    listing = action(
        "overrides", "the overrides in the store that have not ended (--all: ended ones too)"
    )
    listing.add_argument("--schedule", metavar="NAME", help="this schedule's only")
    listing.add_argument("--all", action="store_true", help="ended ones too")
    listing.add_argument("--json", action="store_true")


def oncall(ctx: Context, args: argparse.Namespace) -> int:
    if args.oncall_command == "override":
        return override(ctx, args)
    if args.oncall_command == "overrides":
        return overrides(ctx, args)
    from warroom.services.oncall import who_is_on_call

    tables = ctx.settings.oncall()
    names = _schedules(tables, args.service, args.schedule)
    at = ctx.time(args.at) or ctx.clock.now()
    try:  # a server's overrides too, over --server
        found = who_is_on_call(tables, names, at, ctx.store if names else None)
    except StoreUnavailable as error:
        sys.stderr.write(f"warroom: note: overrides not read: {clean_line(str(error))}\n")
        found = who_is_on_call(tables, names, at, None)
    if args.json:
        say_json([entry.to_public() for entry in found])
        return 0
    if not found:
        sys.stderr.write(_nothing(tables, args.service))
        return 0
    width = max(len(entry.schedule) for entry in found)
    for entry in found:
        say(clean_line(f"{entry.schedule:<{width}}  {_line(entry)}"))
    return 0


def _schedules(tables: OnCall, service: str | None, schedule: str | None) -> list[str]:
    """The names of the schedules asked about."""
    if schedule is not None:
        return [tables.schedule(schedule).name]
    if service is not None:
        policy = tables.policy_for(service)
        if policy is None:
            raise WarroomError(
                f"no escalation policy for {service}: set `escalation` in [services.{service}] "
                "or add [escalation.default]"
            )
        if service not in tables.services:
            sys.stderr.write(
                f"warroom: note: no [services.{clean_line(service)}]; "
                "showing [escalation.default]\n"
            )
        return tables.schedules_of(policy)
    return sorted(tables.schedules)


def _line(entry: OnCallNow) -> str:
    from warroom.core.times import format_local

    who = entry.person or "nobody"
    if entry.until is None:
        return f"{who} until further notice"
    return f"{who} until {format_local(entry.until)}, then {entry.next or 'nobody'}"


def _nothing(tables: OnCall, service: str | None) -> str:
    if service is not None:
        return f"the escalation policy for {clean_line(service)} names no schedule\n"
    if not tables.schedules:
        return (
            "no schedules are configured: add [schedules.NAME] to the config file or to a "
            "file named by service_files (see data/services.toml)\n"
        )
    return ""


def override(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.oncall.load import time_in_zone
    from warroom.services.oncall import add_override, remove_override

    if args.remove is not None:
        if args.schedule or args.start or args.end:
            raise UsageError("--remove ID takes no SCHEDULE, PERSON, --from or --to")
        row = remove_override(ctx.store, args.remove, ctx.actor, ctx.clock)
        say(clean_line(f"override {row.id} removed ({row.person} on {row.schedule})"))
        return 0
    if not (args.schedule and args.person and args.end):
        raise UsageError("give SCHEDULE PERSON --to T (and --from T, default now), or --remove ID")
    tables = ctx.settings.oncall()
    zone = tables.schedule(args.schedule).timezone
    now = ctx.clock.now()
    start = time_in_zone(args.start, now, zone) if args.start else now
    end = time_in_zone(args.end, now, zone)
    row = add_override(
        ctx.store, tables, args.schedule, args.person, start, end, ctx.actor, ctx.clock
    )
    say(clean_line(f"override {row.id}: {_override_line(row)}"))
    return 0


def overrides(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.times import format_time
    from warroom.services.oncall import override_table

    table = override_table(ctx.store)
    rows = table.override_rows(None if args.all else format_time(ctx.clock.now()))
    rows = [row for row in rows if args.schedule in (None, row.schedule)]
    if args.json:
        say_json([_public(row) for row in rows])
    elif rows:
        for row in rows:
            say(clean_line(f"{row.id:>4}  {_override_line(row)}  (by {row.created_by})"))
    else:
        sys.stderr.write(
            "no overrides; add one with: warroom oncall override SCHEDULE PERSON --from T --to T\n"
        )
    return 0


def _override_line(row: OverrideRow) -> str:
    from warroom.core.times import format_local, parse_wire_time

    start, end = (format_local(parse_wire_time(t)) for t in (row.starts_at, row.ends_at))
    return f"{row.person} on call for {row.schedule} from {start} to {end}"


def _public(row: OverrideRow) -> dict[str, object]:
    return {
        "id": row.id,
        "schedule": row.schedule,
        "person": row.person,
        "from": row.starts_at,
        "to": row.ends_at,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }
