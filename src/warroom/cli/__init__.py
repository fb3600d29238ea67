"""`warroom ...`: the command line.  Opening the TUI is one subcommand.

Exit status: 0 on success, 2 for usage errors, 1 for anything else; errors
are one clear line on stderr, never a traceback.  Commands that do not open
the TUI import neither Textual nor the server.

One module per group of commands; each has `register(commands)`, adding its
commands (their arguments and the function that runs each) in the order
`warroom --help` lists them.  A new group is a new module here plus one line
in `GROUPS`.  Work the TUI or the server also does lives in `warroom.services`,
never here; nothing but `warroom.__main__` and the console script imports this
package.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from warroom import __version__
from warroom.cli import (
    alerts,
    db,
    drills,
    followups,
    incidents,
    notify,
    oncall,
    reports,
    runbooks,
    server,
    statuspage,
    timeline,
    tui,
)
from warroom.cli.context import Context
from warroom.cli.output import say
from warroom.cli.parser import (
    GLOBAL_FLAGS,
    Commands,
    Handler,
    Parser,
    command_named,
    global_options,
    prepare_argv,
)
from warroom.config import load_settings
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import NothingChanged, UsageError, WarroomError
from warroom.core.text import clean_line

GROUPS = (
    incidents,
    runbooks,
    drills,
    followups,
    alerts,
    oncall,
    notify,
    reports,
    timeline,
    statuspage,
    server,
    db,
    tui,
)
DEFAULT_COMMAND = "tui"  # plain `warroom`


def _commands(only: str | None = None) -> tuple[argparse.ArgumentParser, Commands]:
    """The parser, and each command's handler; with `only`, the arguments of
    that command alone are built (the others are only named)."""
    # No abbreviations at the top: argparse would read a command's own option
    # (`oncall override --to`) as an ambiguous abbreviation of a global flag (--token).
    parser = Parser(
        prog="warroom",
        description="A terminal war room for incident response.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    global_options(parser, suppress=False)
    commands = Commands(parser, only)
    for group in GROUPS:
        group.register(commands)
    return parser, commands


def build_parser() -> argparse.ArgumentParser:
    return _commands()[0]


def run(argv: Sequence[str] | None = None, clock: Clock = SYSTEM_CLOCK) -> int:
    words = prepare_argv(sys.argv[1:] if argv is None else argv)
    parser, commands = _commands(command_named(words))
    args = parser.parse_args(words)
    command: Handler = commands.handlers[args.command or DEFAULT_COMMAND]
    flags = {name: getattr(args, name, None) for name in GLOBAL_FLAGS}
    ctx = Context(load_settings(flags), clock)
    for warning in dict.fromkeys(ctx.settings.warnings):  # each once
        sys.stderr.write(f"warroom: {clean_line(warning)}\n")
    if flags.get("user") and ctx.settings.server:
        sys.stderr.write(
            "warroom: note: --as is ignored against a server: events are written as the "
            "token's name\n"
        )
    try:
        return command(ctx, args)
    except NothingChanged as nothing:  # a re-run asking for what is already so
        say(clean_line(str(nothing)))
        return 0
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
