"""The alert inbox: the alerts no rule turned into an incident, newest first.

One row per alert (severity, source, service, summary, first and last seen,
repeats; with `c`, every alert and its state or incident); the highlighted
one's labels, annotations and links below.  `d` declares an incident from it
(a small form: title and severity, filled from the alert), `a` records it on
an open incident (picked from a list) (screens/alert_forms.py), `i` ignores it
(after a yes).  All
through the store's `AlertInbox` (`warroom.services.alerts.inbox_for`), in
thread workers.  The list follows the inbox: the app's `InboxMonitor` says
when it moved, and only then is the list read again.  Alert text is
untrusted: every cell is safe Content, never markup.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowDoesNotExist

from warroom.core.alerts.model import AlertRecord
from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.incident import Incident
from warroom.store.base import AlertInbox, Store, sort_incidents
from warroom.tui import keys
from warroom.tui.context import warroom_app
from warroom.tui.inbox import InboxMonitor, InboxState
from warroom.tui.messages import AlertHandled, AlertNotHandled, AlertsFailed, AlertsFetched
from warroom.tui.safe import notify, safe_line
from warroom.tui.screens.alert_forms import AlertAttachForm, AlertDeclareForm
from warroom.tui.screens.forms import ConfirmScreen
from warroom.tui.screens.incident_list import IncidentListScreen
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.table_cursor import cursor_row_key
from warroom.tui.work import Coalesced

LIST_LIMIT = 500  # alerts read at most (the inbox, newest first)
NARROW_WIDTH = 100  # below: cells lose their padding, as on the home screen
SCROLLBAR = 2
COLUMNS = (  # (label, the width of its text; 0: the rest)
    ("severity", 8),
    ("source", 12),
    ("service", 14),
    ("summary", 0),
    ("first", 5),
    ("last", 5),
    ("repeats", 7),
)
NARROW_COLUMNS = (
    ("severity", 8),
    ("source", 12),
    ("service", 10),
    ("summary", 0),
    ("first", 5),
    ("last", 5),
    ("rep", 3),
)
ALL_COLUMNS = (("state", 9),)
# how the sources' own severity words look (any other word: plain)
SEVERITY_STYLES = {
    "critical": "bold $text-error",
    "error": "$text-error",
    "warning": "$text-warning",
}


def seen(moment: datetime | None, now: datetime) -> str:
    """`03:12` today (local time), `11-25` another day."""
    if moment is None:
        return ""
    local = moment.astimezone()
    return local.strftime("%H:%M") if local.date() == now.astimezone().date() else f"{local:%m-%d}"


def severity_cell(word: str) -> Content:
    text = safe_line(word or "—", 12)
    style = SEVERITY_STYLES.get(word.lower(), "")
    return text.stylize(style) if style else text


class AlertsScreen(IncidentListScreen):
    """The alert inbox (or, with `c`, every alert): declare, attach, ignore."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = keys.ALERTS_KEYS
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(ACTIONS)

    def __init__(self, store: Store, catalog: Catalog, clock: Clock, actor: str) -> None:
        super().__init__(store, include_closed=True, classes="alerts")
        self.catalog = catalog
        self.clock = clock
        self.actor = actor
        self.show_all = False
        self.alerts: list[AlertRecord] = []
        self.alerts_loaded = False
        self._by_id: dict[str, AlertRecord] = {}
        self._read = Coalesced(self._start_read)

    @property
    def loaded(self) -> bool:
        """The incidents and the alerts are read (the tests wait for it)."""
        return self.feed.loaded and self.alerts_loaded

    def compose(self) -> ComposeResult:
        yield Static("", id="alerts-title", classes="screen-title", markup=False)
        yield DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="alerts-empty", markup=False)
        yield Static("", id="alerts-detail", markup=False)
        yield KeyBar()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#alerts-table", DataTable)

    @property
    def monitor(self) -> InboxMonitor:
        return warroom_app(self).inbox_monitor()

    def on_mount(self) -> None:
        self.query_one("#alerts-empty").display = False
        self.query_one("#alerts-detail").display = False
        self.table.focus()
        self._title()
        self.monitor.changed.subscribe(self, self._inbox_changed)
        self._read.request()

    def on_screen_resume(self) -> None:
        if self.alerts_loaded:
            self._read.request()
        if self.feed.loaded:
            self.feed.request()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(KeyBar).compact = event.size.width < NARROW_WIDTH
        if self.alerts_loaded:
            self.show_alerts()

    # -- reading ------------------------------------------------------------------

    def _inbox_changed(self, state: InboxState) -> None:
        self._title()
        if self.is_current:  # a hidden list reads again when it is shown
            self._read.request()

    def _start_read(self) -> None:
        self.run_worker(
            self._read_alerts, thread=True, group="refresh", name="alerts", exit_on_error=False
        )

    def _inbox(self) -> AlertInbox:
        """The app's inbox (blocking the first time: call it from a worker)."""
        return self.monitor.open()

    def _read_alerts(self) -> None:
        """In the worker thread."""
        try:
            alerts = self._inbox().list("all" if self.show_all else "inbox", limit=LIST_LIMIT)
        except Exception as error:
            self.post_message(AlertsFailed(error))
            return
        self.post_message(AlertsFetched(alerts))

    @on(AlertsFetched)
    def _alerts_fetched(self, message: AlertsFetched) -> None:
        self._read.finished()
        self.alerts = message.alerts
        self._by_id = {alert.id: alert for alert in self.alerts}
        self.alerts_loaded = True
        self.show_alerts()

    @on(AlertsFailed)
    def _alerts_failed(self, message: AlertsFailed) -> None:
        self._read.finished()
        self.alerts_loaded = True
        notify(self, f"cannot read the alerts: {message.error}", severity="error")
        self.show_alerts()

    def show_incidents(self) -> None:
        """The IncidentListScreen hook: the incidents changed (the refs shown)."""
        if self.alerts_loaded and self.show_all:
            self.show_alerts()

    # -- the list -------------------------------------------------------------------

    def _title(self) -> None:
        count = len(self.alerts)
        critical = sum(1 for alert in self.alerts if alert.severity.lower() == "critical")
        what = "alerts (all)" if self.show_all else "in the inbox"
        toggle = "c: the inbox only" if self.show_all else "c: every alert"
        shown = f"{count}"
        state = self.monitor.state
        if count >= LIST_LIMIT:  # the newest only: say of how many
            total = state.count if state is not None and not self.show_all else None
            shown = f"the newest {count} of {total}" if total else f"the newest {count}"
        parts: list[Content | str | tuple[str, str]] = [
            ("Alerts", "bold"),
            f"  ·  {shown} {what}",
        ]
        if critical:
            parts += ["  ·  ", (f"{critical} critical", "bold $text-error")]
        parts.append(f"  ·  {toggle}")
        self.query_one("#alerts-title", Static).update(Content.assemble(*parts))

    def _columns(self, narrow: bool) -> tuple[tuple[str, int], ...]:
        columns = NARROW_COLUMNS if narrow else COLUMNS
        return columns + ALL_COLUMNS if self.show_all else columns

    def show_alerts(self) -> None:
        if not self.is_mounted:
            return
        table = self.table
        selected = self._selected_id()
        now = self.clock.now()
        width = self.app.size.width
        # narrow: no cell padding, one trailing space in each width instead
        narrow = width < NARROW_WIDTH
        padding, gap = (0, 1) if narrow else (1, 0)
        columns = self._columns(narrow)
        fixed = sum(size + gap for _, size in columns) + 2 * padding * len(columns) + SCROLLBAR
        summary_width = max(16, width - fixed)
        refs = {incident.id: incident.ref for incident in self.incidents}
        with self.app.batch_update():
            table.clear(columns=True)
            table.cell_padding = padding
            for label, size in columns:
                table.add_column(label, width=(size or summary_width) + gap, key=label)
            for alert in self.alerts:
                cells = self._cells(alert, now, dict(columns), summary_width, refs)
                table.add_row(*cells, key=alert.id)
            if selected is not None:
                with contextlib.suppress(RowDoesNotExist):
                    table.move_cursor(row=table.get_row_index(selected), animate=False)
            self._title()
            empty = self.query_one("#alerts-empty", Static)
            empty.display = not self.alerts
            table.display = bool(self.alerts)
            if not self.alerts:
                empty.update(self._empty_text())
            self._detail()

    def _cells(
        self,
        alert: AlertRecord,
        now: datetime,
        widths: dict[str, int],
        summary_width: int,
        refs: dict[str, str],
    ) -> list[Content]:
        cells = [
            severity_cell(alert.severity),
            safe_line(alert.source, widths["source"]),
            safe_line(alert.service or "—", widths["service"]),
            safe_line(alert.summary or alert.id, summary_width),
            Content(seen(alert.first_seen, now)),
            Content(seen(alert.last_seen, now)),
            Content(f"×{alert.repeats + 1}" if alert.repeats else ""),
        ]
        if self.show_all:
            cells.append(self._state_cell(alert, refs))
        return cells

    @staticmethod
    def _state_cell(alert: AlertRecord, refs: dict[str, str]) -> Content:
        if alert.state == "incident" and alert.incident_id:
            text = refs.get(alert.incident_id, alert.incident_id[:8])
        else:
            text = alert.state
        if alert.status == "resolved":
            return Content.assemble((f"{text} ✓", "dim"))
        return safe_line(text, 9)

    def _empty_text(self) -> Content:
        if self.show_all:
            return Content.assemble(("No alerts yet.", "bold"))
        return Content.assemble(
            ("The inbox is empty.", "bold"),
            "\n\nAlerts that no rule turned into an incident wait here. ",
            ("c", "bold reverse"),
            " shows every alert.",
        )

    def _selected_id(self) -> str | None:
        return cursor_row_key(self.table)

    def selected_alert(self) -> AlertRecord | None:
        key = self._selected_id()
        return self._by_id.get(key) if key is not None else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._detail()

    def _detail(self) -> None:
        detail = self.query_one("#alerts-detail", Static)
        alert = self.selected_alert()
        detail.display = alert is not None
        if alert is not None:
            detail.update(alert_detail(alert))

    # -- actions -----------------------------------------------------------------

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._title()
        self._read.request()

    def action_open(self) -> None:
        alert = self.selected_alert()
        if alert is None:
            return
        if alert.incident_id:
            warroom_app(self).open_incident(alert.incident_id)
        else:
            notify(self, "this alert is on no incident: d declares one, a attaches it")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def _target(self) -> AlertRecord | None:
        """The highlighted alert, if it can still be acted on (in the inbox)."""
        alert = self.selected_alert()
        if alert is None:
            notify(self, "no alert selected")
            return None
        if alert.state != "inbox":
            notify(self, f"alert {alert.id[:8]} is not in the inbox ({alert.state})")
            return None
        return alert

    def action_declare(self) -> None:
        alert = self._target()
        if alert is None:
            return

        def declare(title: str, level: int) -> Incident:
            return self._inbox().declare(alert.id, self.actor, severity=level, title=title)

        def declared(incident: Incident | None) -> None:
            self.table.focus()
            if isinstance(incident, Incident):
                self._handled(f"{incident.ref} declared from the alert")
                warroom_app(self).open_incident(incident.id)

        self.app.push_screen(AlertDeclareForm(alert, self.catalog, declare), declared)

    def action_attach(self) -> None:
        alert = self._target()
        if alert is None:
            return
        incidents = sort_incidents([i for i in self.incidents if i.is_open(self.catalog)])
        if not incidents:
            notify(self, "no open incident to attach it to: d declares one from the alert")
            return

        def attach(incident: Incident) -> Incident:
            return self._inbox().attach(alert.id, incident.ref, self.actor)

        def attached(incident: Incident | None) -> None:
            self.table.focus()
            if isinstance(incident, Incident):
                self._handled(f"the alert is recorded on {incident.ref}")

        form = AlertAttachForm(alert, self.catalog, incidents, attach)
        self.app.push_screen(form, attached)

    def action_ignore(self) -> None:
        alert = self._target()
        if alert is None:
            return

        def answered(yes: bool | None) -> None:
            self.table.focus()
            if yes:
                self.run_worker(
                    lambda: self._ignore(alert),
                    thread=True,
                    group="write",
                    name="ignore alert",
                    exit_on_error=False,
                )

        summary = alert.summary[:200]
        question = f"Ignore the alert {summary!r}? It leaves the inbox; no incident is made."
        self.app.push_screen(ConfirmScreen(question), answered)

    def _ignore(self, alert: AlertRecord) -> None:
        """In a worker thread."""
        try:
            self._inbox().ignore(alert.id, self.actor)
        except Exception as error:
            self.post_message(AlertNotHandled(error))
            return
        self.post_message(AlertHandled("the alert is ignored"))

    @on(AlertHandled)
    def _alert_handled(self, message: AlertHandled) -> None:
        self._handled(message.text)

    @on(AlertNotHandled)
    def _alert_not_handled(self, message: AlertNotHandled) -> None:
        notify(self, f"the alert is not ignored: {message.error}", severity="error")
        self._read.request()  # it may have left the inbox meanwhile

    def _handled(self, text: str) -> None:
        notify(self, text)
        self._read.request()
        self.monitor.poll_now()


