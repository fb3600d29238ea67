"""What a command needs: the settings, the store (opened on first use), a clock."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.config import Settings
from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.core.events import Event
    from warroom.store.base import RemoteStore, Store


class Context:
    """What a command needs: settings, the store (opened on first use), a clock."""

    def __init__(self, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> None:
        self.settings = settings
        self.clock = clock
        self._store: Store | None = None
        self._remote: RemoteStore | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from warroom.store.base import RemoteStore
            from warroom.store.open import open_store

            store = open_store(self.settings, self.clock)
            self._store = store
            # Checked once: on Python 3.11 the check reads the protocol's properties.
            self._remote = store if isinstance(store, RemoteStore) else None
        return self._store

    @property
    def remote(self) -> RemoteStore | None:
        """The store as a server-backed one (outbox, sync, token identity), else None."""
        _ = self.store
        return self._remote

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    @property
    def actor(self) -> str:
        if self.settings.server and self.remote is not None:
            return self.remote.actor or self.settings.user  # the server writes as the token
        return self.settings.user

    def time(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        from warroom.core.timeparse import parse_time

        return parse_time(text, self.clock.now())

    def write(self, ref: str, kind: str, data: dict[str, Any], at: datetime | None = None) -> Event:
        from warroom.services.incidents import write

        incident_id = self.store.resolve(ref)
        return write(self.store, incident_id, kind, self.actor, data, self.clock, at=at)

    def close(self) -> None:
        if self._store is None:
            return
        try:
            if self._remote is not None:  # a server: deliver what is pending, then say
                for line in self._remote.finish():
                    sys.stderr.write(f"{clean_line(line)}\n")
        finally:
            self._store.close()
