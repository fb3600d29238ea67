"""`warroom tui [REF]` (also plain `warroom`), `warroom watch [REF]` and
`warroom replay REF`: the TUI."""

from __future__ import annotations

import argparse

from warroom.cli.context import Context
from warroom.cli.parser import Commands


def register(commands: Commands) -> None:
    for name, help_text in (
        ("tui", "open the TUI: the incident list, or one incident's war room"),
        ("watch", "the read-only wall screen (same as tui --read-only)"),
    ):
        sub = commands.add(name, help_text, tui)
        sub.add_argument("ref", nargs="?")
        if name == "tui":
            sub.add_argument("--read-only", action="store_true", help="wall mode: no writing")
    sub = commands.add(
        "replay",
        "replay an incident event by event, as the room knew it (read-only)",
        replay,
    )
    sub.add_argument("ref")


def tui(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.tui.run import run_tui

    read_only = args.command == "watch" or getattr(args, "read_only", False)
    return run_tui(ctx.settings, ref=getattr(args, "ref", None), read_only=read_only)


def replay(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.tui.run import run_tui

    return run_tui(ctx.settings, ref=args.ref, read_only=True, replay=True)