def alert_detail(alert: AlertRecord) -> Content:
    """The highlighted alert in full: summary, description, labels,
    annotations, links (each safe, one line, cut)."""
    lines: list[Content] = [
        Content.assemble(
            (f"{alert.id[:8]} ", "bold"),
            safe_line(alert.summary, 1000),
        )
    ]
    facts = [alert.source, alert.status, f"first seen {_utc(alert.first_seen)}"]
    facts.append(f"last seen {_utc(alert.last_seen)}")
    if alert.repeats:
        facts.append(f"sent {alert.repeats + 1} times")
    if alert.acknowledged:
        facts.append("acknowledged")
    lines.append(safe_line(" · ".join(facts), 200).stylize("dim"))
    if alert.description:
        lines.append(safe_line(alert.description, 1000))
    for name, values in (("labels", alert.labels), ("annotations", alert.annotations)):
        if values:
            pairs = Content("  ").join(
                Content.assemble(safe_line(key, 60).stylize("bold"), "=", safe_line(value, 200))
                for key, value in sorted(values.items())
            )
            lines.append(Content.assemble((f"{name} ", "dim"), pairs))
    if alert.links:
        links = Content("  ").join(
            Content.assemble(safe_line(label or "link", 40), " ", safe_line(url, 200))
            for label, url in alert.links
        )
        lines.append(Content.assemble(("links ", "dim"), links))
    return Content("\n").join(lines)


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"
