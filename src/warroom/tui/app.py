"""WarroomApp: the home screen, war rooms, wall mode, the command palette.

The app holds the store, the clock and who I am; screens do their store work
in thread workers.  Every binding has an `id`; `keymap` (the config file's
`[keys]` table, binding id -> keys) remaps them through `App.set_keymap`.
"""

from __future__ import annotations

import difflib
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from warroom.config import Settings
from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.resources import styles_path
from warroom.store.base import RemoteStore, Store
from warroom.tui import keys
from warroom.tui.commands import WarroomCommands
from warroom.tui.inbox import InboxMonitor
from warroom.tui.messages import ConnectionProbed, DrillOver, InboxPolled, ThemeNotSaved
from warroom.tui.pending import RoomLoad
from warroom.tui.safe import notify
from warroom.tui.screens.drill import DrillNotice
from warroom.tui.screens.keys import KeysScreen, key_lines
from warroom.tui.screens.room import RoomBase, RoomScreen
from warroom.tui.widgets.connection import ConnectionMonitor, ConnectionStatus


def binding_ids() -> set[str]:
    """Every binding id the config file's `[keys]` table may remap."""
    from warroom.tui.screens.alerts import AlertsScreen
    from warroom.tui.screens.entry import EntryScreen
    from warroom.tui.screens.followups import FollowupsScreen
    from warroom.tui.screens.forms import ConfirmScreen, FormScreen
    from warroom.tui.screens.home import HomeScreen
    from warroom.tui.screens.metrics import MetricsFilterForm, MetricsScreen
    from warroom.tui.screens.postmortem import PostmortemScreen
    from warroom.tui.screens.replay import ReplayScreen
    from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen
    from warroom.tui.widgets.timeline import TimelineView

    classes = (
        WarroomApp,
        HomeScreen,
        RoomScreen,
        WallHomeScreen,
        WallRoomScreen,
        ReplayScreen,
        TimelineView,
        FormScreen,
        ConfirmScreen,
        KeysScreen,
        EntryScreen,
        FollowupsScreen,
        PostmortemScreen,
        MetricsScreen,
        MetricsFilterForm,
        DrillNotice,
        AlertsScreen,
    )
    return {
        binding.id
        for cls in classes
        for binding in cls.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }


# registers a function that shows the drill's score when it ends (from any thread)
DrillListen = Callable[[Callable[[Sequence[str]], None]], None]

_frozen = False


