"""`warroom db ...`: the store itself (never through a server): its schema
version, upgrading it (an SQLite file or a PostgreSQL database), copying a
whole store into another, and, for an SQLite file, checking it, backing it
up and restoring a backup.  The logic is the store's (`warroom.store.schema`,
`warroom.store.pg_schema`, `warroom.store.sqlite.upgrade`,
`warroom.store.copy`, `warroom.store.guard`)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.cli.context import Context
from warroom.cli.output import say, say_json
from warroom.cli.parser import Commands, actions
from warroom.core.errors import UsageError

if TYPE_CHECKING:
    from warroom.store.guard import Report


def register(commands: Commands) -> None:
    sub = commands.add(
        "db",
        "the store itself: schema version, upgrade, copy; an SQLite file's check, backup, restore",
        db,
        allow_abbrev=False,  # `copy --to` is no abbreviation of --token here
    )
    action = actions(sub, "db_command")
    action(
        "upgrade",
        "upgrade the --db file or PostgreSQL database to this warroom's schema, in place "
        "(any command opening an older file does it too; a database needs this or serve --migrate)",
    )
    action("version", "the --db file's schema version, and this warroom's").add_argument(
        "--json", action="store_true"
    )
    copy_action = action(
        "copy",
        "copy a whole store (every event, incident, alert, token...; ids, seqs and the store "
        "id kept) from SRC into DST, each an SQLite file or a postgresql:// URL; DST is made "
        "or upgraded first; running it again copies only what DST lacks",
    )
    copy_action.add_argument(
        "--from", dest="source", metavar="SRC", required=True, help="the store to copy"
    )
    copy_action.add_argument(
        "--to",
        dest="target",
        metavar="DST",
        required=True,
        help="the store to copy into: new, empty, or an earlier copy of SRC",
    )
    action(
        "check", "check the --db file: its WAL is its own, SQLite's quick_check; exit 1 if not"
    ).add_argument("--json", action="store_true")
    action(
        "backup", "copy the --db file to a new FILE, safely while it is in use (online backup)"
    ).add_argument("file", metavar="FILE", type=Path)
    action(
        "restore",
        "put BACKUP in place of the --db file (stop every warroom using it first); the "
        "replaced file and its stale WAL are moved aside, the result is checked",
    ).add_argument("backup", metavar="BACKUP", type=Path)


def db(ctx: Context, args: argparse.Namespace) -> int:
    if args.db_command == "copy":  # names its own two stores: --db and --server play no part
        return copy(ctx, args.source, args.target)
    if ctx.settings.server:
        raise UsageError(f"db {args.db_command}: works on the SQLite file: give --db, not --server")
    if args.db_command == "upgrade":
        return upgrade(ctx)
    if ctx.settings.db_url and args.db_command in ("check", "backup", "restore"):
        raise UsageError(
            f"db {args.db_command} is for an SQLite file; PostgreSQL keeps its own checks and "
            "backups (pg_dump, pg_basebackup, your provider's snapshots)"
        )
    if args.db_command == "check":
        return check(ctx, args.json)
    if args.db_command == "backup":
        return backup(ctx, args.file)
    if args.db_command == "restore":
        return restore(ctx, args.backup)
    return version(ctx, args.json)


def check(ctx: Context, as_json: bool) -> int:
    from warroom.store import guard

    report = guard.check(ctx.settings.db)
    if as_json:
        say_json(
            {
                "path": str(report.path),
                "ok": report.ok,
                "problems": report.problems,
                "schema": report.schema,
                "store_id": report.store_id,
                "events": report.events,
                "incidents": report.incidents,
            }
        )
    else:
        say(_summary(report))
        for problem in report.problems[1:]:
            say(f"  {problem}")
    return 0 if report.ok else 1


def _summary(report: Report) -> str:
    if not report.ok:
        return f"{report.path}: DAMAGED: {report.problems[0]}"
    return (
        f"{report.path}: ok (quick_check; schema {report.schema}, "
        f"{report.incidents} incidents, {report.events} events)"
    )


def backup(ctx: Context, target: Path) -> int:
    from warroom.store import guard

    report = guard.backup(ctx.settings.db, target.expanduser())
    say(f"backed up {ctx.settings.db} to {_summary(report)}")
    return 0 if report.ok else 1


def restore(ctx: Context, source: Path) -> int:
    from warroom.store import guard

    restored = guard.restore(ctx.settings.db, source.expanduser())
    for file, aside in restored.moved:
        say(f"moved {file} aside to {aside}")
    say(f"restored {source} to {_summary(restored.report)}")
    return 0 if restored.report.ok else 1


def copy(ctx: Context, source: str, target: str) -> int:
    from warroom.config import is_postgres_url
    from warroom.core.text import clean_line
    from warroom.store.copy import copy_store

    # `password_file` is read only when an end is PostgreSQL (it is for them).
    postgres = is_postgres_url(source) or is_postgres_url(target)
    password = ctx.settings.db_password() if postgres else None
    with _progress_bar() as progress:
        summary = copy_store(source, target, password, progress)
    if summary.upgraded:
        sys.stderr.write(f"warroom: {clean_line(summary.upgraded)}\n")
    say(clean_line(summary.line()))
    return 0


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on standard error when it is a terminal (rich, loaded
    only then), else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("copying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("copy", total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def upgrade(ctx: Context) -> int:
    if ctx.settings.db_url:
        from warroom.store.open import store_name
        from warroom.store.pg_schema import create_or_upgrade

        path = store_name(ctx.settings)
        before, after = create_or_upgrade(ctx.settings.db_url, ctx.settings.db_password())
    else:
        from warroom.store.sqlite import upgrade as upgrade_file

        path = str(ctx.settings.db)
        before, after = upgrade_file(ctx.settings.db)
    if before == after:
        say(f"{path}: schema {after}, already current")
    else:
        say(f"{path}: upgraded from schema {before} to {after}")
    return 0


def version(ctx: Context, as_json: bool) -> int:
    from warroom.store import schema

    if ctx.settings.db_url:
        from warroom.store import pg_schema
        from warroom.store.open import store_name

        path = store_name(ctx.settings)
        found_version = pg_schema.read_version(ctx.settings.db_url, ctx.settings.db_password())
        if found_version is None:
            raise UsageError(pg_schema.mismatch(path, None))
    else:
        path = str(ctx.settings.db)
        found = schema.file_schema(ctx.settings.db)
        if found.application_id != schema.APPLICATION_ID and not found.is_new:
            schema.check(ctx.settings.db, found)  # another program's file: says so
        found_version = found.version
    if found_version > schema.SCHEMA_VERSION:
        state = "newer than this warroom: upgrade warroom"
    elif found_version < schema.SCHEMA_VERSION and ctx.settings.db_url:
        state = "older: `warroom db upgrade` or `warroom serve --migrate` upgrades it"
    elif found_version < schema.SCHEMA_VERSION:
        state = "older: `warroom db upgrade`, or any command opening it, upgrades it in place"
    else:
        state = "current"
    if as_json:
        say_json(
            {
                "path": str(path),
                "schema": found_version,
                "warroom_schema": schema.SCHEMA_VERSION,
                "state": state.split(":")[0],
            }
        )
    else:
        say(f"{path}: schema {found_version} ({state}); this warroom: {schema.SCHEMA_VERSION}")
    return 0
