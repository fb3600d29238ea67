"""The store's sender in `warroom serve`: `warroom.services.notify.sender`
in a background thread for the app's lifetime (a standby while another
sender, such as a `warroom notifier`, holds the store's sender lease)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from warroom.core.clock import Clock
from warroom.core.notify import NotifyConfig
from warroom.core.statuspage.config import PageConfig
from warroom.services.notify import room_link
from warroom.services.notify.sender import Sender
from warroom.store.base import DeliveryStore, Store


class BackgroundSender:
    def __init__(
        self,
        store: Store,
        config: NotifyConfig,
        page: PageConfig | None,
        clock: Clock,
        rounds: Sequence[Callable[[Sender], object]] = (),
    ) -> None:
        link = room_link(page.url if page else None)
        self.sender = (
            Sender(store, config, clock=clock, link=link, rounds=rounds)
            if isinstance(store, DeliveryStore)
            else None
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.sender is None:
            return
        self._thread = threading.Thread(
            target=self.sender.run, args=(self._stop,), daemon=True, name="warroom-sender"
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop sending (the lease is dropped: a standby takes over at once)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=90)