def _freeze_imports() -> None:
    """Everything imported before the first app lives as long as the process:
    keep Python's full collections from rescanning it (pauses of 50-150 ms
    during the first paint otherwise).  Once a process: later apps (tests)
    would freeze the garbage of earlier ones."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


class WarroomApp(App[int]):
    """The terminal war room.

    Against a server, every screen (not the modal ones) gets the connection
    indicator, fed by one `ConnectionMonitor`; with the local SQLite file
    there is none.
    """

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
        settings: Settings | None = None,
        loaded: RoomLoad | None = None,
        briefing: Sequence[str] = (),
        on_drill_over: DrillListen | None = None,
        replay: bool = False,
    ) -> None:
        """`incident_id`: open that war room at once; `loaded`: its state and
        newest events, read already (`warroom tui REF`), so that its first
        frame shows them; `replay`: open its replay instead (`warroom replay
        REF`; Esc quits).  A drill running beside the app (`warroom demo`):
        its `briefing` is shown over the first screen, and `on_drill_over` is
        given (once the app runs) the function that shows its score."""
        _freeze_imports()
        super().__init__()
        # the runbook folders, among others; none given: the shipped samples only
        self.settings: Settings = settings or Settings(db=Path(), db_is_default=True, user=actor)
        self.store = store
        self.catalog = catalog or store.catalog
        self.clock = clock
        self.actor = actor
        self.read_only = read_only
        self.start_incident = incident_id
        self.start_replay = replay and incident_id is not None
        self._start_load = loaded if incident_id is not None else None
        self.key_overrides: dict[str, str] = dict(keymap or {})  # binding id -> keys
        self.drafts: dict[str, dict[str, str]] = {}  # incident id -> kind -> text typed
        self.briefing = list(briefing)
        self.on_drill_over = on_drill_over
        # made here: the first screen (built before on_mount) subscribes to it
        self.connection: ConnectionMonitor | None = (
            ConnectionMonitor(self, store) if isinstance(store, RemoteStore) else None
        )
        self._inbox_monitor: InboxMonitor | None = None
        self._theme_warning: str | None = None
        self._use_theme(self.settings.theme)

    def get_default_screen(self) -> Screen[Any]:
        """The first screen: the war room asked for, or the incident list.

        The bottom of the screen stack, so it is built while the app starts,
        not pushed over a blank screen afterwards: the first frame shows it.
        A room opened directly builds the list only when it is left: no
        hidden list refreshing under the room."""
        if self.start_incident is not None and self.start_replay:
            screen: Screen[Any] = self._replay(self.start_incident)
        elif self.start_incident is not None:
            loaded, self._start_load = self._start_load, None
            screen = self._room(self.start_incident, loaded)
        else:
            screen = self._home()
        # Textual's switch_screen (leaving this room for the list) pops a result
        # callback from the screen it replaces; push_screen gives every screen
        # one, the first screen gets none (Textualize/textual#2650).
        screen._push_result_callback(self, None)
        return screen

    def on_mount(self) -> None:
        if self.briefing:
            self.push_screen(DrillNotice("Drill briefing", self.briefing))
        if self.on_drill_over is not None:
            self.on_drill_over(self.drill_over)
        if self.connection is not None:
            self.screen_change_signal.subscribe(self, self._add_connection_status)
            self._add_connection_status(self.screen)  # shown before this subscription
            self.connection.start()
        if self.key_overrides:
            self.set_keymap(self.key_overrides)
            self._warn_unknown_keys()
        if self._theme_warning:
            notify(self, self._theme_warning, severity="warning", timeout=15)
        self.theme_changed_signal.subscribe(self, self._theme_chosen)

    # -- the theme: from the config file; a theme chosen is saved there ------------------

    def _use_theme(self, name: str | None) -> None:
        if name is None:
            return
        if name in self.available_themes:
            self.theme = name
            return
        where = ", ".join(str(path) for path in self.settings.sources) or "the configuration"
        self._theme_warning = (
            f"theme = {name!r} in {where} names no theme; using the default "
            "(ctrl+p, Theme lists them and saves the one chosen)"
        )

    def _theme_chosen(self, theme: Any) -> None:
        path = self.settings.user_config
        if path is not None and theme.name != self.settings.theme:
            self.settings.theme = theme.name
            self._save_theme(path, theme.name)

    @work(thread=True, exit_on_error=False, group="theme", exclusive=True)
    def _save_theme(self, path: Path, name: str) -> None:
        from warroom.config import save_theme

        try:
            save_theme(path, name)
        except Exception as error:
            self.post_message(ThemeNotSaved(error))

    @on(ThemeNotSaved)
    def _theme_not_saved(self, message: ThemeNotSaved) -> None:
        notify(self, f"the theme is not saved: {message.error}", severity="warning")

    def _home(self) -> Screen[Any]:
        from warroom.tui.screens.home import HomeScreen
        from warroom.tui.screens.wall import WallHomeScreen

        home_class = WallHomeScreen if self.read_only else HomeScreen
        return home_class(self.store, self.catalog, self.clock, self.actor)

    def leave_room(self) -> None:
        """Back from a war room to the incident list (built now if it never was)."""
        from warroom.tui.screens.home import HomeScreen
        from warroom.tui.screens.wall import WallHomeScreen

        if any(isinstance(screen, (HomeScreen, WallHomeScreen)) for screen in self.screen_stack):
            self.pop_screen()
        else:
            self.switch_screen(self._home())

    def _add_connection_status(self, screen: Screen[Any]) -> None:
        """Give a newly shown screen the connection indicator (once, after its
        own widgets), on a layer of its own so it takes no room from them."""
        if self.connection is None or isinstance(screen, ModalScreen):
            return

        def add() -> None:
            if screen.is_attached and not screen.query(ConnectionStatus):
                layers = tuple(screen.styles.layers) or ("default",)
                if "connection" not in layers:
                    screen.styles.layers = (*layers, "connection")
                assert self.connection is not None
                screen.mount(ConnectionStatus(self.connection))

        screen.call_later(add)

    def on_unmount(self) -> None:
        if self.connection is not None:
            self.connection.stop()
        if self._inbox_monitor is not None:
            self._inbox_monitor.stop()

    def inbox_monitor(self) -> InboxMonitor:
        """The alert inbox, watched (started by the first screen that shows it)."""
        if self._inbox_monitor is None:
            store, settings, clock = self.store, self.settings, self.clock

            def open_inbox() -> Any:
                from warroom.services.alerts import inbox_for

                return inbox_for(store, settings, clock)

            self._inbox_monitor = InboxMonitor(self, open_inbox)
            # after the first paint: its thread would slow that down
            self.call_after_refresh(self._inbox_monitor.start)
        return self._inbox_monitor

    @on(InboxPolled)
    def _inbox_polled(self, message: InboxPolled) -> None:
        if self._inbox_monitor is not None:
            self._inbox_monitor.polled(message)

    def drill_over(self, lines: Sequence[str]) -> None:
        """The drill beside the app ended (any thread): show its score."""
        self.post_message(DrillOver(list(lines)))

    @on(DrillOver)
    def _drill_over(self, message: DrillOver) -> None:
        self.push_screen(DrillNotice("Drill over: the score", message.lines))

    @on(ConnectionProbed)
    def _connection_probed(self, message: ConnectionProbed) -> None:
        if self.connection is not None:
            self.connection.probed(message)

    def _warn_unknown_keys(self) -> None:
        """A typo in `[keys]` would otherwise change nothing, silently."""
        known = binding_ids()
        unknown = sorted(set(self.key_overrides) - known)
        if not unknown:
            return
        parts = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            parts.append(f"{name} (did you mean {close[0]}?)" if close else name)
        notify(
            self,
            f"[keys] in the configuration names no key binding: {', '.join(parts)}; "
            "the binding ids are listed in warroom/tui/keys.py",
            severity="warning",
            timeout=15,
        )

    def open_incident(self, incident_id: str) -> None:
        """Open an incident's war room (leaving the one that is open, if any)."""
        if isinstance(self.screen, RoomBase):
            if self.screen.incident_id == incident_id:
                return
            if len(self.screen_stack) == 1:  # the first screen: nothing to go back to
                self.switch_screen(self._room(incident_id))
                return
            self.pop_screen()
        self.push_screen(self._room(incident_id))

    def _room(self, incident_id: str, loaded: RoomLoad | None = None) -> RoomBase:
        room_class: type[RoomBase] = RoomScreen
        if self.read_only:
            from warroom.tui.screens.wall import WallRoomScreen

            room_class = WallRoomScreen
        return room_class(self.store, self.catalog, self.clock, self.actor, incident_id, loaded)

    def open_replay(self, incident_id: str) -> None:
        """Replay an incident over the room (`R`): Esc comes back to it."""
        self.push_screen(self._replay(incident_id))

    def _replay(self, incident_id: str) -> Screen[Any]:
        from warroom.tui.screens.replay import ReplayScreen

        return ReplayScreen(self.store, self.catalog, self.clock, self.actor, incident_id)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's, with "Keys" opening our `?` screen instead of its side panel."""
        for command in super().get_system_commands(screen):
            if command.title == "Keys":
                yield SystemCommand("Keys", "Every key that works here", self.action_keys)
            else:
                yield command

    def action_keys(self) -> None:
        """`?`: every key that works here, on one screen (`?` again closes it)."""
        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(KeysScreen(key_lines(self.screen)))
