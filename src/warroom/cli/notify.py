"""`warroom notify status | test` and `warroom notifier`: the deliveries of
pages and notifications (`warroom.services.notify`), and the sender for
teams sharing a store file (`warroom serve` runs the same sender)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from warroom.cli.context import Context
from warroom.cli.output import say, say_json
from warroom.cli.parser import Commands, actions
from warroom.core.errors import UsageError
from warroom.core.text import clean_line


def register(commands: Commands) -> None:
    sub = commands.add(
        "notify", "pages and notifications: their deliveries, a test message", notify
    )
    action = actions(sub, "notify_command")
    status = action("status", "deliveries pending and failed (--all: sent ones too)")
    status.add_argument("--failed", action="store_true", help="failed deliveries only")
    status.add_argument("--all", action="store_true", help="sent ones too")
    status.add_argument("--limit", type=int, default=200, metavar="N", help="at most N (200)")
    status.add_argument(
        "--json",
        action="store_true",
        help='[{"id", "event_id", "incident", "kind", "route", "target", "state", "attempts", '
        '"last_error"}]',
    )
    action("test", "send a test message to every target of a [[notify]] route now").add_argument(
        "route"
    )

    sub = commands.add(
        "notifier",
        "send the store's pages and notifications (one active per store; another waits as standby)",
        notifier,
    )
    sub.add_argument("--lease", type=float, default=15.0, metavar="S", help=argparse.SUPPRESS)
    sub.add_argument("--claim", type=float, default=60.0, metavar="S", help=argparse.SUPPRESS)


def notify(ctx: Context, args: argparse.Namespace) -> int:
    if args.notify_command == "test":
        return _test(ctx, args.route)
    return _status(ctx, args)


def _status(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.services.notify.status import shown_deliveries

    if args.failed and args.all:
        raise UsageError("give --failed or --all, not both")
    rows = shown_deliveries(ctx.store, args.failed, args.all, args.limit)
    if args.json:
        say_json(rows)
        return 0
    if not rows:
        what = "failed deliveries" if args.failed else "deliveries pending or failed"
        sys.stderr.write(f"no {what}\n")
        return 0
    for row in rows:
        say(clean_line(_line(row)))
    return 0


def _line(row: dict[str, Any]) -> str:
    error = f"  {row['last_error']}" if row["last_error"] and row["state"] != "sent" else ""
    return (
        f"{row['id']:>6}  {row['state']:<7} {row['kind']:<6} {row['incident']:<8} "
        f"{row['route']}  {row['target']}  tries {row['attempts']}{error}"
    )


def _test(ctx: Context, name: str) -> int:
    from warroom.core.notify import message
    from warroom.services.notify.transport import SendError, send, shown

    route = ctx.settings.notify().route(name)
    text = message(
        "TEST", 5, "test", f"warroom test message for route {name}", "a test", ctx.settings.user
    )
    document = _json({"test": True, "route": name})
    failed = 0
    for target in route.targets():
        try:
            send(target, text, document)
        except SendError as error:
            failed += 1
            say(clean_line(f"failed  {shown(target)}: {error}"))
        else:
            say(clean_line(f"sent    {shown(target)}"))
    return 1 if failed else 0


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def notifier(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.settings.server:
        raise UsageError(
            "notifier sends from a store file (--db); a server sends its own (`warroom serve`)"
        )
    import logging
    import signal
    import threading

    from warroom.services.notify import room_link
    from warroom.services.notify.sender import Sender
    from warroom.services.paging import escalation_rounds

    config = ctx.settings.notify()
    rounds = escalation_rounds(
        ctx.settings, ctx.clock, ctx.store
    )  # a bad on-call table: refused here
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("warroom.notify")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sender = Sender(
        ctx.store,
        config,
        clock=ctx.clock,
        lease_seconds=args.lease,
        claim_seconds=args.claim,
        link=room_link(ctx.settings.public_url),
        rounds=rounds,
    )
    from warroom.store.open import store_name

    routes = ", ".join(sorted(config.routes)) or "none"
    logger.info("notifier: %s, routes: %s", store_name(ctx.settings), clean_line(routes))
    sender.run(stop)
    return 0
