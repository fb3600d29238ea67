"""`warroom list | show | timeline | export | import`: reading incidents and
their timelines out (text, JSON, CSV, an export file), and an export back in."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from warroom.cli.context import Context
from warroom.cli.output import say, say_json, write_out
from warroom.cli.parser import Commands
from warroom.core.errors import UsageError


def register(commands: Commands) -> None:
    sub = commands.add("list", "open incidents, most severe first", list_incidents)
    sub.add_argument("--all", action="store_true", help="also resolved, closed, cancelled")
    sub.add_argument("--json", action="store_true")

    sub = commands.add("show", "one incident's current state", show)
    sub.add_argument("ref")
    sub.add_argument("--json", action="store_true")

    sub = commands.add("timeline", "one incident's timeline, as it happened", timeline)
    sub.add_argument("ref")
    form = sub.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true")
    form.add_argument("--csv", action="store_true")

    sub = commands.add("export", "write an incident and all its events as JSON", export)
    sub.add_argument("ref")
    sub.add_argument("--out", metavar="FILE", help="default: standard output")

    sub = commands.add(
        "import", "import an export file (importing twice changes nothing)", import_export
    )
    sub.add_argument("file", help="an export file, or - for standard input")


def list_incidents(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.cli.textout import incident_list

    incidents = ctx.store.incidents(include_closed=args.all)
    if args.json:
        say_json([incident.to_public(ctx.catalog) for incident in incidents])
    elif incidents:
        say(incident_list(incidents, ctx.catalog, ctx.clock.now()))
    else:
        what = "no incidents" if args.all else "no open incidents"
        sys.stderr.write(f"{what}; declare one with: warroom declare TITLE --sev N\n")
    return 0


def show(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.cli.textout import incident_details

    incident = ctx.store.incident(ctx.store.resolve(args.ref))
    if args.json:
        say_json(incident.to_public(ctx.catalog))
    else:
        say(incident_details(incident, ctx.catalog, ctx.clock.now()))
    return 0


def timeline(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.cli.textout import timeline_csv, timeline_order, timeline_text

    incident_id = ctx.store.resolve(args.ref)
    events = ctx.store.events(incident_id)
    waiting = ctx.remote.pending_events(incident_id) if ctx.remote is not None else []
    if waiting:
        events = [*events, *waiting]
        sys.stderr.write(f"{len(waiting)} of these events are pending delivery to the server\n")
    if args.json:
        say_json([event.to_dict() for event in timeline_order(events)])
    elif args.csv:
        sys.stdout.write(timeline_csv(events))
    else:
        say(timeline_text(events, ctx.store.incident(incident_id).concurrent))
    return 0


def export(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.cli.textout import to_json

    incident_id = ctx.store.resolve(args.ref)
    document = {
        "format": "warroom-export",
        "version": 1,
        "incident": ctx.store.incident(incident_id).to_public(ctx.catalog),
        "events": [event.to_dict() for event in ctx.store.events(incident_id)],
    }
    write_out(args.out, to_json(document) + "\n")
    return 0


def import_export(ctx: Context, args: argparse.Namespace) -> int:
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
    incident_id = events[0].incident_id
    for event in events:  # an export holds one incident: the file is refused whole
        if event.incident_id != incident_id:
            raise UsageError(
                f"{args.file}: event {event.id} belongs to another incident "
                f"({event.incident_id}) than the export's ({incident_id}); an export "
                "holds one incident: nothing imported"
            )
    if ctx.remote is not None:  # a server: its admin-only import keeps the file's actors
        stored, new = ctx.remote.import_events(events)
    else:
        before = _known_seq(ctx, incident_id)
        stored = ctx.store.append_many(events)
        new = sum(1 for event in stored if event.seq and event.seq > before)
    incident = ctx.store.incident(incident_id)
    say(f"{incident.ref}: imported {new} new events ({len(stored) - new} already present)")
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
    except RecursionError:
        raise UsageError(f"{name}: its JSON is nested too deeply to be an export") from None
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
