"""`warroom db ...`: the SQLite store file itself (never through a server):
its schema version, and upgrading it.  The logic is the store's
(`warroom.store.schema`, `warroom.store.sqlite.upgrade`);
later issues add check, backup, restore and copy here."""

from __future__ import annotations

import argparse

from warroom.cli.context import Context
from warroom.cli.output import say, say_json
from warroom.cli.parser import Commands, actions
from warroom.core.errors import UsageError


def register(commands: Commands) -> None:
    sub = commands.add("db", "the SQLite store file: its schema version, upgrade", db)
    action = actions(sub, "db_command")
    action(
        "upgrade",
        "upgrade the --db file to this warroom's schema, in place (any command opening "
        "an older file does it too)",
    )
    action("version", "the --db file's schema version, and this warroom's").add_argument(
        "--json", action="store_true"
    )


def db(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.settings.server:
        raise UsageError(f"db {args.db_command}: works on the SQLite file: give --db, not --server")
    return upgrade(ctx) if args.db_command == "upgrade" else version(ctx, args.json)


def upgrade(ctx: Context) -> int:
    from warroom.store.sqlite import upgrade as upgrade_file

    path = ctx.settings.db
    before, after = upgrade_file(path)
    if before == after:
        say(f"{path}: schema {after}, already current")
    else:
        say(f"{path}: upgraded from schema {before} to {after}")
    return 0


def version(ctx: Context, as_json: bool) -> int:
    from warroom.store import schema

    path = ctx.settings.db
    found = schema.file_schema(path)
    if found.application_id != schema.APPLICATION_ID and not found.is_new:
        schema.check(path, found)  # another program's file: says so
    if found.version > schema.SCHEMA_VERSION:
        state = "newer than this warroom: upgrade warroom"
    elif found.version < schema.SCHEMA_VERSION:
        state = "older: `warroom db upgrade`, or any command opening it, upgrades it in place"
    else:
        state = "current"
    if as_json:
        say_json(
            {
                "path": str(path),
                "schema": found.version,
                "warroom_schema": schema.SCHEMA_VERSION,
                "state": state.split(":")[0],
            }
        )
    else:
        say(f"{path}: schema {found.version} ({state}); this warroom: {schema.SCHEMA_VERSION}")
    return 0
