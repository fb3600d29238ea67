"""`warroom followup add | done | verify` and `warroom followups`: follow-ups
(action items) of incidents, by due date."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from warroom.cli.context import Context
from warroom.cli.output import recorded, say, say_json
from warroom.cli.parser import Commands, actions
from warroom.core.text import clean_line


def register(commands: Commands) -> None:
    sub = commands.add(
        "followup", "follow-ups (action items): add one, mark it done, verify it", followup
    )
    action = actions(sub, "followup_command")
    add = action("add", "add a follow-up to an incident (also after it is resolved or closed)")
    add.add_argument("ref")
    add.add_argument("text")
    add.add_argument("--owner", required=True, metavar="NAME")
    add.add_argument("--due", required=True, metavar="DATE", help="YYYY-MM-DD, or +7d / +2w")
    for name, help_text in (
        ("done", "mark a follow-up done"),
        ("verify", "record that a done follow-up's fix was checked to work"),
    ):
        change = action(name, help_text)
        change.add_argument("id", help="the follow-up's id, a unique prefix of it, or INC-n:ID")
        change.add_argument("--note", metavar="TEXT", help="how it was done/checked")

    sub = commands.add("followups", "follow-ups across all incidents, by due date", followups)
    sub.add_argument("--open", action="store_true", help="only open ones")
    sub.add_argument(
        "--overdue", action="store_true", help="only open ones due before today (local time)"
    )
    sub.add_argument("--owner", metavar="NAME", help="only this owner's (any case)")
    sub.add_argument("--json", action="store_true")


def _today(ctx: Context) -> date:
    """Today's date in local time (due dates and "overdue" are local)."""
    return ctx.clock.now().astimezone().date()


def _find_followup(ctx: Context, typed: str) -> Any:
    from warroom.core.followups import find

    ref, _, prefix = typed.rpartition(":")
    if ref:
        return find([ctx.store.incident(ctx.store.resolve(ref))], prefix)
    return find(ctx.store.incidents(include_closed=True), prefix)


def followup(ctx: Context, args: argparse.Namespace) -> int:
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
        return recorded(ctx, event, what)
    entry = _find_followup(ctx, args.id)
    done = args.followup_command == "done"
    kind, verb = ("followup_done", "done") if done else ("followup_verified", "verified")
    data: dict[str, Any] = {"id": entry.followup.id, "text": entry.followup.text}
    if args.note:
        data["note"] = args.note
    event = ctx.write(entry.incident.id, kind, data)
    return recorded(ctx, event, f"follow-up {entry.followup.id} {verb}")


def followups(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.followups import entries, entries_text, select

    today = _today(ctx)
    found = select(
        entries(ctx.store.incidents(include_closed=True)),
        today,
        open_only=args.open,
        overdue_only=args.overdue,
        owner=args.owner,
    )
    if args.json:
        say_json([entry.to_public(today) for entry in found])
    elif found:
        say(entries_text(found, today))
    else:
        sys.stderr.write(
            "no follow-ups match; add one with: warroom followup add REF TEXT --owner NAME "
            "--due DATE\n"
        )
    return 0
