"""`warroom drill SCENARIO [--speed N]` and `warroom demo`: game days.  The
runner itself is `warroom.services.drills`."""

from __future__ import annotations

import argparse
from pathlib import Path

from warroom.cli.context import Context
from warroom.cli.output import say_now
from warroom.cli.parser import Commands
from warroom.core.errors import UsageError
from warroom.core.text import clean_line
from warroom.core.times import format_duration


def register(commands: Commands) -> None:
    sub = commands.add(
        "drill", "a game day: replay a scenario into a new drill incident, then score it", drill
    )
    sub.add_argument("scenario", nargs="?", help="a scenario name (see --list) or a TOML file")
    sub.add_argument("--speed", type=float, default=1.0, metavar="N", help="N times real time")
    sub.add_argument("--list", action="store_true", help="list the scenarios")
    sub.add_argument("--keep-open", action="store_true", help="do not resolve it at the end")

    sub = commands.add("demo", "the TUI on a temporary store, with a drill running", demo)
    sub.add_argument("--scenario", metavar="NAME", help="default: the first scenario")
    sub.add_argument("--speed", type=float, default=20.0, metavar="N", help="default 20")


def drill(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.services.drills import check_speed, load_scenario, run_drill, scenario_files

    if args.list:
        for path in scenario_files():
            found = load_scenario(str(path))
            duration = format_duration(found.duration.total_seconds())
            say_now(f"{found.name:<24} {duration:>8}  {clean_line(found.title)}")
        return 0
    if not args.scenario:
        raise UsageError("give a scenario: warroom drill NAME (warroom drill --list shows them)")
    check_speed(args.speed)
    scenario = load_scenario(args.scenario)
    from warroom.services.runbooks import library

    run_drill(
        ctx.store,
        scenario,
        speed=args.speed,
        clock=ctx.clock,
        runbooks=library(ctx.settings),
        say=say_now,
        close=not args.keep_open,
    )
    return 0


def demo(ctx: Context, args: argparse.Namespace) -> int:
    import tempfile

    from warroom.services.drills import (
        check_speed,
        load_scenario,
        scenario_files,
        score_lines,
        start_demo,
    )

    check_speed(args.speed)
    names = [path.stem for path in scenario_files()]
    if not args.scenario and not names:
        raise UsageError("no scenarios are installed")
    scenario = load_scenario(args.scenario or names[0])
    with tempfile.TemporaryDirectory(prefix="warroom-demo-") as folder:
        started = start_demo(Path(folder), scenario, args.speed, ctx.settings, ctx.clock)
        try:
            from warroom.tui.run import run_tui

            status = run_tui(
                started.settings,
                ref=started.ref,
                read_only=False,
                clock=ctx.clock,
                briefing=started.briefing,
                on_drill_over=started.end.listen,
            )
        finally:
            result = started.stop()
        if result is not None:
            for line in score_lines(started.lines):
                say_now(line)
    return status
