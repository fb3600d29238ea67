"""Wall mode (`warroom watch [REF]`, `warroom tui --read-only`): read-only.

No input widgets and no write bindings: every key that would write is bound
to a hint that says the screen is read-only.  The war room's banner is a tall
block in the severity's colour; the timeline always follows the newest event.
Without REF, every open incident is a banner, most severe first, kept current
by the live feed.  Nothing accumulates: banners are reused by incident, the
timeline is the room's own.
"""

from __future__ import annotations

import time
from functools import cached_property
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Static

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.safe import notify
from warroom.tui.screens.incident_list import IncidentListScreen
from warroom.tui.screens.room import RoomBase
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.keybar import KeyBar

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

    def action_read_only(self) -> None:
        self.read_only_hint.show(self)


class WallHomeScreen(IncidentListScreen):
    """Every open incident as a banner, most severe first."""

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
        self.cards: dict[str, IncidentHeader] = {}
        self.read_only_hint = ReadOnlyHint()

    def action_read_only(self) -> None:
        self.read_only_hint.show(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="wall-title", markup=False)
        yield VerticalScroll(id="cards")
        yield Static("", id="empty-hint", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#empty-hint").display = False

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
        wanted = [incident.id for incident in incidents]
        if wanted != list(self.cards):
            for card in self.cards.values():
                card.remove()
            self.cards = {
                incident.id: IncidentHeader(self.catalog, self.clock, big=True, classes="card")
                for incident in incidents
            }
            container.mount_all(self.cards.values())
        for incident in incidents:
            card = self.cards[incident.id]
            if card.is_mounted:
                card.show(incident)
            else:
                card.call_after_refresh(card.show, incident)
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
