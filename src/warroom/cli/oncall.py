"""`warroom oncall`: who is on call now or at a time, until when, and who is
next, for every schedule, one schedule, or the schedules a service's
escalation policy pages."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from warroom.cli.context import Context
from warroom.cli.output import say, say_json
from warroom.cli.parser import Commands
from warroom.core.errors import UsageError, WarroomError
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.core.oncall.model import OnCall
    from warroom.core.oncall.schedule import OnCallNow


def register(commands: Commands) -> None:
    sub = commands.add(
        "oncall", "who is on call now (or at --at), until when, and who is next", oncall
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


def oncall(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.oncall.schedule import on_call

    tables = ctx.settings.oncall()
    names = _schedules(tables, args.service, args.schedule)
    at = ctx.time(args.at) or ctx.clock.now()
    found = [on_call(tables.schedules[name], at) for name in names]
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
        if schedule not in tables.schedules:
            known = ", ".join(sorted(tables.schedules)) or "none are configured"
            raise UsageError(f"no schedule {schedule!r} (known: {known})")
        return [schedule]
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
