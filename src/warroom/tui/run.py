"""`warroom`, `warroom tui [REF] [--read-only]`, `warroom watch [REF]`,
`warroom replay REF`."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from warroom.config import Settings
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import StoreUnavailable
from warroom.store.base import RemoteStore, Store

if TYPE_CHECKING:
    from warroom.tui.app import DrillListen, WarroomApp


def run_tui(
    settings: Settings,
    ref: str | None,
    read_only: bool,
    clock: Clock = SYSTEM_CLOCK,
    *,
    briefing: Sequence[str] = (),
    on_drill_over: DrillListen | None = None,
    replay: bool = False,
) -> int:
    """Open the store, run the app, return the exit status (`replay`: the
    replay of REF, which Esc quits).

    A reference that names no incident fails here, before the screen is
    taken over, with the store's one-line reason.  A drill running beside
    the app (`warroom demo`): `briefing` is shown at the start, and
    `on_drill_over` is given the function that shows the score when it ends.
    """
    from warroom.store.open import open_store

    store = open_store(settings, clock)
    try:
        incident_id = store.resolve(ref) if ref else None
        app = app_for_store(
            store,
            user=settings.user,
            clock=clock,
            read_only=read_only,
            keymap=settings.keys,
            incident_id=incident_id,
            settings=settings,  # the runbook folders the TUI attaches from
            briefing=briefing,
            on_drill_over=on_drill_over,
            replay=replay,
        )
        result = app.run()
        return result if isinstance(result, int) else (app.return_code or 0)
    finally:
        store.close()


def app_for_store(
    store: Store,
    *,
    user: str,
    clock: Clock = SYSTEM_CLOCK,
    read_only: bool = False,
    keymap: Mapping[str, str] | None = None,
    incident_id: str | None = None,
    settings: Settings | None = None,
    briefing: Sequence[str] = (),
    on_drill_over: DrillListen | None = None,
    replay: bool = False,
) -> WarroomApp:
    """The app for a store.  Against a server the actor is the token's name
    (what the server writes every event as), and a viewer token opens the
    wall (read-only) whatever was asked; asking the server who the token is
    happens here, before the screen is taken over (the answer is cached for
    offline use).  With `incident_id`, the room's state and newest events are
    read here too: nothing else is running yet, and the room's first frame
    shows them (no "loading" frame).  If the store cannot give them now, the
    room reads them itself once it is on screen, and says why it cannot.
    With `replay`, the replay of `incident_id` opens (it reads its events
    itself, in a worker)."""
    from warroom.tui.app import WarroomApp
    from warroom.tui.pending import load_room

    actor = user
    if isinstance(store, RemoteStore):
        me = store.whoami()
        if me is not None:
            actor = me.get("name") or user
            read_only = read_only or me.get("role") == "viewer"
    loaded = None
    if incident_id is not None and not replay:
        with contextlib.suppress(StoreUnavailable):  # the room says why, on screen
            loaded = load_room(store, incident_id, store.catalog)
    return WarroomApp(
        store,
        actor=actor,
        clock=clock,
        read_only=read_only,
        keymap=keymap,
        incident_id=incident_id,
        loaded=loaded,
        settings=settings,
        briefing=briefing,
        on_drill_over=on_drill_over,
        replay=replay,
    )
