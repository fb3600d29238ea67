"""`warroom alerts` and `warroom alert declare | attach | ignore | ingest`: the
alert inbox, on the store's own file or a server alike (the `AlertInbox` of
`warroom.services.alerts.inbox_for`).  ALERT is an alert id or a prefix of
one, as `warroom alerts` shows it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from warroom.cli.context import Context
from warroom.cli.output import say, say_json, warn
from warroom.cli.parser import Commands, actions
from warroom.core.alerts import SOURCES
from warroom.core.errors import UsageError
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord, Ingested
    from warroom.store.base import AlertInbox

DEFAULT_LIMIT = 100


def register(commands: Commands) -> None:
    sub = commands.add(
        "alerts", "the alert inbox, newest first (--all: routed and resolved ones too)", alerts
    )
    sub.add_argument("--all", action="store_true", help="also alerts routed, ignored, resolved")
    sub.add_argument("--incident", metavar="REF", help="the alerts of this incident (all states)")
    sub.add_argument(
        "--limit", type=_positive, default=DEFAULT_LIMIT, metavar="N", help="at most N (100)"
    )
    sub.add_argument("--json", action="store_true")

    sub = commands.add(
        "alert", "one alert: declare an incident from it, attach, ignore; ingest a payload", alert
    )
    action = actions(sub, "alert_command")
    declare = action("declare", "declare an incident from an alert (and its group in the inbox)")
    declare.add_argument("alert", metavar="ALERT", help="an alert id or prefix (warroom alerts)")
    declare.add_argument("--sev", type=int, metavar="N", help="severity 1-5 (default: the rule's)")
    declare.add_argument("--title", metavar="T", help="default: the alert's summary")
    declare.add_argument("--json", action="store_true")
    attach = action("attach", "record an alert (and its group) on an existing incident")
    attach.add_argument("alert", metavar="ALERT")
    attach.add_argument("ref", metavar="REF")
    ignore = action("ignore", "take an alert out of the inbox without an incident")
    ignore.add_argument("alert", metavar="ALERT")
    ingest = action(
        "ingest", "take one alert payload on standard input, as the server's endpoint does"
    )
    ingest.add_argument("--source", required=True, choices=SOURCES)
    ingest.add_argument("--json", action="store_true")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def _inbox(ctx: Context) -> AlertInbox:
    from warroom.services.alerts import inbox_for

    return inbox_for(ctx.store, ctx.settings, ctx.clock)


def alerts(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.cli.textout import alert_list

    state = "all" if args.all or args.incident else "inbox"  # an incident's alerts are routed
    found = _inbox(ctx).list(state=state, incident=args.incident, limit=args.limit)
    refs = _incident_refs(ctx, found)
    if args.json:
        say_json([_public(record, refs) for record in found])
    elif found:
        say(alert_list(found, refs, ctx.clock.now()))
    elif args.incident:
        sys.stderr.write(f"no alerts on {clean_line(args.incident)}\n")
    elif args.all:
        sys.stderr.write(
            "no alerts; monitoring posts them to the server, or: warroom alert ingest\n"
        )
    else:
        sys.stderr.write(
            "the inbox is empty; `warroom alerts --all` shows routed and resolved ones\n"
        )
    return 0


def alert(ctx: Context, args: argparse.Namespace) -> int:
    handler = {
        "declare": _declare,
        "attach": _attach,
        "ignore": _ignore,
        "ingest": _ingest,
    }[args.alert_command]
    return handler(ctx, args)


def _declare(ctx: Context, args: argparse.Namespace) -> int:
    if args.sev is not None:
        ctx.catalog.check_severity(args.sev)
    if args.title is not None and not args.title.strip():
        raise UsageError("--title is empty; give a title, or leave it out for the alert's summary")
    incident = _inbox(ctx).declare(args.alert, ctx.actor, severity=args.sev, title=args.title)
    if args.json:
        say_json(incident.to_public(ctx.catalog))
    else:
        say(incident.ref)
        warn(
            f"{incident.ref} declared from alert {clean_line(args.alert)}: "
            f"SEV{incident.severity} {_short(incident.title)}",
            prefix=False,
        )
    return 0


def _attach(ctx: Context, args: argparse.Namespace) -> int:
    incident = _inbox(ctx).attach(args.alert, args.ref, ctx.actor)
    say(f"alert {clean_line(args.alert)} attached to {incident.ref}")
    return 0


def _ignore(ctx: Context, args: argparse.Namespace) -> int:
    record = _inbox(ctx).ignore(args.alert, ctx.actor)
    say(f"alert {record.id} ignored: {_short(record.summary)}")
    return 0


def _ingest(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.alerts.errors import BadPayload

    payload = _read_payload(args.source)
    try:
        ingested = _inbox(ctx).ingest(args.source, payload)
    except BadPayload as error:
        raise UsageError(f"the {args.source} payload is not as documented: {error}") from None
    if args.json:
        from warroom.core.alerts.wire import ingested_to_json

        say_json(ingested_to_json(ingested))
    else:
        say(_ingested_line(ingested))
    return 0


def _short(text: str, length: int = 80) -> str:
    """Untrusted text for a message line: safe, and cut with "…" when long."""
    from warroom.core.kinds.alerts import cut

    return cut(clean_line(text), length)


def _read_payload(source: str) -> Any:
    """The one JSON payload on standard input; UsageError (one line) when it is
    not JSON (`core.alerts.payload`, as the endpoint reads it)."""
    from warroom.core.alerts.payload import PAYLOAD_MAX, NotJSON, decode_payload

    if sys.stdin is None:
        raise UsageError("no standard input to read the payload from")
    if sys.stdin.isatty():
        warn(f"reading a {source} payload from the terminal (end it with Ctrl-D)", prefix=False)
    raw = sys.stdin.buffer.read(PAYLOAD_MAX + 1)
    if len(raw) > PAYLOAD_MAX:
        raise UsageError(f"the payload is over {PAYLOAD_MAX // (1024 * 1024)} MB")
    if not raw.strip():
        raise UsageError(f"no payload on standard input: pipe one {source} JSON body in")
    try:
        return decode_payload(raw)
    except NotJSON as error:
        raise UsageError(f"the payload is {error}") from None


def _ingested_line(ingested: Ingested) -> str:
    """What one payload did, in one line."""
    count = ingested.accepted
    line = f"{count} alert{'' if count == 1 else 's'} accepted"
    if ingested.incidents:
        line += ": " + ", ".join(clean_line(ref) for ref in ingested.incidents)
    elif count:
        line += ": none went to an incident (`warroom alerts` shows the inbox)"
    if ingested.dedup_key is not None:
        line += f"; dedup_key {clean_line(ingested.dedup_key)}"
    return line


def _incident_refs(ctx: Context, records: list[AlertRecord]) -> dict[str, str]:
    """INC-n of each incident the alerts went to, from one read of the incidents
    (the id's start for one not found)."""
    wanted = {record.incident_id for record in records if record.incident_id}
    if not wanted:
        return {}
    known = {incident.id: incident.ref for incident in ctx.store.incidents(include_closed=True)}
    return {incident_id: known.get(incident_id, incident_id[:8]) for incident_id in wanted}


def _public(record: AlertRecord, refs: dict[str, str]) -> dict[str, Any]:
    """An alert for `--json`: the record's fields as the API gives them, and its incident's ref."""
    from warroom.core.alerts.wire import record_to_json

    incident = refs.get(record.incident_id) if record.incident_id else None
    return {**record_to_json(record), "incident": incident}
