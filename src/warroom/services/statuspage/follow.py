"""`statuspage build --watch`: the static export kept current by following
the store's live stream (`Store.watch`: the SQLite file's own, or the
server's Server-Sent Events with `--server`).  After each burst of events the
board looks at what the public sees; only files whose bytes changed are
replaced (atomically), so an internal note rewrites nothing.  With no event
for a minute the page is looked at anyway: the 90-day window moves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from warroom.services.statuspage.board import REBUILD_EVERY, PublicBoard
from warroom.services.statuspage.export import write_site

BURST = 0.05  # seconds: the events of one burst make one look


async def follow_site(
    folder: Path,
    board: PublicBoard,
    written: Callable[[list[Path]], None],
    idle: float = REBUILD_EVERY.total_seconds(),
) -> None:
    """Rewrite the site in `folder` as the board's store brings events; calls
    `written` with the files replaced each time some were.  Runs until
    cancelled; a failure of the store's stream is raised."""
    changed = asyncio.Event()

    async def consume() -> None:
        after = await asyncio.to_thread(board.seen_gseq)
        async with contextlib.aclosing(board.store.watch(after)) as events:  # type: ignore[type-var]
            async for _event in events:
                changed.set()

    watcher = asyncio.get_running_loop().create_task(consume(), name="warroom-site-watch")
    try:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_either(changed, watcher), idle)
            if watcher.done():
                watcher.result()  # the stream ended: say why
                return
            await asyncio.sleep(BURST)
            changed.clear()
            files = await asyncio.to_thread(lambda: write_site(folder, board.page()))
            if files:
                written(files)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher


async def _either(changed: asyncio.Event, watcher: asyncio.Task[None]) -> None:
    """Until an event came or the watcher ended."""
    waiting = asyncio.ensure_future(changed.wait())
    try:
        await asyncio.wait({waiting, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
