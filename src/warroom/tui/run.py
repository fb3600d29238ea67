"""`warroom`, `warroom tui [REF] [--read-only]`, `warroom watch [REF]`."""

from __future__ import annotations

from warroom.config import Settings
from warroom.core.clock import SYSTEM_CLOCK, Clock


def run_tui(
    settings: Settings, ref: str | None, read_only: bool, clock: Clock = SYSTEM_CLOCK
) -> int:
    """Open the store, run the app, return the exit status.

    A reference that names no incident fails here, before the screen is
    taken over, with the store's one-line reason.
    """
    from warroom.store.open import open_store
    from warroom.tui.app import WarroomApp

    store = open_store(settings, clock)
    try:
        incident_id = store.resolve(ref) if ref else None
        app = WarroomApp(
            store,
            actor=settings.user,
            clock=clock,
            read_only=read_only,
            keymap=settings.keys,
            incident_id=incident_id,
        )
        result = app.run()
        return result if isinstance(result, int) else (app.return_code or 0)
    finally:
        store.close()
