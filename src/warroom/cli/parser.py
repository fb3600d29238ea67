"""The parser's skeleton: one-line usage errors, the global flags every command
takes, and `Commands`, through which each group module adds its commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, cast

from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.cli.context import Context

Handler = Callable[["Context", argparse.Namespace], int]

GLOBAL_FLAGS = ("db", "user", "server", "token", "token_file")
# Options whose value may start with "-" ("--at -5m"): argparse would take it for a flag.
_TIME_OPTIONS = ("--at", "--started-at", "--detected-at", "--since", "--until", "--from", "--to")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"warroom: {clean_line(message)} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="the store: an SQLite file, or a postgresql:// URL",
    )
    group.add_argument("--as", dest="user", metavar="NAME", default=default, help="act as NAME")
    group.add_argument(
        "--server",
        metavar="URL",
        default=default,
        help="a warroom server; replicas of one store: URL1,URL2 (clients fail over)",
    )
    group.add_argument(
        "--token", metavar="T", default=default, help="the server token (visible in ps)"
    )
    group.add_argument(
        "--token-file",
        dest="token_file",
        metavar="FILE",
        default=default,
        help="read the server token from FILE (readable by you alone)",
    )


class Commands:
    """The `warroom COMMAND` parsers being built, and each command's handler.

    A group module's `register(commands)` calls `add` once per command; the
    order of the calls is the order of `warroom --help`.  With `only` (the
    command being run), every other command is named (for `--help` and the
    "invalid choice" list) but its arguments are not built.
    """

    def __init__(self, parser: argparse.ArgumentParser, only: str | None = None) -> None:
        self._subparsers = parser.add_subparsers(
            dest="command", metavar="COMMAND", parser_class=Parser
        )
        self._only = only
        self.handlers: dict[str, Handler] = {}

    def add(
        self, name: str, help_text: str, handler: Handler, **kwargs: Any
    ) -> argparse.ArgumentParser:
        """`warroom NAME ...`, run by `handler(ctx, args)`."""
        self.handlers[name] = handler
        if self._only is not None and name != self._only:
            self._subparsers.add_parser(name, help=help_text, add_help=False)
            return cast(argparse.ArgumentParser, _Unbuilt())
        sub = self._subparsers.add_parser(name, help=help_text, description=help_text, **kwargs)
        global_options(sub, suppress=True)
        return sub


class _Unbuilt:
    """The parser of a command that is not being run: it takes every call a
    group makes on it (arguments, groups, actions) and keeps nothing."""

    def __getattr__(self, name: str) -> Callable[..., _Unbuilt]:
        return self._take

    def _take(self, *args: Any, **kwargs: Any) -> _Unbuilt:
        return self


def command_named(argv: Sequence[str]) -> str | None:
    """The command word of `argv` (after any global flags), if there is one."""
    before = _Quiet(add_help=False, allow_abbrev=False)
    global_options(before, suppress=True)
    before.add_argument("command", nargs="?")
    try:
        known, _ = before.parse_known_args(argv)
    except _Unparsed:  # a global flag without its value: the full parser says so
        return None
    return known.command


class _Unparsed(Exception):
    pass


class _Quiet(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Unparsed(message)


def actions(
    parent: argparse.ArgumentParser, dest: str
) -> Callable[[str, str], argparse.ArgumentParser]:
    """`warroom NOUN ACTION ...`: a function adding one ACTION (with the global flags)."""
    subparsers = parent.add_subparsers(
        dest=dest, metavar="ACTION", parser_class=Parser, required=True
    )

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        global_options(sub, suppress=True)
        return sub

    return action


def prepare_argv(argv: Sequence[str]) -> list[str]:
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
