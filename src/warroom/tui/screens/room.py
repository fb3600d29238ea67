"""The war room of one incident: header, roster, timeline, runbook, entry line.

`RoomScreen` is the writer's room; `WallRoomScreen` (screens/wall.py) is the
same room read-only.  Both load the incident's state and its newest screen of
events in a thread worker, then the older events page by page in the
background, and follow the store live through a `LiveFeed`: every event is
applied to the local state with the same `apply` the store uses (no refold, no
store read), and handed to the timeline.

Width below NARROW_WIDTH: one pane at a time; `tab` switches between the
timeline, the roster and the runbook.  Wider: the roster and the runbook stand
beside the timeline and `tab` moves the focus between the three.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import OptionList

from warroom.config import Settings
from warroom.core.alerts.events import REFIRED_SECONDS, refired_notice
from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.errors import NothingChanged, UsageError
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.services.incidents import write as write_event
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.context import warroom_app
from warroom.tui.library import runbook_library
from warroom.tui.live import LiveFeed, notify_trouble
from warroom.tui.messages import (
    EntryCommit,
    EntryFailed,
    EntryStored,
    LibraryLoaded,
    LiveEvents,
    LiveTrouble,
    OlderLoaded,
    Queued,
    RoomLoaded,
    RoomLoadFailed,
    RunbookAttached,
    StoreFailed,
)
from warroom.tui.pending import RoomLoad, RoomState, load_room
from warroom.tui.safe import notify
from warroom.tui.screens.review import show_followups, show_metrics, show_postmortem
from warroom.tui.screens.room_actions import (
    STEP_KIND,
    TAGGED_NOTES,
    attach_form,
    extra_entry_event,
    step_command,
    step_prompt,
)
from warroom.tui.typeahead import TypeAhead
from warroom.tui.widgets.connection import ConnectionInfo
from warroom.tui.widgets.entry import EntryLine
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.roster import Roster
from warroom.tui.widgets.runbook import RunbookPane
from warroom.tui.widgets.timeline import TimelineView

if TYPE_CHECKING:
    from warroom.core.runbook_library import Entry
    from warroom.core.statuspage.config import PageConfig

NARROW_WIDTH = 110
WIDE_WIDTH = 180
OLDER_PAGE = 5000  # each later page of older events
PANES = ("timeline", "roster", "runbook")


class RoomBase(Screen[None]):
    """What every war room has: loading, the live feed, the panes."""

    read_only: ClassVar[bool] = False
    # Each room lists its own keys (keys.ROOM_KEYS included): the footer shows
    # them in the order given, so the write keys come first where there are any.
    ACTIONS: ClassVar[tuple[keys.Key, ...]] = ()
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        actor: str,
        incident_id: str,
        loaded: RoomLoad | None = None,
    ) -> None:
        """`loaded`: the room's state and newest events, read before the app
        started (`warroom tui REF`): the first frame shows them."""
        super().__init__(classes="room -wall" if self.read_only else "room")
        self._preloaded = loaded
        self._resumed = False
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.actor = actor
        self.incident_id = incident_id
        self.incident: Incident | None = None
        self._unacked = False  # the ack key is offered (paged, nobody acknowledged)
        self.room_state: RoomState | None = None  # stored state + my pending events
        self.feed: LiveFeed | None = None
        self.pane = "timeline"
        self.narrow = False
        self.loaded = False
        self.older_loading = False

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield IncidentHeader(self.catalog, self.clock, big=self.read_only, id="header")
        yield from self.compose_top()
        with Horizontal(id="room-body"):
            yield TimelineView(self.catalog, id="timeline")
            with Vertical(id="side"):
                yield Roster(self.catalog, id="roster")
                yield RunbookPane(read_only=self.read_only, id="runbook")
        yield from self.compose_bottom()
        yield KeyBar()

    def compose_top(self) -> ComposeResult:
        """Hook: what stands under the header (the wall's alert banner)."""
        yield from ()

    def compose_bottom(self) -> ComposeResult:
        yield from ()

    @property
    def timeline(self) -> TimelineView:
        return self.query_one("#timeline", TimelineView)

    @property
    def header(self) -> IncidentHeader:
        return self.query_one("#header", IncidentHeader)

    @property
    def roster(self) -> Roster:
        return self.query_one("#roster", Roster)

    @property
    def runbook(self) -> RunbookPane:
        return self.query_one("#runbook", RunbookPane)

    def on_mount(self) -> None:
        self.timeline.focus()
        self._layout(self.app.size.width)
        self.load()

    def load(self) -> None:
        """Read what the room shows: its state and newest events (then it
        follows the store live).  The replay screen reads its own."""
        if self._preloaded is not None:
            loaded, self._preloaded = self._preloaded, None
            self._first_loaded(loaded)
        else:
            self._load_first()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler (most derived first).  The first
        # time, every widget was styled as it was mounted, with every widget
        # type's CSS it can match: restyling the whole room again would only
        # delay its first frame.
        if not self._resumed:
            event.refresh_styles = False
        self._resumed = True

    def on_resize(self, event: events.Resize) -> None:
        focused = self.focused
        if focused is not None and focused.id in PANES:
            self.pane = focused.id
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.narrow = width < NARROW_WIDTH
        self.set_class(self.narrow, "-narrow")
        self.set_class(width >= WIDE_WIDTH, "-wide")
        self.query_one(KeyBar).compact = self.narrow
        if self.narrow:
            self.query_one("#side").display = self.pane != "timeline"
            self.timeline.display = self.pane == "timeline"
            self.roster.display = self.pane == "roster"
            self.runbook.display = self.pane == "runbook"
        else:
            for widget in (self.query_one("#side"), self.timeline, self.roster, self.runbook):
                widget.display = True
        # one pane at a time: each pane's title says which one `tab` shows next
        hints = {name: "" for name in PANES}
        if self.narrow:
            for index, name in enumerate(PANES):
                hints[name] = f" · tab: {PANES[(index + 1) % len(PANES)]}"
        self.timeline.border_title = f"Timeline{hints['timeline']}"
        self.roster.border_title = f"Roster{hints['roster']}"
        self.runbook.set_hint(hints["runbook"])

    def action_next_pane(self) -> None:
        focused = self.focused
        current = self.pane
        for name in PANES:
            if focused is not None and focused.id == name:
                current = name
        self.show_pane(PANES[(PANES.index(current) + 1) % len(PANES)])

    def on_unmount(self) -> None:
        if self.feed is not None:
            self.feed.stop()

    # -- loading -----------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="load")
    def _load_first(self) -> None:
        try:
            loaded = load_room(self.store, self.incident_id, self.catalog)
        except Exception as error:
            self.post_message(RoomLoadFailed(error))
            return
        self.post_message(RoomLoaded(loaded))

    @on(RoomLoaded)
    def _room_loaded(self, message: RoomLoaded) -> None:
        self._first_loaded(message.loaded)

    def _first_loaded(self, loaded: RoomLoad) -> None:
        self.room_state = RoomState(self.catalog, loaded)
        self.incident = incident = self.room_state.state
        page = loaded.page
        self.timeline.load(RoomState.shown(loaded), incident.concurrent)
        self.timeline.set_rejected(self.room_state.rejected)
        self._show_state()
        self.loaded = True
        self.feed = LiveFeed(self, self.store, loaded.confirmed.last_gseq, self.incident_id)
        self.feed.start()
        connection = warroom_app(self).connection
        if connection is not None:
            connection.changed.subscribe(self, self._connection_changed)
            if connection.info is not None:
                self._connection_changed(connection.info)
        # The rest waits for the first paint: its threads would slow it down.
        if page and (page[0].seq or 1) > 1:
            self.call_after_refresh(self._load_older, page[0].seq or 1)
        self.call_after_refresh(self.after_load)

    def after_load(self) -> None:
        """Hook: the state is shown and the live feed runs."""

    def _load_older(self, before_seq: int) -> None:
        self.older_loading = True
        self._read_older(before_seq)

    @work(thread=True, exit_on_error=False, group="load")
    def _read_older(self, before_seq: int) -> None:
        try:
            page = self.store.events_before(self.incident_id, before_seq, OLDER_PAGE)
        except Exception as error:
            self.post_message(StoreFailed(error))
            return
        self.post_message(OlderLoaded(page))

    @on(OlderLoaded)
    def _older_loaded(self, message: OlderLoaded) -> None:
        page = message.page
        if page:
            self.timeline.prepend(page)
            gc.freeze()  # loaded events are long-lived: keep full collections from rescanning them
        if page and (page[0].seq or 1) > 1:
            self._load_older(page[0].seq or 1)
        else:
            self.older_loading = False

    @on(RoomLoadFailed)
    def _load_failed(self, message: RoomLoadFailed) -> None:
        notify(self, f"cannot open the incident: {message.error}", severity="error")
        self.header.show_error(f"cannot open the incident: {message.error}")

    @on(StoreFailed)
    def _store_failed(self, message: StoreFailed) -> None:
        notify(self, str(message.error), severity="error")

    # -- live --------------------------------------------------------------------

    @on(LiveEvents)
    def _live_events(self, message: LiveEvents) -> None:
        message.stop()
        if self.incident is None or self.room_state is None:
            return
        mine = [event for event in message.events if event.incident_id == self.incident_id]
        fresh = self.room_state.stored(mine)
        if not fresh:
            return
        self.incident = self.room_state.state
        self.timeline.extend(fresh, self.incident.concurrent)
        if self.read_only:
            self.timeline.follow = True
        self._show_state()
        self._tell_refired(fresh)

    def _tell_refired(self, fresh: Sequence[Event]) -> None:
        """An alert that fires again after the incident was resolved: the
        room tells its lead (a notification that stays a while)."""
        if self.incident is None:
            return
        for event in fresh:
            notice = refired_notice(self.incident, event)
            if notice is not None:
                notify(self, notice, severity="warning", timeout=REFIRED_SECONDS)

    @on(Queued)
    def _queued(self, message: Queued) -> None:
        """An event of mine is queued (the server is unreachable): shown pending."""
        message.stop()
        if self.room_state is None or not self.room_state.queued(message.event):
            return
        self.incident = self.room_state.state
        self.timeline.extend([message.event])
        self._show_state()
        connection = warroom_app(self).connection
        if connection is not None:
            connection.poll_now()

    def _connection_changed(self, info: ConnectionInfo) -> None:
        """Mark my pending events that the server refused on delivery."""
        if self.room_state is None or not info.rejected:
            return
        refused = self.room_state.refused(dict(info.rejected))
        if not refused:
            return
        self.incident = self.room_state.state
        self.timeline.set_rejected(refused)
        self._show_state()
        for reason in refused.values():
            notify(self, f"rejected by the server: {reason}", severity="error", timeout=10)

    @on(LiveTrouble)
    def _live_trouble(self, message: LiveTrouble) -> None:
        message.stop()
        notify_trouble(self, message)

    def _show_state(self) -> None:
        if self.incident is None:
            return
        self.header.show(self.incident)
        self.roster.show(self.incident)
        self.runbook.show(self.incident)
        if self.incident.unacknowledged != self._unacked:
            self._unacked = self.incident.unacknowledged
            self.refresh_bindings()  # the ack key comes into the bar, or leaves it

    # -- actions shared by both rooms --------------------------------------------

    def action_leave(self) -> None:
        warroom_app(self).leave_room()

    def action_cancel(self) -> None:
        """Esc: close what is open (nothing else)."""

    def show_pane(self, name: str) -> None:
        """Focus one of the panes (showing it, when one pane is shown at a time)."""
        self.pane = name
        self._layout(self.app.size.width)
        self.query_one(f"#{name}").focus()

    def action_utc(self) -> None:
        self.timeline.show_utc = not self.timeline.show_utc

    def action_kind_filter(self) -> None:
        self.timeline.cycle_kind_filter()

    def action_follow(self) -> None:
        self.timeline.action_scroll_end()

    def action_open_entry(self) -> None:
        self.timeline.open_entry()

    def action_replay(self) -> None:
        """`R`: replay the incident, read-only, from its newest stored event."""
        warroom_app(self).open_replay(self.incident_id)


class RoomScreen(TypeAhead, RoomBase):
    """The writer's war room: every key that writes becomes an event with me as actor."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = (
        keys.ROOM_WRITE_KEYS
        + keys.ROOM_READER_KEYS
        + keys.ROOM_REVIEW_KEYS
        + keys.ROOM_REPLAY_KEYS
        + keys.ROOM_KEYS
        + keys.ROOM_PALETTE
        + keys.ROOM_VIEW_PALETTE
    )
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(ACTIONS)

    library_entries: list[Entry] | None = None  # for the palette, read after the load
    step_section: str = ""  # where the step being typed goes

    ENTRY_PROMPTS: ClassVar[dict[str, str]] = {
        "note": "note",
        "finding": "finding",
        "action": "action taken",
        "decision": "decision",
        "summary": "summary (impact / hypothesis / next step)",
        "title": "title",
        "service": "service",
        "search": "search",
    }

    def compose_bottom(self) -> ComposeResult:
        drafts = warroom_app(self).drafts.setdefault(self.incident_id, {})
        yield EntryLine(drafts, id="entry")

    @property
    def entry(self) -> EntryLine:
        return self.query_one("#entry", EntryLine)

    def after_load(self) -> None:
        if self.incident is not None and self.actor not in self.incident.participants:
            self._write_quietly("participant_joined", {"person": self.actor, "opened": True})
        self.load_library()
        self._check_sender(warroom_app(self).settings)

    @work(thread=True, exit_on_error=False, group="load")
    def _check_sender(self, settings: Settings) -> None:
        """Warn when this incident should page someone and no sender runs."""
        from warroom.services.notify import NO_SENDER, sender_running
        from warroom.services.paging import pages_for

        incident = self.incident
        if incident is None or incident.acked_by or not incident.is_open(self.catalog):
            return
        try:
            if not pages_for(settings.oncall(), incident):
                return
            running = sender_running(self.store, self.clock)
        except Exception:  # no tables, or unreadable ones: `warroom oncall` says why
            return
        if not running:
            self.app.call_from_thread(notify, self, NO_SENDER, severity="warning", timeout=15)

    # -- writing -----------------------------------------------------------------

    def write(self, kind: str, data: dict[str, Any], at: datetime | None = None) -> Event | None:
        """Append one event as me (blocking: call it from a worker); None (and a
        notification) when it would change nothing."""
        base_seq = self.incident.last_seq if self.incident is not None else None
        try:
            event = write_event(
                self.store,
                self.incident_id,
                kind,
                self.actor,
                data,
                self.clock,
                at,
                base_seq,
                state=self.incident,
            )
        except NothingChanged as nothing:
            self.app.call_from_thread(notify, self, str(nothing))
            return None
        if event.seq is None:  # queued: the server is unreachable
            self.post_message(Queued(event))
        return event

    @work(thread=True, exit_on_error=False, group="write")
    def _write_quietly(self, kind: str, data: dict[str, Any]) -> None:
        try:
            self.write(kind, data)
        except Exception as error:
            self.post_message(StoreFailed(error))

    def _ready(self) -> bool:
        if self.incident is None:
            notify(self, "still loading the incident")
            return False
        return True

    # -- the runbook library (for the palette) ----------------------------------------

    def load_library(self) -> None:
        """Read the runbook library (off the UI loop), for the palette."""
        self._read_library(warroom_app(self).settings)

    def attach_entry(self, entry: Entry) -> None:
        """Attach a runbook of the library (the palette's "Attach runbook: ...")."""
        if self._ready():
            self._attach_runbook(entry)

    @work(thread=True, exit_on_error=False, group="load")
    def _read_library(self, settings: Settings) -> None:
        try:
            entries = list(runbook_library(settings).entries)
        except Exception:  # the attach form says why, if it is asked
            return
        self.post_message(LibraryLoaded(entries))

    @on(LibraryLoaded)
    def _library_loaded(self, message: LibraryLoaded) -> None:
        self.library_entries = message.entries

    @work(thread=True, exit_on_error=False, group="write")
    def _attach_runbook(self, entry: Entry) -> None:
        from warroom.core.runbook import read_runbook

        try:
            runbook = read_runbook(entry.path)
            self.write("runbook_attached", runbook.event_data())
        except Exception as error:
            self.post_message(StoreFailed(error))
            return
        self.post_message(RunbookAttached(runbook.name))

    @on(RunbookAttached)
    def _attached(self, message: RunbookAttached) -> None:
        notify(self, f"runbook {message.name} attached")

    # -- the entry line ------------------------------------------------------------

    def action_entry(self, kind: str, initial: str = "") -> None:
        if not self._ready():
            return
        self.entry.open(kind, self.ENTRY_PROMPTS.get(kind, kind), initial)

    def action_summary(self) -> None:
        if self._ready():
            assert self.incident is not None
            self.action_entry("summary", self.incident.summary)

    def action_search(self) -> None:
        self.action_entry("search")

    def action_cancel(self) -> None:
        entry = self.entry
        if entry.is_open:
            if entry.kind == "search":
                self.timeline.clear_search()
            entry.close()
            self.set_focus(self.timeline)  # at once: the next keys are commands again

    @on(EntryCommit)
    def _entry_commit(self, message: EntryCommit) -> None:
        message.stop()
        kind, text = message.kind, message.text
        if kind == "search":
            found = self.timeline.search(text)
            self.entry.show_message(None if found else f"no event matches {text!r}")
            return
        try:
            event_kind, data = self._entry_event(kind, text)
        except UsageError as error:
            self.entry.failed(kind, str(error))
            return
        self._write_entry(kind, text, event_kind, data)

    @work(thread=True, exit_on_error=False, group="write")
    def _write_entry(self, kind: str, text: str, event_kind: str, data: dict[str, Any]) -> None:
        try:
            self.write(event_kind, data)
        except Exception as error:  # shown in the entry line, which keeps the text
            self.post_message(EntryFailed(kind, error))
            return
        self.post_message(EntryStored(kind, text))

    @on(EntryFailed)
    def _entry_failed(self, message: EntryFailed) -> None:
        self.entry.failed(message.kind, str(message.error))

    def _entry_event(self, kind: str, text: str) -> tuple[str, dict[str, Any]]:
        assert self.incident is not None  # the entry line opens once it is loaded
        extra = extra_entry_event(self.incident, kind, text, self.step_section)
        if extra is not None:
            return extra
        if kind == "summary":
            return "summary_set", {"text": text}
        if kind == "title":
            return "title_changed", {"title": text}
        if kind == "service":
            return "service_changed", {"service": text.strip() or None}
        return kind, {"text": text}

    @on(EntryStored)
    def _entry_committed(self, message: EntryStored) -> None:
        if self.entry.committed(message.kind, message.text):
            self.set_focus(self.timeline)

    # -- forms -------------------------------------------------------------------

    def _form(self, make: Callable[[Incident], Any]) -> None:
        if not self._ready():
            return
        assert self.incident is not None
        self.app.push_screen(make(self.incident), self._form_closed)

    def _form_closed(self, result: Any) -> None:
        self.set_focus(self.timeline)  # at once: the keys after Esc are commands again

    def _writer(self, kind: str, data: dict[str, Any], at: datetime | None) -> Event | None:
        return self.write(kind, data, at)

    def action_comms(self) -> None:
        from warroom.tui.screens.forms import CommsForm

        try:  # the status page's components (a bad [statuspage] offers none)
            page = warroom_app(self).settings.page_config()
        except UsageError:
            page = None
        self._form(
            lambda incident: CommsForm(
                incident, self.catalog, self._writer, page, self._component_states(page)
            )
        )

    def _component_states(self, page: PageConfig | None) -> Callable[[], dict[str, str]] | None:
        """What reads the states this incident's customers updates set (run in
        the form's worker: it reads the incident's events)."""
        if page is None or not page.components:
            return None
        store, incident_id, catalog = self.store, self.incident_id, self.catalog

        def load() -> dict[str, str]:
            from warroom.core.statuspage.model import incident_component_states

            return incident_component_states(page, store.events(incident_id), catalog)

        return load

    def action_status(self) -> None:
        from warroom.tui.screens.forms import StatusForm

        self._form(
            lambda incident: StatusForm(incident, self.catalog, self._writer, self.store.resolve)
        )

    def action_severity(self) -> None:
        from warroom.tui.screens.forms import SeverityForm

        self._form(lambda incident: SeverityForm(incident, self.catalog, self._writer))

    def action_roles(self) -> None:
        from warroom.tui.screens.forms import RolesForm

        self._form(lambda incident: RolesForm(incident, self.catalog, self._writer, self.actor))

    def action_milestone(self) -> None:
        from warroom.tui.screens.forms import MilestoneForm

        self._form(lambda incident: MilestoneForm(incident, self.catalog, self._writer, self.clock))

    def action_link(self) -> None:
        from warroom.tui.screens.forms import LinkForm

        self._form(lambda incident: LinkForm(incident, self.catalog, self._writer))

    def action_attach_runbook(self) -> None:
        settings = warroom_app(self).settings
        self._form(lambda incident: attach_form(incident, self.catalog, self._writer, settings))

    def action_followup(self) -> None:
        from warroom.tui.screens.followups import FollowupForm

        self._form(
            lambda incident: FollowupForm(
                incident, self.catalog, self._writer, self.clock, self.actor
            )
        )

    # -- the review ----------------------------------------------------------------

    def action_postmortem(self) -> None:
        show_postmortem(self, self.incident_id)

    def action_followups(self) -> None:
        show_followups(self)

    def action_metrics(self) -> None:
        show_metrics(self)

    def action_tagged_note(self, kind: str) -> None:
        if self._ready():
            self.entry.open(kind, TAGGED_NOTES[kind])

    # -- the runbook -------------------------------------------------------------

    def action_toggle_step(self) -> None:
        """`space`, from any pane: check or uncheck the step selected in the
        runbook pane (until the reader moves it, the next step to do); the
        check-off shows in the timeline at once.  With nothing to check, the
        key bar says where to go."""
        if not self._ready():
            return
        assert self.incident is not None
        bar = self.query_one(KeyBar)
        if not self.incident.steps:
            bar.say("No runbook attached: ctrl+p, then 'Attach a runbook'")
            return
        step_id = self.runbook.selected_step
        step = self.incident.steps.get(step_id) if step_id is not None else None
        if step is None:
            bar.say("No step selected: tab to the runbook, pick one with the arrows")
            return
        kind = "step_unchecked" if step.checked_by else "step_checked"
        self._write_quietly(kind, {"step": step.id, "text": step.text})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "ack" and not self._unacked:
            return False  # only while a page waits: out of the bar, the key does nothing
        return super().check_action(action, parameters)

    def action_ack(self) -> None:
        """`A` (offered while a page waits): acknowledge the page; the
        escalation stops (joining the room never does)."""
        if not self._ready():
            return
        self._write_quietly("page_acknowledged", {"person": self.actor, "via": "tui"})

    def action_add_step(self) -> None:
        """Add a step discovered during the incident, to the highlighted step's section."""
        if self._ready():
            self.step_section = self.runbook.selected_section
            self.entry.open(STEP_KIND, step_prompt(self.step_section))

    def action_copy_command(self) -> None:
        """Copy the highlighted runbook step's command (one line, cleaned)."""
        if not self._ready():
            return
        assert self.incident is not None
        try:
            command = step_command(self.incident, self.runbook.selected_step)
        except UsageError as error:
            notify(self, str(error))
            return
        self.app.copy_to_clipboard(command)
        notify(self, f"copied: {command}")

    @on(OptionList.OptionSelected, "#runbook")
    def _step_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_toggle_step()

    def action_edit_title(self) -> None:
        if self._ready():
            assert self.incident is not None
            self.action_entry("title", self.incident.title)

    def action_edit_service(self) -> None:
        if self._ready():
            assert self.incident is not None
            self.action_entry("service", self.incident.service or "")
