"""`warroom ...`: the command line.  Opening the TUI is one subcommand.

Exit status: 0 on success, 2 for usage errors, 1 for anything else; errors
are one clear line on stderr, never a traceback.  Commands that do not open
the TUI import neither Textual nor the server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from warroom import __version__
from warroom.config import Settings, load_settings
from warroom.core.catalog import AUDIENCES, LOG_KINDS, Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import UsageError, WarroomError
from warroom.core.text import clean_line

GLOBAL_FLAGS = ("db", "user", "server", "token")
# Options whose value may start with "-" ("--at -5m"): argparse would take it for a flag.
_TIME_OPTIONS = ("--at", "--started-at", "--detected-at", "--since", "--until")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"warroom: {clean_line(message)} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument("--db", metavar="PATH", default=default, help="the SQLite store file")
    group.add_argument("--as", dest="user", metavar="NAME", default=default, help="act as NAME")
    group.add_argument("--server", metavar="URL", default=default, help="a warroom server")
    group.add_argument("--token", metavar="T", default=default, help="the server token")


METRICS_EPILOG = """\
definitions:
  MTTD  time to detect: detected - impact start (only incidents whose start was recorded)
  MTTA  time to acknowledge: acknowledged - detected
  MTTM  time to mitigate: mitigated - detected
  MTTR  time to resolve: resolved - detected
  each as mean, median and p90 (nearest rank) over the incidents that have both times;
  drills and cancelled incidents are excluded; an incident belongs to the period, the
  ISO week and the month (UTC) in which it was detected.

--json prints one object:
  {"mttd": {"mean_seconds": float|null, "median_seconds": float|null,
            "p90_seconds": float|null, "count": int},
   "mtta": {...}, "mttm": {...}, "mttr": {...},
   "per_week": [{"week": "2026-W05", "starts": "2026-01-26", "incidents": int}, ...],
   "per_month": [{"month": "2026-01", "incidents": int, "mttr": {...as above}}, ...],
   "severity": {"1": int, ..., "5": int},
   "repeat_services": [{"service": str, "incidents": int, "refs": ["INC-3", ...]}, ...]}
  per_week and per_month run from the first incident's week/month to the last one's,
  empty ones included; repeat_services lists services with two or more incidents,
  most first.
