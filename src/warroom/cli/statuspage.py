"""`warroom statuspage publish | build`: the public status page from the
command line (the server serves it at /status; see `warroom serve`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from warroom.cli.context import Context
from warroom.cli.incidents import public_fields, public_options
from warroom.cli.output import recorded, say
from warroom.cli.parser import Commands, actions

DEFAULT_TEXT = "We are investigating this issue and will post updates here."


def register(commands: Commands) -> None:
    sub = commands.add(
        "statuspage", "the public status page: publish an incident, build the static site", run
    )
    action = actions(sub, "statuspage_command")
    publish = action("publish", "put an incident on the public page (a customers update)")
    publish.add_argument("ref")
    publish.add_argument(
        "--text", default=DEFAULT_TEXT, help="the update (default: a holding line)"
    )
    public_options(publish)
    build = action("build", "write the page and its JSON into DIR for any static host")
    build.add_argument("dir", type=Path)
    build.add_argument(
        "--watch",
        action="store_true",
        help="follow the store's live stream and rewrite the files that change as events arrive",
    )


def run(ctx: Context, args: argparse.Namespace) -> int:
    if args.statuspage_command == "publish":
        return publish(ctx, args)
    return build(ctx, args)


def publish(ctx: Context, args: argparse.Namespace) -> int:
    data = {"text": args.text, "audience": "customers"}
    data.update(public_fields(ctx, args.public_title, args.component))
    event = ctx.write(args.ref, "comms_update", data)
    if ctx.store.incident(event.incident_id).drill:  # recorded, never shown
        return recorded(ctx, event, "a customers update; a drill never shows on the status page")
    return recorded(ctx, event, "published on the status page (a customers update)")


def build(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.services.statuspage.board import PublicBoard
    from warroom.services.statuspage.export import write_site

    board = PublicBoard(ctx.store, ctx.settings.page_config(), ctx.clock)
    folder: Path = args.dir
    written = write_site(folder, board.page())
    say(f"{folder}: {len(written)} file(s) written")
    if args.watch:
        import asyncio
        import contextlib

        from warroom.services.statuspage.follow import follow_site

        def rewritten(files: list[Path]) -> None:
            say(f"{folder}: {len(files)} file(s) rewritten")

        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the watch
            asyncio.run(follow_site(folder, board, rewritten))
    return 0
