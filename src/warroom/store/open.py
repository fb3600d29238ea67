"""Open the store that the settings name."""

from __future__ import annotations

from warroom.config import Settings
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import UsageError
from warroom.store.base import Store


def open_store(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Store:
    """The SQLite file of `settings.db`, or (later) the server of `settings.server`."""
    if settings.server:
        raise UsageError(
            "--server: the client of the warroom server is not in this version yet; "
            "use --db with a shared SQLite file"
        )
    from warroom.store.sqlite import SQLiteStore

    return SQLiteStore(
        settings.db, settings.catalog(), clock=clock, create_parent=settings.db_is_default
    )
