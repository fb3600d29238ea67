"""Wall mode (`warroom watch [REF]`, `warroom tui --read-only`): read-only.

No input widgets and no write bindings: every key that would write is bound
to a hint that says the screen is read-only, and only that (`?` lists what a
wall can do, not what it refuses).  The war room's banner is a tall block in
the severity's colour; the timeline always follows the newest event, and
Enter opens an entry in full there too.  Without REF, every open incident is
a card, most severe first: its banner and its newest entries (as many as
fit), kept current by the live feed.  Nothing accumulates: cards are reused
(and moved) by incident, their clocks tick from one timer of the screen, the
timeline is the room's own.  On both, a critical alert in the inbox shows in
a banner, and a new one is announced (widgets/inbox_banner.py)."""

from __future__ import annotations

import time
from functools import cached_property
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Static

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.incident import Incident
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.messages import EntriesRead, LiveEvents
from warroom.tui.safe import notify
from warroom.tui.screens.incident_list import IncidentListScreen
from warroom.tui.screens.room import RoomBase
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.inbox_banner import InboxBanner
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.recent import KEEP, RecentEntries

CARD_MIN = 12  # lines: a banner and a few entries; fewer fit: the list scrolls
HINT_EVERY = 2.0  # seconds: the read-only hint is not repeated faster than this
READ_ONLY_HINT = "read-only: this is a wall screen (warroom watch); write from `warroom tui`"


def _write_keys_read_only() -> list[BindingType]:
    seen: set[str] = set()
    unique = []
    for key in (*keys.HOME_WRITE_KEYS, *keys.ROOM_WRITE_KEYS):
        if key.key not in seen:
            seen.add(key.key)
            unique.append(key)
    return list(keys.read_only_bindings(tuple(unique)))


class ReadOnlyHint:
    """What every write key does on a wall screen: say it is read-only (not
    faster than every HINT_EVERY seconds)."""

    def __init__(self, hint: str = READ_ONLY_HINT) -> None:
        self.hint = hint
        self._hinted_at = 0.0

    def show(self, node: DOMNode) -> None:
        now = time.monotonic()
        if now - self._hinted_at < HINT_EVERY:
            return
        self._hinted_at = now
        notify(node, self.hint, severity="warning", timeout=3)


class WallRoomScreen(RoomBase):
    """One incident on a wall: banner, timeline following the newest event, roster, runbook."""

    read_only: ClassVar[bool] = True
    ACTIONS: ClassVar[tuple[keys.Key, ...]] = (
        keys.ROOM_KEYS + keys.ROOM_REPLAY_KEYS + keys.ROOM_VIEW_PALETTE
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(ACTIONS),
        *_write_keys_read_only(),
    ]

    @cached_property
    def read_only_hint(self) -> ReadOnlyHint:
        return ReadOnlyHint()

    def compose_top(self) -> ComposeResult:
        yield InboxBanner()  # a new critical alert is announced on the wall too

    def action_read_only(self) -> None:
        self.read_only_hint.show(self)