"""


def _actions(
    parent: argparse.ArgumentParser, dest: str
) -> Callable[[str, str], argparse.ArgumentParser]:
    """`warroom NOUN ACTION ...`: a function adding one ACTION (with the global flags)."""
    actions = parent.add_subparsers(
        dest=dest, metavar="ACTION", parser_class=_Parser, required=True
    )

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        return sub

    return action


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="warroom", description="A terminal war room for incident response.")
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, **kwargs)
        _global_options(sub, suppress=True)
        return sub

    sub = command("declare", "declare a new incident; prints its reference (INC-n)")
    sub.add_argument("title")
    sub.add_argument("--sev", type=int, default=3, metavar="N", help="severity 1-5 (default 3)")
    sub.add_argument("--service", metavar="NAME")
    sub.add_argument("--lead", metavar="NAME", help="Incident Lead (default: you)")
    sub.add_argument("--started-at", metavar="T", help="when the impact started")
    sub.add_argument("--detected-at", metavar="T", help="when it was detected")
    sub.add_argument("--drill", action="store_true", help="a game-day drill, not a real incident")
    sub.add_argument("--json", action="store_true")

    sub = command("log", "add a note, finding, action taken or decision to the timeline")
    sub.add_argument("ref")
    sub.add_argument("text")
    sub.add_argument("--kind", choices=LOG_KINDS, default="note")
    sub.add_argument("--at", metavar="T", help="when it happened (e.g. -5m, 03:02)")

    sub = command("status", "change the status (investigating, identified, mitigated, ...)")
    sub.add_argument("ref")
    sub.add_argument("status")
    sub.add_argument("--note", metavar="TEXT", help="why")
    sub.add_argument("--duplicate-of", metavar="REF", help="with cancelled: the original")

    sub = command("sev", "change the severity")
    sub.add_argument("ref")
    sub.add_argument("severity", type=int, metavar="N")
    sub.add_argument("--note", metavar="TEXT", help="why")

    sub = command("set", "change the title, the service or the pinned summary")
    sub.add_argument("ref")
    sub.add_argument("--title", metavar="T")
    sub.add_argument("--service", metavar="S")
    sub.add_argument("--summary", metavar="TEXT", help='"impact / hypothesis / next step"')

    for name, verb in (("assign", "give"), ("release", "take")):
        sub = command(name, f"{verb} a role (lead, responder, comms, support) to/from a person")
        sub.add_argument("ref")
        sub.add_argument("role")
        sub.add_argument("person")
    for name, verb in (("join", "joins"), ("leave", "leaves")):
        sub = command(name, f"a person {verb} the incident")
        sub.add_argument("ref")
        sub.add_argument("person")

    sub = command("milestone", "record a milestone (started, detected, acknowledged, ...)")
    sub.add_argument("ref")
    sub.add_argument("name")
    sub.add_argument("--at", metavar="T", help="when (default now; never in the future)")

    sub = command("link", "add a link: the bridge, the chat channel, a dashboard")
    sub.add_argument("ref")
    sub.add_argument("url")
    sub.add_argument("--label", metavar="TEXT", default="")

    sub = command("update", "record a stakeholder update")
    sub.add_argument("ref")
    sub.add_argument("text")
    sub.add_argument("--audience", choices=AUDIENCES, default="internal")

    sub = command("runbook", "runbooks as code: list, show, attach, add-step, lint, suggest")
    runbook_action = _actions(sub, "runbook_command")

    listing = runbook_action("list", "the runbooks in data/runbooks and the runbook_dirs folders")
    listing.add_argument("--json", action="store_true")
    show = runbook_action("show", "a runbook's steps and their commands")
    show.add_argument("name", metavar="NAME_OR_FILE", help="file name without .md, or title")
    show.add_argument("--json", action="store_true")
    attach = runbook_action("attach", "attach a runbook: its '- [ ]' lines become the steps")
    attach.add_argument("ref")
    attach.add_argument("runbook", metavar="NAME_OR_FILE")
    attach.add_argument("--name", metavar="NAME", help="default: its title or first '# ' heading")
    add_step = runbook_action("add-step", "add a step discovered during the incident")
    add_step.add_argument("ref")
    add_step.add_argument("text")
    add_step.add_argument("--section", metavar="S", help="the runbook section it belongs to")
    add_step.add_argument("--command", dest="step_command", metavar="CMD")
    lint = runbook_action("lint", "check runbooks (front matter, steps, names); 1 on problems")
    lint.add_argument("path", nargs="?", help="a file or folder (default: every runbook folder)")
    suggest = runbook_action("suggest", "write an incident's added steps to <runbook>.proposed.md")
    suggest.add_argument("ref")
    suggest.add_argument("--runbook", metavar="NAME_OR_FILE", help="default: the one attached")
    suggest.add_argument("--out", metavar="FILE", help="default: beside the runbook")

    sub = command("drill", "a game day: replay a scenario into a new drill incident, then score it")
    sub.add_argument("scenario", nargs="?", help="a scenario name (see --list) or a TOML file")
    sub.add_argument("--speed", type=float, default=1.0, metavar="N", help="N times real time")
    sub.add_argument("--list", action="store_true", help="list the scenarios")
    sub.add_argument("--keep-open", action="store_true", help="do not resolve it at the end")

    sub = command("demo", "the TUI on a temporary store, with a drill running")
    sub.add_argument("--scenario", metavar="NAME", help="default: the first scenario")
    sub.add_argument("--speed", type=float, default=20.0, metavar="N", help="default 20")

    sub = command("followup", "follow-ups (action items): add one, mark it done, verify it")
    followup_action = _actions(sub, "followup_command")
    add = followup_action(
        "add", "add a follow-up to an incident (also after it is resolved or closed)"
    )
    add.add_argument("ref")
    add.add_argument("text")
    add.add_argument("--owner", required=True, metavar="NAME")
    add.add_argument("--due", required=True, metavar="DATE", help="YYYY-MM-DD, or +7d / +2w")
    for action, help_text in (
        ("done", "mark a follow-up done"),
        ("verify", "record that a done follow-up's fix was checked to work"),
    ):
        change = followup_action(action, help_text)
        change.add_argument("id", help="the follow-up's id, a unique prefix of it, or INC-n:ID")
        change.add_argument("--note", metavar="TEXT", help="how it was done/checked")

    sub = command("followups", "follow-ups across all incidents, by due date")
    sub.add_argument("--open", action="store_true", help="only open ones")
    sub.add_argument(
        "--overdue", action="store_true", help="only open ones due before today (local time)"
    )
    sub.add_argument("--owner", metavar="NAME", help="only this owner's (any case)")
    sub.add_argument("--json", action="store_true")

    sub = command("postmortem", "write the blameless review draft of an incident (Markdown)")
    sub.add_argument("ref")
    sub.add_argument("--out", metavar="FILE", help="default: standard output")

    sub = command(
        "metrics",
        "response metrics: MTTD, MTTA, MTTM, MTTR, incidents per week and month, "
        "severities, repeat services",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=METRICS_EPILOG,
    )
    sub.add_argument("--since", metavar="T", help="detected at or after T (e.g. 2026-01-01, -30d)")
    sub.add_argument("--until", metavar="T", help="detected before T")
    sub.add_argument("--service", metavar="S", help="only this service (any case)")
    sub.add_argument("--sev", type=int, metavar="N", help="only this (current) severity")
    sub.add_argument("--json", action="store_true")

    sub = command("list", "open incidents, most severe first")
    sub.add_argument("--all", action="store_true", help="also resolved, closed, cancelled")
    sub.add_argument("--json", action="store_true")

    sub = command("show", "one incident's current state")
    sub.add_argument("ref")
    sub.add_argument("--json", action="store_true")

    sub = command("timeline", "one incident's timeline, as it happened")
    sub.add_argument("ref")
    form = sub.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true")
    form.add_argument("--csv", action="store_true")

    sub = command("export", "write an incident and all its events as JSON")
    sub.add_argument("ref")
    sub.add_argument("--out", metavar="FILE", help="default: standard output")

    sub = command("import", "import an export file (importing twice changes nothing)")
    sub.add_argument("file", help="an export file, or - for standard input")

    sub = command("sync", "deliver events queued for the server now; list pending and rejected")
    sub.add_argument(
        "--dismiss-rejected", action="store_true", help="forget rejected events after listing them"
    )

    sub = command("serve", "run the warroom server (HTTP API and live streams) over --db")
    sub.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sub.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    sub.add_argument("--heartbeat", type=float, default=15.0, metavar="S", help=argparse.SUPPRESS)

    sub = command("token", "the server's access tokens (in the --db file)")
    token_action = _actions(sub, "token_command")
    create = token_action("create", "make a token and print it (shown once)")
    create.add_argument("--role", required=True, choices=("viewer", "responder", "admin"))
    create.add_argument("--name", required=True, help="the actor of its events")
    token_action("list", "list tokens: name, role, created, revoked").add_argument(
        "--json", action="store_true"
    )
    token_action("revoke", "revoke a token by name: it stops working at once").add_argument("name")

    for name, help_text in (
        ("tui", "open the TUI: the incident list, or one incident's war room"),
        ("watch", "the read-only wall screen (same as tui --read-only)"),
    ):
        sub = command(name, help_text)
        sub.add_argument("ref", nargs="?")
        if name == "tui":
            sub.add_argument("--read-only", action="store_true", help="wall mode: no writing")

    return parser


def _prepare_argv(argv: Sequence[str]) -> list[str]:
    """Join `--at -5m` into `--at=-5m` so argparse reads it as a value."""
    out: list[str] = []
    items = list(argv)
    index = 0
    while index < len(items):
        item = items[index]
        if item in _TIME_OPTIONS and index + 1 < len(items) and items[index + 1].startswith("-"):
            out.append(f"{item}={items[index + 1]}")
            index += 2
            continue
        out.append(item)
        index += 1
    return out


class Context:
    """What a command needs: settings, the store (opened on first use), a clock."""

    def __init__(self, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> None:
        self.settings = settings
        self.clock = clock
        self._store: Any = None

    @property
    def store(self) -> Any:
        if self._store is None:
            from warroom.store.open import open_store

            self._store = open_store(self.settings, self.clock)
        return self._store

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    @property
    def actor(self) -> str:
        if self.settings.server:  # the server writes as the token's name
            return getattr(self.store, "actor", None) or self.settings.user
        return self.settings.user

    def time(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        from warroom.core.timeparse import parse_time

        return parse_time(text, self.clock.now())

    def write(self, ref: str, kind: str, data: dict[str, Any], at: datetime | None = None) -> Any:
        from warroom.actions import write

        incident_id = self.store.resolve(ref)
        return write(self.store, incident_id, kind, self.actor, data, self.clock, at=at)

    def close(self) -> None:
        if self._store is None:
            return
        try:
            finish = getattr(self._store, "finish", None)  # the http store: deliver, then say
            for line in finish() if finish is not None else ():
                sys.stderr.write(f"{clean_line(line)}\n")
        finally:
            self._store.close()


def _say(text: str) -> None:
    sys.stdout.write(text + ("" if text.endswith("\n") or not text else "\n"))


def _check_severity(ctx: Context, level: int) -> None:
    levels = list(ctx.catalog.severities)
    if level not in ctx.catalog.severities:
        raise UsageError(f"severity {level} is not defined; use {levels[0]}-{levels[-1]}")


def cmd_declare(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.actions import declare, open_incidents_for_service
    from warroom.textout import to_json

    _check_severity(ctx, args.sev)
    incident = declare(
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
    )
    if incident.service:
        from warroom.runbooks import after_declare

        incident = after_declare(ctx, incident)  # attaches the service's runbook
    if incident.service:
        others = open_incidents_for_service(ctx.store, incident.service, incident.id)
        if others:
            refs = ", ".join(other.ref for other in others)
            sys.stderr.write(
                f"warroom: warning: {clean_line(incident.service)} already has an open "
                f"incident ({refs}); declared {incident.ref} anyway\n"
            )
    ref = incident.ref if incident.number is not None else f"{incident.ref} (pending)"
    _say(to_json(incident.to_public(ctx.catalog)) if args.json else ref)
    return 0


def _recorded(ctx: Context, event: Any, what: str) -> int:
    incident = ctx.store.incident(event.incident_id)
    where = f"seq {event.seq}" if event.seq is not None else "pending"
    _say(f"{incident.ref}: {what} ({where})")
    return 0


def cmd_log(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.write(args.ref, args.kind, {"text": args.text}, at=ctx.time(args.at))
    return _recorded(ctx, event, f"{args.kind} recorded")


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
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
    return _recorded(ctx, event, f"status {args.status}")


def cmd_sev(ctx: Context, args: argparse.Namespace) -> int:
    _check_severity(ctx, args.severity)
    data: dict[str, Any] = {"severity": args.severity}
    if args.note:
        data["note"] = args.note
    event = ctx.write(args.ref, "severity_changed", data)
    return _recorded(ctx, event, f"severity SEV{args.severity}")


def cmd_set(ctx: Context, args: argparse.Namespace) -> int:
    changes = [
        ("title_changed", {"title": args.title}, args.title),
        ("service_changed", {"service": args.service or None}, args.service),
        ("summary_set", {"text": args.summary}, args.summary),
    ]
    wanted = [(kind, data) for kind, data, given in changes if given is not None]
    if not wanted:
        raise UsageError("nothing to set: give --title, --service or --summary")
    for kind, data in wanted:
        event = ctx.write(args.ref, kind, data)
        _recorded(ctx, event, kind.replace("_", " "))
    return 0


def cmd_role(ctx: Context, args: argparse.Namespace) -> int:
    if args.role not in ctx.catalog.roles:
        raise UsageError(f"unknown role {args.role!r}; roles: {', '.join(ctx.catalog.roles)}")
    kind = "role_assigned" if args.command == "assign" else "role_released"
    event = ctx.write(args.ref, kind, {"role": args.role, "person": args.person})
    verb = "assigned" if args.command == "assign" else "released"
    return _recorded(ctx, event, f"{clean_line(args.person)} {verb} {args.role}")


def cmd_presence(ctx: Context, args: argparse.Namespace) -> int:
    kind = "participant_joined" if args.command == "join" else "participant_left"
    event = ctx.write(args.ref, kind, {"person": args.person})
    verb = "joined" if args.command == "join" else "left"
    return _recorded(ctx, event, f"{clean_line(args.person)} {verb}")


def cmd_milestone(ctx: Context, args: argparse.Namespace) -> int:
    if args.name not in ctx.catalog.milestones:
        raise UsageError(
            f"unknown milestone {args.name!r}; milestones: {', '.join(ctx.catalog.milestones)}"
        )
    event = ctx.write(args.ref, "milestone", {"name": args.name}, at=ctx.time(args.at))
    return _recorded(ctx, event, f"milestone {args.name}")


def cmd_link(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.write(args.ref, "link_added", {"url": args.url, "label": args.label})
    return _recorded(ctx, event, "link added")


def cmd_update(ctx: Context, args: argparse.Namespace) -> int:
    event = ctx.write(args.ref, "comms_update", {"text": args.text, "audience": args.audience})
    return _recorded(ctx, event, f"stakeholder update ({args.audience}) recorded")


def cmd_runbook(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.runbooks import runbook_command

    return runbook_command(ctx, args)


def cmd_drill(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.drill import demo_command, drill_command

    return (drill_command if args.command == "drill" else demo_command)(ctx, args)


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.textout import incident_list, to_json

    incidents = ctx.store.incidents(include_closed=args.all)
    if args.json:
        _say(to_json([incident.to_public(ctx.catalog) for incident in incidents]))
    elif incidents:
        _say(incident_list(incidents, ctx.catalog, ctx.clock.now()))
    else:
        what = "no incidents" if args.all else "no open incidents"
        sys.stderr.write(f"{what}; declare one with: warroom declare TITLE --sev N\n")
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.textout import incident_details, to_json

    incident = ctx.store.incident(ctx.store.resolve(args.ref))
    if args.json:
        _say(to_json(incident.to_public(ctx.catalog)))
    else:
        _say(incident_details(incident, ctx.catalog, ctx.clock.now()))
    return 0


def cmd_timeline(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.textout import timeline_csv, timeline_order, timeline_text, to_json

    incident_id = ctx.store.resolve(args.ref)
    events = ctx.store.events(incident_id)
    pending_events = getattr(ctx.store, "pending_events", None)  # the http store's outbox
    waiting = pending_events(incident_id) if pending_events is not None else []
    if waiting:
        events = [*events, *waiting]
        sys.stderr.write(f"{len(waiting)} of these events are pending delivery to the server\n")
    if args.json:
        _say(to_json([event.to_dict() for event in timeline_order(events)]))
    elif args.csv:
        sys.stdout.write(timeline_csv(events))
    else:
        _say(timeline_text(events, ctx.store.incident(incident_id).concurrent))
    return 0


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.textout import to_json

    incident_id = ctx.store.resolve(args.ref)
    document = {
        "format": "warroom-export",
        "version": 1,
        "incident": ctx.store.incident(incident_id).to_public(ctx.catalog),
        "events": [event.to_dict() for event in ctx.store.events(incident_id)],
    }
    text = to_json(document) + "\n"
    if args.out:
        _write_file(Path(args.out), text)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        sys.stdout.write(text)
    return 0


def _write_file(path: Path, text: str) -> None:
    if path.is_dir():
        raise UsageError(f"--out {path} is a directory; give a file name")
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        raise WarroomError(f"cannot write {path}: {error.strerror}") from None


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.events import Event

    try:
        events = [
            Event.from_dict({**raw, "seq": None, "gseq": None, "recorded_at": None})
            for raw in _read_export(args.file)
        ]
    except ValueError as error:
        raise UsageError(f"{args.file}: {error}") from None
    if not events:
        raise UsageError(f"{args.file} holds no events")
    incident_ids = {event.incident_id for event in events}
    import_events = getattr(ctx.store, "import_events", None)
    if import_events is not None:  # a server: its admin-only import keeps the file's actors
        stored, new = import_events(events)
    else:
        before = {iid: _known_seq(ctx, iid) for iid in incident_ids}
        stored = ctx.store.append_many(events)
        new = sum(1 for event in stored if event.seq and event.seq > before[event.incident_id])
    for incident_id in incident_ids:
        incident = ctx.store.incident(incident_id)
        _say(f"{incident.ref}: imported {new} new events ({len(stored) - new} already present)")
    return 0


def _known_seq(ctx: Context, incident_id: str) -> int:
    from warroom.core.errors import NotFound

    try:
        return ctx.store.incident(incident_id).last_seq
    except NotFound:
        return 0


def _read_export(name: str) -> list[Any]:
    try:
        raw = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such file: {name}") from None
    except IsADirectoryError:
        raise UsageError(f"{name} is a directory, not an export file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {name}: {error}") from None
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise UsageError(f"{name} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("format") != "warroom-export":
        raise UsageError(f'{name} is not a warroom export (no "format": "warroom-export")')
    if document.get("version") != 1:
        raise UsageError(f"{name} is export version {document.get('version')!r}; this reads 1")
    events = document.get("events")
    if not isinstance(events, list):
        raise UsageError(f'{name}: "events" must be a list')
    if not all(isinstance(raw_event, dict) for raw_event in events):
        raise UsageError(f"{name}: each event must be a JSON object")
    return events


def cmd_serve(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.settings.server:
        raise UsageError("serve keeps the store itself: give --db, not --server")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port (0-65535)")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write(
            f"warroom: warning: serving on {clean_line(args.host)}: tokens travel in clear "
            "text; put a TLS proxy in front\n"
        )
    from warroom.server.run import serve

    return serve(ctx.store, host=args.host, port=args.port, heartbeat=args.heartbeat)


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    sync = getattr(ctx.store, "sync", None)
    if sync is None:
        raise UsageError("sync delivers what was queued for a server: give --server URL --token T")
    report = sync()
    if report.delivered:
        _say(f"delivered {report.delivered} event(s)")
    for entry in report.pending:
        _say(f"pending   {_outbox_line(ctx, entry)}")
    for entry in report.rejected:
        _say(f"rejected  {_outbox_line(ctx, entry)}: {clean_line(entry.reason or '')}")
    if args.dismiss_rejected and report.rejected:
        _say(f"dismissed {ctx.store.dismiss_rejected()} rejected event(s)")
    if report.problem:
        sys.stderr.write(f"warroom: {clean_line(report.problem)}\n")
    if report.pending:
        why = "server unreachable" if not report.reachable else "not delivered yet"
        sys.stderr.write(f"{why}: {len(report.pending)} pending\n")
        return 1
    if not report.rejected and not report.delivered:
        _say("nothing pending")
    return 0


def _outbox_line(ctx: Context, entry: Any) -> str:
    from warroom.core.describe import describe
    from warroom.core.errors import NotFound
    from warroom.core.times import format_local

    event = entry.event
    try:
        ref = ctx.store.incident(event.incident_id).ref
    except NotFound:
        ref = event.incident_id[:8]
    return (
        f"{ref:<8} {event.kind:<16} {clean_line(describe(event))} "
        f"(queued {format_local(entry.queued_at)})"
    )


def cmd_token(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.settings.server:
        raise UsageError("token: manage tokens on the server's host, with --db (not --server)")
    from warroom.server.tokens import TokenStore

    tokens = TokenStore.for_store(ctx.store)
    if args.token_command == "create":
        secret = tokens.create(args.name, args.role)
        sys.stderr.write(
            f"token {args.name} ({args.role}) created; it is shown only now, keep it:\n"
        )
        _say(secret)
    elif args.token_command == "list":
        infos = tokens.list()
        if args.json:
            from warroom.textout import to_json

            _say(to_json([info.to_public() for info in infos]))
        for info in [] if args.json else infos:
            state = f"revoked {info.revoked_at}" if info.revoked else "active"
            _say(f"{clean_line(info.name):<24} {info.role:<10} {info.created_at}  {state}")
        if not infos and not args.json:
            sys.stderr.write("no tokens; make one with: warroom token create --role R --name N\n")
    else:
        info = tokens.revoke(args.name)
        _say(f"token {clean_line(info.name)} revoked")
    return 0


def _today(ctx: Context) -> Any:
    """Today's date in local time (due dates and "overdue" are local)."""
    return ctx.clock.now().astimezone().date()


