"""The home screen: the incident list.

Open incidents, most severe first: severity (coloured), ref, title, status,
lead, age, and when the next stakeholder update is due (local time; a
marker when it is overdue); a paged incident nobody acknowledged is marked.  `c` shows the
resolved, closed and cancelled ones too.  The list follows the store live
(`IncidentsFeed`, screens/incident_list.py): any event from any terminal
refreshes it in a thread worker, never more than one refresh at a time.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import RowDoesNotExist

from warroom.core.alerts.events import REFIRED_SECONDS, fired_again, refired_notice
from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.times import format_duration
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.context import warroom_app
from warroom.tui.inbox import InboxState
from warroom.tui.messages import LiveEvents
from warroom.tui.safe import notify, safe_line
from warroom.tui.screens.incident_list import IncidentListScreen
from warroom.tui.typeahead import TypeAhead
from warroom.tui.widgets.header import FAILING_SHORT, UNACKED_SHORT, severity_chip
from warroom.tui.widgets.inbox_banner import InboxBanner
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.safe_input import SafeInput
from warroom.tui.widgets.table_cursor import cursor_row_key

if TYPE_CHECKING:
    from warroom.services.runbooks import ServiceMatch

AGE_REFRESH = 15.0  # seconds between redraws of ages and overdue markers
COLUMNS = (
    ("sev", 6),
    ("ref", 7),
    ("title", 0),
    ("status", 13),
    ("lead", 10),
    ("age", 7),
    ("update", 6),
)
# Below NARROW_WIDTH the cells lose their padding (one trailing space is kept
# in each width instead) and the severity chip its margins: at 80 columns the
# title keeps about 30 characters instead of 16.
NARROW_WIDTH = 100
NARROW_COLUMNS = (
    ("sev", 5),
    ("ref", 7),
    ("title", 0),
    ("status", 14),
    ("lead", 9),
    ("age", 7),
    ("update", 6),
)
SCROLLBAR = 2


def _fixed_width(columns: tuple[tuple[str, int], ...], padding: int) -> int:
    return sum(width for _, width in columns) + 2 * padding * len(columns) + SCROLLBAR


def inbox_count(state: InboxState | None) -> Content:
    """`  ·  inbox: 3 alerts, 1 critical` (nothing while the inbox is empty or unread)."""
    if state is None or not state.count:
        return Content("")
    count = state.count
    parts: list[Content | str | tuple[str, str]] = [
        "  ·  inbox: ",
        (f"{count} alert{'' if count == 1 else 's'}", "bold"),
    ]
    if state.critical_count:
        parts += [", ", (f"⚠ {state.critical_count} critical", "bold $text-error")]
    return Content.assemble(*parts)


def list_age(seconds: float) -> str:
    """An incident's age for the list, as coarse as the list's refresh: `45s`,
    `12m`, `1h 05m`, `2d 03h`."""
    if seconds < 60:
        return f"{max(int(seconds), 0)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    return format_duration(seconds)


class HomeScreen(TypeAhead, IncidentListScreen):
    """The incident list for people who write: `d` declares, enter opens."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = (
        keys.HOME_KEYS
        + keys.HOME_READER_KEYS
        + keys.HOME_WRITE_KEYS
        + keys.HOME_ALERT_KEYS
        + keys.HOME_REVIEW_KEYS
    )
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(ACTIONS)

    def __init__(self, store: Store, catalog: Catalog, clock: Clock, actor: str) -> None:
        super().__init__(store, classes="home")
        self.catalog = catalog
        self.clock = clock
        self.actor = actor
        self.filter_text = ""
        self.shown: list[Incident] = []
        self.inbox: InboxState | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="home-title", markup=False)
        yield InboxBanner(hint="a: alert inbox")
        yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty-hint", markup=False)
        yield SafeInput(
            id="filter", placeholder="filter: ref, title, service, status, lead", compact=True
        )
        yield KeyBar()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#incidents", DataTable)

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        self.query_one("#empty-hint").display = False
        self.table.focus()
        self._title()
        self.set_interval(AGE_REFRESH, self.show_incidents)
        monitor = warroom_app(self).inbox_monitor()
        monitor.changed.subscribe(self, self._inbox_changed)
        self.inbox = monitor.state

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open" and isinstance(self.focused, Input):
            return False  # Enter in the filter box goes back to the list
        return super().check_action(action, parameters)

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.feed.request()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(KeyBar).compact = event.size.width < NARROW_WIDTH
        if self.loaded:
            self.show_incidents()

    # -- the list ------------------------------------------------------------------

    def _title(self) -> None:
        count = len(self.shown)
        what = "incident" if self.feed.include_closed else "open incident"
        what += "" if count == 1 else "s"
        toggle = "c: open only" if self.feed.include_closed else "c: show closed too"
        self.query_one("#home-title", Static).update(
            # the inbox before the toggle's hint: a narrow screen cuts the hint
            Content.assemble(
                ("warroom", "bold"),
                f"  ·  {count} {what}",
                inbox_count(self.inbox),
                f"  ·  {toggle}",
            )
        )

    @on(LiveEvents)
    def _tell_refired(self, message: LiveEvents) -> None:
        """An alert that fires again on a resolved incident (within the reopen
        window): home, where the resolved incident is not listed, tells its lead."""
        again = [event for event in message.events if fired_again(event)]
        if again and self.is_current:
            self._read_refired(again)

    @work(thread=True, group="refired")
    def _read_refired(self, again: list[Event]) -> None:
        for event in again:
            try:
                incident = self.store.incident(event.incident_id)
            except Exception:  # gone or unreadable now: the room shows it
                continue
            notice = refired_notice(incident, event)
            if notice is not None:
                self.app.call_from_thread(
                    notify, self, notice, severity="warning", timeout=REFIRED_SECONDS
                )

    def _inbox_changed(self, state: InboxState) -> None:
        self.inbox = state
        self._title()
        hint = self.query_one("#empty-hint", Static)
        if hint.display:
            hint.update(self._empty_text())

    def _matches(self, incident: Incident) -> bool:
        if not self.filter_text:
            return True
        needle = self.filter_text.lower()
        haystack = " ".join(
            (
                incident.ref,
                incident.title,
                incident.service or "",
                incident.status,
                incident.lead or "",
                f"sev{incident.severity}",
            )
        ).lower()
        return all(word in haystack for word in needle.split())

    def show_incidents(self) -> None:
        if not self.is_mounted:
            return
        table = self.table
        now = self.clock.now()
        self.shown = [incident for incident in self.incidents if self._matches(incident)]
        selected = self._selected_id()
        narrow = self.app.size.width < NARROW_WIDTH
        columns, padding = (NARROW_COLUMNS, 0) if narrow else (COLUMNS, 1)
        title_width = max(16, self.app.size.width - _fixed_width(columns, padding))
        table.clear(columns=True)
        table.cell_padding = padding
        for label, width in columns:
            table.add_column(label, width=width or title_width, key=label)
        text_width = title_width - 1 if narrow else title_width  # keep a space after it
        for incident in self.shown:
            table.add_row(*self._cells(incident, now, text_width, narrow), key=incident.id)
        if selected is not None:
            with contextlib.suppress(RowDoesNotExist):
                table.move_cursor(row=table.get_row_index(selected), animate=False)
        self._title()
        hint = self.query_one("#empty-hint", Static)
        hint.display = not self.shown
        table.display = bool(self.shown)
        if not self.shown:
            hint.update(self._empty_text())

    def _empty_text(self) -> Content:
        if self.filter_text:
            return Content.assemble(
                "No incident matches the filter. ", ("Esc", "bold"), " clears it."
            )
        waiting = self.inbox.count if self.inbox is not None else 0
        alerts: list[Content | str | tuple[str, str]] = []
        if waiting:
            what = "alert waits" if waiting == 1 else "alerts wait"
            alerts = [
                "\n\n",
                f"{waiting} {what} in the inbox: ",
                ("a", "bold reverse"),
                " lists them.",
            ]
        return Content.assemble(
            ("No open incidents.", "bold"),
            "\n\nPress ",
            ("d", "bold reverse"),
            " to declare the first one: a title, Enter, and you are in its war room.\n"
            "From a shell: ",
            ('warroom declare "Checkout errors for EU users" --sev 2', "italic"),
            *alerts,
        )

    def _cells(self, incident: Incident, now: Any, title_width: int, narrow: bool) -> list[Content]:
        age = (
            list_age((now - incident.declared_at).total_seconds()) if incident.declared_at else "-"
        )
        title = safe_line(incident.title, title_width)
        if incident.drill:
            title = Content.assemble(("drill ", "italic"), title)
        if incident.failing_deliveries and incident.is_open(self.catalog):
            title = Content.assemble((f"{FAILING_SHORT} ", "bold $text-warning"), title)
        if incident.unacknowledged and incident.is_open(self.catalog):
            title = Content.assemble((f"{UNACKED_SHORT} ", "bold $text-error"), title)
        overdue = incident.update_overdue(self.catalog, now)
        due = incident.next_update_due(self.catalog)
        return [
            severity_chip(self.catalog, incident.severity, long=False, margin=not narrow),
            Content.assemble((incident.ref, "bold")),
            title,
            safe_line(incident.status, 13),
            safe_line(incident.lead or "—", 10 if not narrow else 8),
            Content(age),
            Content.assemble(("⚠ late", "bold $text-error"))
            if overdue
            else Content(f"{due.astimezone():%H:%M}" if due else ""),
        ]

    def _selected_id(self) -> str | None:
        return cursor_row_key(self.table)

    # -- actions -------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            warroom_app(self).open_incident(event.row_key.value)

    def action_open(self) -> None:
        selected = self._selected_id()
        if selected:
            warroom_app(self).open_incident(selected)

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()

    def action_toggle_closed(self) -> None:
        self.feed.include_closed = not self.feed.include_closed
        self.feed.request()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self.set_focus(box)  # at once: the keys typed after `/` go into the box

    def action_cancel_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.filter_text = ""
            self.show_incidents()
            self.set_focus(self.table)  # at once: the next keys move in the list

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.show_incidents()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_focus(self.table)

    def action_declare(self) -> None:
        """`d`: declare, me as lead; with a service, attach the runbook that
        lists it (several: the lead picks one in the room)."""
        from warroom.services.declare import declare_with_runbook
        from warroom.tui.library import runbook_library
        from warroom.tui.screens.forms import DeclareForm

        matched: dict[str, ServiceMatch | Exception] = {}
        settings = warroom_app(self).settings  # read here: `run` runs in a thread

        def run(title: str, severity: int, service: str | None) -> Incident:
            made = declare_with_runbook(
                self.store,
                self.actor,
                self.clock,
                title=title,
                severity=severity,
                service=service,
                lead=self.actor,
                runbooks=lambda: runbook_library(settings),
                oncall=settings.oncall,
            )
            # an error: declared all the same, the notification says why no runbook
            matched[made.incident.id] = made.runbook.error or made.runbook
            return made.incident

        def declared(incident: Incident | None) -> None:
            if not isinstance(incident, Incident):
                return
            warroom_app(self).open_incident(incident.id)
            match = matched.get(incident.id)
            if isinstance(match, Exception):
                notify(self, f"no runbook attached: {match}", severity="warning")
            elif match is not None:
                self._runbook_matched(incident, match)

        self.app.push_screen(DeclareForm(run, self.catalog), declared)

    def _runbook_matched(self, incident: Incident, match: ServiceMatch) -> None:
        """Say which runbook the service brought; with several, the lead picks."""
        from warroom.services.incidents import write
        from warroom.tui.library import find_runbook
        from warroom.tui.screens.forms import AttachRunbookForm

        service = incident.service or ""
        if match.attached is not None:
            notify(self, f"runbook {match.attached.name} attached: {match.why(service)}")
            return
        if not match.candidates:
            return
        settings = warroom_app(self).settings

        def writer(kind: str, data: dict[str, Any], at: Any) -> Any:
            return write(self.store, incident.id, kind, self.actor, data, self.clock, at)

        names = ", ".join(entry.slug for entry in match.candidates)
        heading = f"Several runbooks list the service {service} ({names}): pick one"
        form = AttachRunbookForm(
            incident,
            self.catalog,
            writer,
            find=lambda query: find_runbook(settings, query),
            entries=match.candidates,
            heading=heading,
        )
        self.app.push_screen(form)

    def action_alerts(self) -> None:
        """`a`: the alert inbox."""
        from warroom.tui.screens.alerts import AlertsScreen

        self.app.push_screen(AlertsScreen(self.store, self.catalog, self.clock, self.actor))

    def action_followups(self) -> None:
        from warroom.tui.screens.review import show_followups

        show_followups(self)

    def action_metrics(self) -> None:
        from warroom.tui.screens.review import show_metrics

        show_metrics(self)
