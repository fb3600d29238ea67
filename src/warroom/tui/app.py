"""WarroomApp: the home screen, war rooms, wall mode, the command palette.

The app holds the store, the clock and who I am; screens do their store work
in thread workers.  Every binding has an `id`; `keymap` (the config file's
`[keys]` table, binding id -> keys) remaps them through `App.set_keymap`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import App
from textual.binding import BindingType

from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.resources import styles_path
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.commands import WarroomCommands
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomBase, RoomScreen
from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen


class WarroomApp(App[int]):
    """The terminal war room."""

    CSS_PATH = str(styles_path("app.tcss"))
    TITLE = "warroom"
    BINDINGS: ClassVar[list[BindingType]] = list(keys.APP_KEYS)
    COMMANDS = App.COMMANDS | {WarroomCommands}

    def __init__(
        self,
        store: Store,
        *,
        actor: str,
        clock: Clock = SYSTEM_CLOCK,
        read_only: bool = False,
        keymap: Mapping[str, str] | None = None,
        incident_id: str | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.catalog = catalog or store.catalog
        self.clock = clock
        self.actor = actor
        self.read_only = read_only
        self.start_incident = incident_id
        self._keymap_settings = dict(keymap or {})
        self.drafts: dict[str, dict[str, str]] = {}  # incident id -> kind -> text typed

    def on_mount(self) -> None:
        if self._keymap_settings:
            self.set_keymap(self._keymap_settings)
        home_class = WallHomeScreen if self.read_only else HomeScreen
        self.push_screen(home_class(self.store, self.catalog, self.clock, self.actor))
        if self.start_incident is not None:
            self.open_incident(self.start_incident)

    def open_incident(self, incident_id: str) -> None:
        """Open an incident's war room (leaving the one that is open, if any)."""
        if isinstance(self.screen, RoomBase):
            if self.screen.incident_id == incident_id:
                return
            self.pop_screen()
        room_class = WallRoomScreen if self.read_only else RoomScreen
        self.push_screen(room_class(self.store, self.catalog, self.clock, self.actor, incident_id))

    def action_keys(self) -> None:
        """`?`: show (or hide) every binding of the focused widget and screen."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()