def _find_followup(ctx: Context, typed: str) -> Any:
    from warroom.core.followups import find

    ref, _, prefix = typed.rpartition(":")
    if ref:
        return find([ctx.store.incident(ctx.store.resolve(ref))], prefix)
    return find(ctx.store.incidents(include_closed=True), prefix)


def cmd_followup(ctx: Context, args: argparse.Namespace) -> int:
    if args.followup_command == "add":
        from warroom.core.followups import new_followup_id, parse_due

        data = {
            "id": new_followup_id(),
            "text": args.text,
            "owner": args.owner,
            "due": parse_due(args.due, _today(ctx)).isoformat(),
        }
        event = ctx.write(args.ref, "followup_added", data)
        what = f"follow-up {data['id']} added (owner {clean_line(args.owner)}, due {data['due']})"
        return _recorded(ctx, event, what)
    entry = _find_followup(ctx, args.id)
    done = args.followup_command == "done"
    kind, verb = ("followup_done", "done") if done else ("followup_verified", "verified")
    data: dict[str, Any] = {"id": entry.followup.id, "text": entry.followup.text}
    if args.note:
        data["note"] = args.note
    event = ctx.write(entry.incident.id, kind, data)
    return _recorded(ctx, event, f"follow-up {entry.followup.id} {verb}")


