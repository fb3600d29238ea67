"""Screens that show the incidents (the list, the wall, the follow-ups): the
incidents are read in a thread worker, then kept current by the live feed.

`IncidentsFeed` is the helper such a screen holds: any event from any
terminal refreshes the incidents, never more than one read at a time
(`Coalesced`), and only while the screen is shown (a hidden list refreshes
when it is shown again).  `IncidentListScreen` hands it the messages and
redraws (`show_incidents`) when the incidents changed.
"""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from warroom.core.incident import Incident
from warroom.store.base import Store
from warroom.tui.live import LiveFeed, notify_trouble
from warroom.tui.messages import IncidentsFetched, LiveEvents, LiveTrouble, StoreFailed
from warroom.tui.safe import notify
from warroom.tui.work import Coalesced


class IncidentsFeed:
    """The incidents `owner` shows, read off the UI loop and kept current."""

    def __init__(self, owner: Screen[None], store: Store, *, include_closed: bool = False) -> None:
        self.owner = owner
        self.store = store
        self.include_closed = include_closed
        self.incidents: list[Incident] = []
        self.loaded = False
        self.live: LiveFeed | None = None
        self._refresh = Coalesced(self._start)

    def request(self) -> None:
        """Read the incidents again (once more after the read under way, if any)."""
        self._refresh.request()

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def _start(self) -> None:
        self.owner.run_worker(
            self._fetch, thread=True, group="refresh", name="incidents", exit_on_error=False
        )

    def _fetch(self) -> None:
        """In the worker thread."""
        try:
            cursor = self.store.last_gseq()  # read first: nothing later is missed
            incidents = self.store.incidents(include_closed=self.include_closed)
        except Exception as error:
            self.owner.post_message(StoreFailed(error))
            return
        self.owner.post_message(IncidentsFetched(cursor, incidents))

    def fetched(self, message: IncidentsFetched) -> None:
        self._refresh.finished()
        self.incidents = message.incidents
        self.loaded = True
        if self.live is None:
            self.live = LiveFeed(self.owner, self.store, message.cursor)
            self.live.start()

    def failed(self) -> None:
        self._refresh.finished()


class IncidentListScreen(Screen[None]):
    """A screen drawn from the incidents (`show_incidents`), kept current."""

    def __init__(self, store: Store, *, include_closed: bool = False, classes: str = "") -> None:
        super().__init__(classes=classes)
        self.store = store
        self.feed = IncidentsFeed(self, store, include_closed=include_closed)

    @property
    def incidents(self) -> list[Incident]:
        return self.feed.incidents

    @property
    def loaded(self) -> bool:
        return self.feed.loaded

    def show_incidents(self) -> None:
        raise NotImplementedError

    # Textual calls these after the subclasses' own handlers of the same events.
    def on_mount(self) -> None:
        self.feed.request()

    def on_unmount(self) -> None:
        self.feed.stop()

    @on(IncidentsFetched)
    def _fetched(self, message: IncidentsFetched) -> None:
        self.feed.fetched(message)
        self.show_incidents()

    @on(StoreFailed)
    def _fetch_failed(self, message: StoreFailed) -> None:
        self.feed.failed()
        notify(self, f"cannot read the incidents: {message.error}", severity="error")

    @on(LiveEvents)
    def _live_events(self, message: LiveEvents) -> None:
        message.stop()
        if self.is_current:  # a hidden list refreshes when it is shown again
            self.feed.request()

    @on(LiveTrouble)
    def _live_trouble(self, message: LiveTrouble) -> None:
        message.stop()
        notify_trouble(self, message)
