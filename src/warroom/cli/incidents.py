"""`warroom declare | log | status | sev | set | assign | release | join | leave
| ack | milestone | link | update`: declaring an incident and writing to it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from warroom.cli.context import Context
from warroom.cli.output import recorded, say, say_json, warn
from warroom.cli.parser import Commands
from warroom.core.catalog import AUDIENCES
from warroom.core.errors import NothingChanged, UsageError
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.services.declare import Declared


class _LogKinds(Sequence[str]):
    """The kinds `log --kind` takes, read from the registry of kinds only when
    argparse asks (a `--kind` given, or `--help`): registering the commands
    loads no event model."""

    @staticmethod
    def _kinds() -> tuple[str, ...]:
        from warroom.core.kinds import LOG_KINDS

        return LOG_KINDS

    def __getitem__(self, index: Any) -> Any:
        return self._kinds()[index]

    def __len__(self) -> int:
        return len(self._kinds())


def register(commands: Commands) -> None:
    sub = commands.add("declare", "declare a new incident; prints its reference (INC-n)", declare)
    sub.add_argument("title")
    sub.add_argument("--sev", type=int, default=3, metavar="N", help="severity 1-5 (default 3)")
    sub.add_argument("--service", metavar="NAME")
    sub.add_argument("--lead", metavar="NAME", help="Incident Lead (default: you)")
    sub.add_argument("--started-at", metavar="T", help="when the impact started")
    sub.add_argument("--detected-at", metavar="T", help="when it was detected")
    sub.add_argument("--drill", action="store_true", help="a game-day drill, not a real incident")
    sub.add_argument("--json", action="store_true")

    sub = commands.add("log", "add a note, finding, action taken or decision to the timeline", log)
    sub.add_argument("ref")
    sub.add_argument("text")
    sub.add_argument("--kind", choices=_LogKinds(), default="note")
    sub.add_argument("--at", metavar="T", help="when it happened (e.g. -5m, 03:02)")

    sub = commands.add(
        "status", "change the status (investigating, identified, mitigated, ...)", status
    )
    sub.add_argument("ref")
    sub.add_argument("status")
    sub.add_argument("--note", metavar="TEXT", help="why")
    sub.add_argument("--duplicate-of", metavar="REF", help="with cancelled: the original")

    sub = commands.add("sev", "change the severity", sev)
    sub.add_argument("ref")
    sub.add_argument("severity", type=int, metavar="N")
    sub.add_argument("--note", metavar="TEXT", help="why")

    sub = commands.add("set", "change the title, the service or the pinned summary", set_fields)
    sub.add_argument("ref")
    sub.add_argument("--title", metavar="T")
    sub.add_argument("--service", metavar="S")
    sub.add_argument("--summary", metavar="TEXT", help='"impact / hypothesis / next step"')

    for name, verb in (("assign", "give"), ("release", "take")):
        help_text = f"{verb} a role (lead, responder, comms, support) to/from a person"
        sub = commands.add(name, help_text, role)
        sub.add_argument("ref")
        sub.add_argument("role")
        sub.add_argument("person")
    for name, verb in (("join", "joins"), ("leave", "leaves")):
        sub = commands.add(name, f"a person {verb} the incident", presence)
        sub.add_argument("ref")
        sub.add_argument("person")

    sub = commands.add("ack", "acknowledge the incident's page: its escalation stops", ack)
    sub.add_argument("ref")

    sub = commands.add(
        "milestone", "record a milestone (started, detected, acknowledged, ...)", milestone
    )
    sub.add_argument("ref")
    sub.add_argument("name")
    sub.add_argument("--at", metavar="T", help="when (default now; never in the future)")

    sub = commands.add("link", "add a link: the bridge, the chat channel, a dashboard", link)
    sub.add_argument("ref")
    sub.add_argument("url")
    sub.add_argument("--label", metavar="TEXT", default="")

    sub = commands.add("update", "record a stakeholder update", update)
    sub.add_argument("ref")
    sub.add_argument("text")
    sub.add_argument("--audience", choices=AUDIENCES, default="internal")
    public_options(sub)


def public_options(sub: argparse.ArgumentParser) -> None:
    """`--public-title` and `--component`: what a customers update publishes."""
    sub.add_argument(
        "--public-title",
        metavar="T",
        help="customers: the incident's title on the public status page (never the internal one)",
    )
    sub.add_argument(
        "--component",
        action="append",
        default=[],
        metavar="NAME=STATE",
        help="customers: a status page component's state now (operational, "
        "degraded_performance, partial_outage, major_outage, under_maintenance); repeatable",
    )


def declare(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.services.declare import declare_with_runbook
    from warroom.services.incidents import open_incidents_for_service
    from warroom.services.runbooks import library

    ctx.catalog.check_severity(args.sev)
    declared = declare_with_runbook(
        ctx.store,
        ctx.actor,
        ctx.clock,
        title=args.title,
        severity=args.sev,
        service=args.service,
        lead=args.lead or ctx.actor,
        started_at=ctx.time(args.started_at),
        detected_at=ctx.time(args.detected_at),
        drill=args.drill,
        runbooks=lambda: library(ctx.settings),
        oncall=ctx.settings.oncall,
    )
    incident = declared.incident
    if incident.service:
        _say_runbook(declared)
        others = open_incidents_for_service(ctx.store, incident.service, incident.id)
        if others:
            refs = ", ".join(other.ref for other in others)
            sys.stderr.write(
                f"warroom: warning: {clean_line(incident.service)} already has an open "
                f"incident ({refs}); declared {incident.ref} anyway\n"
            )
    _warn_without_sender(ctx)
    ref = incident.ref if incident.number is not None else f"{incident.ref} (pending)"
    if args.json:
        say_json(incident.to_public(ctx.catalog))
    else:
        say(ref)
    return 0


def _warn_without_sender(ctx: Context) -> None:
    """When pages or notifications are configured and no sender runs for the
    store, say that nobody will hear of the incident."""
    from warroom.services.notify import NO_SENDER, sender_running

    try:
        if not (ctx.settings.notify().routes or ctx.settings.oncall().escalation):
            return
    except UsageError:
        return  # a bad table: the sender (and `warroom oncall`) say so

    if not sender_running(ctx.store, ctx.clock):
        warn(f"warning: {NO_SENDER}")


def _say_runbook(declared: Declared) -> None:
    """`declare --service S`: which runbook S brought, on stderr (stdout stays
    the reference alone, for scripts)."""
    incident, match = declared.incident, declared.runbook
    service = clean_line(incident.service or "")
    for entry in match.unreadable:
        warn(
            f"warning: {entry.path}: malformed front matter, not matched to services "
            "(see `warroom runbook lint`)"
        )
    if match.error is not None:
        warn(f"warning: no runbook attached: {match.error}")
    elif match.attached is not None:
        runbook = match.attached
        warn(
            f"{incident.ref}: runbook {clean_line(runbook.name)} attached "
            f"({len(runbook.steps)} steps; {clean_line(match.why(service))})",
            prefix=False,
        )
    elif match.candidates:
        names = ", ".join(clean_line(entry.slug) for entry in match.candidates)
        warn(
            f"several runbooks list the service {service} ({names}): none attached; "
            f"pick one with: warroom runbook attach {incident.ref} NAME"
        )
    else:
        warn(f"no runbook lists the service {service}; see `warroom runbook list`")


def log(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.write(args.ref, args.kind, {"text": args.text}, at=ctx.time(args.at))
    return recorded(ctx, event, f"{args.kind} recorded")


def status(ctx: Context, args: argparse.Namespace) -> int:
    if args.status not in ctx.catalog.states:
        raise UsageError(
            f"unknown status {args.status!r}; statuses: {', '.join(ctx.catalog.state_order)}"
        )
    data: dict[str, Any] = {"to": args.status}
    if args.note:
        data["reason"] = args.note
    if args.duplicate_of:
        if args.status != "cancelled":
            raise UsageError("--duplicate-of goes with the status cancelled")
        data["duplicate_of"] = ctx.store.resolve(args.duplicate_of)
    event = ctx.write(args.ref, "status_changed", data)
    return recorded(ctx, event, f"status {args.status}")


def sev(ctx: Context, args: argparse.Namespace) -> int:
    ctx.catalog.check_severity(args.severity)
    data: dict[str, Any] = {"severity": args.severity}
    if args.note:
        data["note"] = args.note
    event = ctx.write(args.ref, "severity_changed", data)
    return recorded(ctx, event, f"severity SEV{args.severity}")


def set_fields(ctx: Context, args: argparse.Namespace) -> int:
    changes = [
        ("title_changed", {"title": args.title}, args.title),
        ("service_changed", {"service": args.service or None}, args.service),
        ("summary_set", {"text": args.summary}, args.summary),
    ]
    wanted = [(kind, data) for kind, data, given in changes if given is not None]
    if not wanted:
        raise UsageError("nothing to set: give --title, --service or --summary")
    for kind, data in wanted:
        try:
            event = ctx.write(args.ref, kind, data)
        except NothingChanged as nothing:  # the other fields are still set
            say(clean_line(str(nothing)))
            continue
        recorded(ctx, event, kind.replace("_", " "))
    return 0


def role(ctx: Context, args: argparse.Namespace) -> int:
    if args.role not in ctx.catalog.roles:
        raise UsageError(f"unknown role {args.role!r}; roles: {', '.join(ctx.catalog.roles)}")
    kind = "role_assigned" if args.command == "assign" else "role_released"
    event = ctx.write(args.ref, kind, {"role": args.role, "person": args.person})
    verb = "assigned" if args.command == "assign" else "released"
    return recorded(ctx, event, f"{clean_line(args.person)} {verb} {args.role}")


def presence(ctx: Context, args: argparse.Namespace) -> int:
    kind = "participant_joined" if args.command == "join" else "participant_left"
    event = ctx.write(args.ref, kind, {"person": args.person})
    verb = "joined" if args.command == "join" else "left"
    return recorded(ctx, event, f"{clean_line(args.person)} {verb}")


def ack(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.services.paging import acknowledge

    _, event = acknowledge(ctx.store, args.ref, ctx.actor, ctx.clock, via="cli")
    return recorded(ctx, event, f"acknowledged by {clean_line(ctx.actor)}; escalation stopped")


def milestone(ctx: Context, args: argparse.Namespace) -> int:
    if args.name not in ctx.catalog.milestones:
        raise UsageError(
            f"unknown milestone {args.name!r}; milestones: {', '.join(ctx.catalog.milestones)}"
        )
    event = ctx.write(args.ref, "milestone", {"name": args.name}, at=ctx.time(args.at))
    return recorded(ctx, event, f"milestone {args.name}")


def link(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.write(args.ref, "link_added", {"url": args.url, "label": args.label})
    return recorded(ctx, event, "link added")


def update(ctx: Context, args: argparse.Namespace) -> int:
    data: dict[str, Any] = {"text": args.text, "audience": args.audience}
    if args.public_title or args.component:
        if args.audience != "customers":
            raise UsageError("--public-title and --component go with --audience customers")
        data.update(public_fields(ctx, args.public_title, args.component))
    event = ctx.write(args.ref, "comms_update", data)
    return recorded(ctx, event, f"stakeholder update ({args.audience}) recorded")


def public_fields(ctx: Context, title: str | None, settings: list[str]) -> dict[str, Any]:
    """The public title and component states of a customers update; each
    component named by its id or name in `[statuspage]`, stored by its id."""
    data: dict[str, Any] = {}
    if title:
        data["public_title"] = title
    if not settings:
        return data
    try:
        components = ctx.settings.page_config().component_states(settings)
    except ValueError as error:
        raise UsageError(f"--component {error}") from None
    data["components"] = components
    return data