def cmd_followups(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.followups import entries, entries_text, select
    from warroom.textout import to_json

    today = _today(ctx)
    found = select(
        entries(ctx.store.incidents(include_closed=True)),
        today,
        open_only=args.open,
        overdue_only=args.overdue,
        owner=args.owner,
    )
    if args.json:
        _say(to_json([entry.to_public(today) for entry in found]))
    elif found:
        _say(entries_text(found, today))
    else:
        sys.stderr.write(
            "no follow-ups match; add one with: warroom followup add REF TEXT --owner NAME "
            "--due DATE\n"
        )
    return 0


def cmd_postmortem(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.postmortem import render_postmortem

    incident_id = ctx.store.resolve(args.ref)
    text = render_postmortem(
        ctx.store.incident(incident_id), ctx.store.events(incident_id), ctx.catalog, ctx.clock.now()
    )
    if args.out:
        _write_file(Path(args.out), text)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        sys.stdout.write(text)
    return 0


def cmd_metrics(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.metrics import Filters, compute, report_text
    from warroom.textout import to_json

    if args.sev is not None:
        _check_severity(ctx, args.sev)
    filters = Filters(
        since=ctx.time(args.since),
        until=ctx.time(args.until),
        service=args.service,
        severity=args.sev,
    )
    if filters.since and filters.until and filters.since >= filters.until:
        raise UsageError("--since must be before --until")
    report = compute(
        ctx.store.incidents(include_closed=True), filters, levels=ctx.catalog.severities
    )
    if args.json:
        _say(to_json(report.to_json()))
    else:
        names = {level: severity.name for level, severity in ctx.catalog.severities.items()}
        _say(report_text(report, names))
    return 0


def cmd_tui(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.tui.run import run_tui

    read_only = args.command == "watch" or getattr(args, "read_only", False)
    return run_tui(ctx.settings, ref=getattr(args, "ref", None), read_only=read_only)


COMMANDS: dict[str, Callable[[Context, argparse.Namespace], int]] = {
    "declare": cmd_declare,
    "log": cmd_log,
    "status": cmd_status,
    "sev": cmd_sev,
    "set": cmd_set,
    "assign": cmd_role,
    "release": cmd_role,
    "join": cmd_presence,
    "leave": cmd_presence,
    "milestone": cmd_milestone,
    "link": cmd_link,
    "update": cmd_update,
    "runbook": cmd_runbook,
    "drill": cmd_drill,
    "demo": cmd_drill,
    "list": cmd_list,
    "show": cmd_show,
    "timeline": cmd_timeline,
    "export": cmd_export,
    "import": cmd_import,
    "tui": cmd_tui,
    "watch": cmd_tui,
    "serve": cmd_serve,
    "token": cmd_token,
    "sync": cmd_sync,
    "followup": cmd_followup,
    "followups": cmd_followups,
    "postmortem": cmd_postmortem,
    "metrics": cmd_metrics,
}


def run(argv: Sequence[str] | None = None, clock: Clock = SYSTEM_CLOCK) -> int:
    args = build_parser().parse_args(_prepare_argv(sys.argv[1:] if argv is None else argv))
    flags = {name: getattr(args, name, None) for name in GLOBAL_FLAGS}
    ctx = Context(load_settings(flags), clock)
    if flags.get("user") and ctx.settings.server:
        sys.stderr.write(
            "warroom: note: --as is ignored against a server: events are written as the "
            "token's name\n"
        )
    try:
        return COMMANDS[args.command or "tui"](ctx, args)
    finally:
        ctx.close()


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: run a command, turning every error into one line."""
    try:
        return run(argv)
    except UsageError as error:
        sys.stderr.write(f"warroom: {clean_line(str(error))}\n")
        return 2
    except WarroomError as error:
        sys.stderr.write(f"warroom: {clean_line(str(error))}\n")
        return 1
    except ValueError as error:
        sys.stderr.write(f"warroom: {clean_line(str(error))}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("warroom: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as error:  # the last line of defence: never a traceback
        if os.environ.get("WARROOM_DEBUG"):
            raise
        sys.stderr.write(
            f"warroom: internal error: {type(error).__name__}: {clean_line(str(error))} "
            "(run with WARROOM_DEBUG=1 for details)\n"
        )
        return 1