class WallCard(Vertical):
    """One incident on the wall's list: its banner, then its newest entries."""

    DEFAULT_CSS = """
    WallCard {
        height: 12;
        margin-bottom: 1;
        border-bottom: solid $foreground 25%;
    }
    """

    def __init__(self, catalog: Catalog, clock: Clock, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.header = IncidentHeader(catalog, clock, big=True, ticking=False)
        self.entries = RecentEntries()

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.entries

    @property
    def incident(self) -> Incident | None:
        """The incident as last shown (None until it is)."""
        return self.header.incident

    def show(self, incident: Incident) -> None:
        if self.header.is_mounted:
            self.header.show(incident)
        else:
            self.header.call_after_refresh(self.header.show, incident)


class WallHomeScreen(IncidentListScreen):
    """Every open incident as a card (banner and newest entries), most severe first."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = keys.WALL_HOME_KEYS
    BINDINGS: ClassVar[list[BindingType]] = [
        *_write_keys_read_only(),
        *keys.bindings(ACTIONS),
    ]

    def __init__(self, store: Store, catalog: Catalog, clock: Clock, actor: str) -> None:
        super().__init__(store, classes="wall-home")
        self.catalog = catalog
        self.clock = clock
        self.actor = actor
        self.cards: dict[str, WallCard] = {}
        self.read_only_hint = ReadOnlyHint()
        self._card_height = 0

    def action_read_only(self) -> None:
        self.read_only_hint.show(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="wall-title", markup=False)
        yield InboxBanner()
        yield VerticalScroll(id="cards")
        yield Static("", id="empty-hint", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#empty-hint").display = False
        self.set_interval(1.0, self._tick)  # one clock for every card

    def on_resize(self) -> None:
        self.call_after_refresh(self._size_cards)

    def _size_cards(self, force: bool = False) -> None:
        """The cards share the screen's height (each at least CARD_MIN lines)."""
        container = self.query_one("#cards", VerticalScroll)
        if not self.cards or not container.size.height:
            return
        height = max(container.size.height // len(self.cards) - 1, CARD_MIN)  # 1: the margin
        if height != self._card_height or force:
            self._card_height = height
            for card in self.cards.values():
                card.styles.height = height

    def _tick(self) -> None:
        for card in self.cards.values():
            card.header.tick()

    def show_incidents(self) -> None:
        if not self.is_mounted:
            return
        incidents = self.incidents
        self.query_one("#wall-title", Static).update(
            Content.assemble(
                ("warroom", "bold"),
                f"  ·  {len(incidents)} open incident{'s' if len(incidents) != 1 else ''}"
                "  ·  read-only wall",
            )
        )
        container = self.query_one("#cards", VerticalScroll)
        if self._place_cards(container, incidents):
            self.call_after_refresh(self._size_cards, True)
        hint = self.query_one("#empty-hint", Static)
        hint.display = not incidents
        container.display = bool(incidents)
        if not incidents:
            hint.update(
                Content.assemble(
                    ("No open incidents.", "bold"),
                    "\n\nThis wall shows them as soon as one is declared.",
                )
            )

    def _place_cards(self, container: VerticalScroll, incidents: list[Incident]) -> bool:
        """One card per incident, in the incidents' order: a card is kept (and
        moved) while its incident is shown, made only for a new one.  True
        when cards came or went."""
        wanted = {incident.id for incident in incidents}
        gone = [key for key in self.cards if key not in wanted]
        for key in gone:
            self.cards.pop(key).remove()
        count = len(self.cards)
        for position, incident in enumerate(incidents):
            card = self.cards.get(incident.id)
            children = container.children
            if card is None:
                card = self.cards[incident.id] = WallCard(self.catalog, self.clock, incident.id)
                if position < len(children):
                    container.mount(card, before=position)
                else:
                    container.mount(card)
                self._read_entries(incident.id, incident.last_seq)
            elif children.index(card) != position:
                container.move_child(card, before=position)
            card.show(incident)
        return bool(gone) or len(self.cards) != count

    @work(thread=True, exit_on_error=False, group="entries")
    def _read_entries(self, incident_id: str, last_seq: int) -> None:
        try:
            events = self.store.events_before(incident_id, last_seq + 1, KEEP)
        except Exception:  # the card stays without them; the list says what failed
            return
        self.post_message(EntriesRead(incident_id, events))

    @on(EntriesRead)
    def _entries_read(self, message: EntriesRead) -> None:
        card = self.cards.get(message.incident_id)
        if card is not None:
            card.entries.add(message.events)

    @on(LiveEvents)
    def _live_entries(self, message: LiveEvents) -> None:
        """Each card's new entries (the incidents are read again after this)."""
        for event in message.events:
            card = self.cards.get(event.incident_id)
            if card is not None:
                card.entries.add([event])
