"""`warroom sync | serve | token`: the server (run it, manage its tokens) and,
as its client, delivering what was queued for it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from warroom.cli.context import Context
from warroom.cli.output import say, say_json
from warroom.cli.parser import Commands, actions
from warroom.core.errors import UsageError
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.store.outbox import OutboxEntry


def register(commands: Commands) -> None:
    sub = commands.add(
        "sync", "deliver events queued for the server now; list pending and rejected", sync
    )
    sub.add_argument(
        "--dismiss-rejected", action="store_true", help="forget rejected events after listing them"
    )

    sub = commands.add(
        "serve", "run the warroom server (HTTP API and live streams) over --db", serve
    )
    sub.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sub.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    sub.add_argument(
        "--public-port",
        type=int,
        metavar="P",
        help="also serve the public status page alone (/status, /api/v2) on port P",
    )
    sub.add_argument(
        "--migrate",
        action="store_true",
        help="upgrade a PostgreSQL database of an older schema first (else serve refuses it)",
    )
    sub.add_argument("--heartbeat", type=float, default=15.0, metavar="S", help=argparse.SUPPRESS)

    sub = commands.add("token", "the server's access tokens (in the --db file)", token)
    action = actions(sub, "token_command")
    create = action("create", "make a token and print it (shown once)")
    create.add_argument(
        "--role",
        required=True,
        choices=("viewer", "responder", "admin", "alerts"),
        help="viewer reads; responder also writes and posts alerts; admin also manages "
        "tokens; alerts only posts alerts (for monitoring tools)",
    )
    create.add_argument("--name", required=True, help="the actor of its events")
    action("list", "list tokens: name, role, created, revoked").add_argument(
        "--json", action="store_true"
    )
    action("revoke", "revoke a token by name: it stops working at once").add_argument("name")


def serve(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.settings.server:
        raise UsageError("serve keeps the store itself: give --db, not --server")
    for flag, port in (("--port", args.port), ("--public-port", args.public_port)):
        if port is not None and not 0 <= port <= 65535:
            raise UsageError(f"{flag} {port} is not a port (0-65535)")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write(
            f"warroom: warning: serving on {clean_line(args.host)}: tokens travel in clear "
            "text; put a TLS proxy in front\n"
        )
    from warroom.server.alerts import AlertConfig
    from warroom.server.run import serve as run_server
    from warroom.services.paging import ack_secret_of
    from warroom.store.guard import quick_check

    if ctx.settings.db_url:
        if args.migrate:
            from warroom.store.pg_schema import create_or_upgrade

            create_or_upgrade(ctx.settings.db_url, ctx.settings.db_password())
    else:
        quick_check(ctx.settings.db)  # a damaged store is refused before it serves
    alerts = AlertConfig.from_settings(ctx.settings)  # a bad alert rule is refused here
    notify = ctx.settings.notify()  # so is a bad [[notify]] route

    return run_server(
        ctx.store,
        host=args.host,
        port=args.port,
        heartbeat=args.heartbeat,
        page=ctx.settings.page_config(),
        public_port=args.public_port,
        public_url=ctx.settings.public_url,
        alerts=alerts,
        ack_secret=ack_secret_of(ctx.settings, ctx.store),
        notify=notify,
        rounds=_escalation(ctx),
        oncall=ctx.settings.oncall(),
    )


def _escalation(ctx: Context) -> list[Callable[[Any], object]]:
    """The escalation runner, a round of the sender's loop (`warroom serve`)."""
    from warroom.services.paging import escalation_rounds

    return escalation_rounds(ctx.settings, ctx.clock, ctx.store)


def sync(ctx: Context, args: argparse.Namespace) -> int:
    remote = ctx.remote
    if remote is None:
        raise UsageError("sync delivers what was queued for a server: give --server URL --token T")
    report = remote.sync()
    if report.delivered:
        say(f"delivered {report.delivered} event(s)")
    for entry in report.pending:
        say(f"pending   {_outbox_line(ctx, entry)}")
    for entry in report.rejected:
        say(f"rejected  {_outbox_line(ctx, entry)}: {clean_line(entry.reason or '')}")
    if args.dismiss_rejected and report.rejected:
        say(f"dismissed {remote.dismiss_rejected()} rejected event(s)")
    if report.problem:
        sys.stderr.write(f"warroom: {clean_line(report.problem)}\n")
    if report.pending:
        why = "server unreachable" if not report.reachable else "not delivered yet"
        sys.stderr.write(f"{why}: {len(report.pending)} pending\n")
        return 1
    if not report.rejected and not report.delivered:
        say("nothing pending")
    return 0


def _outbox_line(ctx: Context, entry: OutboxEntry) -> str:
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


def token(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.settings.server:
        raise UsageError("token: manage tokens on the server's host, with --db (not --server)")
    from warroom.server.tokens import TokenStore

    tokens = TokenStore.for_store(ctx.store)
    if args.token_command == "create":
        secret = tokens.create(args.name, args.role)
        sys.stderr.write(
            f"token {args.name} ({args.role}) created; it is shown only now, keep it:\n"
        )
        say(secret)
    elif args.token_command == "list":
        infos = tokens.list()
        if args.json:
            say_json([info.to_public() for info in infos])
        for info in [] if args.json else infos:
            state = f"revoked {info.revoked_at}" if info.revoked else "active"
            say(f"{clean_line(info.name):<24} {info.role:<10} {info.created_at}  {state}")
        if not infos and not args.json:
            sys.stderr.write("no tokens; make one with: warroom token create --role R --name N\n")
    else:
        info = tokens.revoke(args.name)
        say(f"token {clean_line(info.name)} revoked")
    return 0
