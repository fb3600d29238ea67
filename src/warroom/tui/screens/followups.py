"""Follow-ups (the guide's action items) in the TUI.

`FollowupForm`: the war room's key adds one to the incident: what, who owns
it, by when (`2026-12-15`, or `+7d` / `+2w` from today).

`FollowupsScreen`: every follow-up of every incident (open, resolved, closed
or cancelled), by due date, overdue ones marked; a key cycles the filter (all,
open, overdue, mine), others mark the highlighted one done or verified (each a
`followup_done` / `followup_verified` event on its incident, through a small
confirmation form that takes an optional note), Enter opens its incident.  The
list follows the store live, like the home screen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import RowDoesNotExist

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.errors import UsageError
from warroom.core.events import Event
from warroom.core.followups import DUE_HELP, Entry, entries, new_followup_id, parse_due, select
from warroom.core.incident import Incident
from warroom.services.incidents import write as write_event
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.context import warroom_app
from warroom.tui.safe import notify, safe_line
from warroom.tui.screens.forms import Writer, _WriteForm
from warroom.tui.screens.incident_list import IncidentListScreen
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.safe_input import SafeInput
from warroom.tui.widgets.table_cursor import cursor_row_key

FILTERS = ("all", "open", "overdue", "mine")
COLUMNS = (("id", 9), ("ref", 7), ("state", 10), ("due", 11), ("owner", 13))
NARROW_WIDTH = 100  # below: cells lose their padding, as on the home screen
SCROLLBAR = 2
OVERDUE = "⚠ overdue"


def today_of(clock: Clock) -> date:
    """Today in local time: due dates and "overdue" are local (as in the CLI)."""
    return clock.now().astimezone().date()


class FollowupForm(_WriteForm):
    """Add a follow-up to the incident: text, owner (me by default), due date."""

    TITLE_TEXT = "Add a follow-up (action item)"

    def __init__(
        self, incident: Incident, catalog: Catalog, writer: Writer, clock: Clock, me: str
    ) -> None:
        super().__init__(incident, catalog, writer)
        self.clock = clock
        self.me = me

    def fields(self) -> ComposeResult:
        yield Static("What should be done", classes="form-label", markup=False)
        yield SafeInput(id="text", placeholder="e.g. alert on the EU 5xx ratio", compact=True)
        yield Static("Owner", classes="form-label", markup=False)
        yield SafeInput(self.me, id="owner", compact=True)
        yield Static(
            "Due (YYYY-MM-DD, or +7d / +2w from today)", classes="form-label", markup=False
        )
        yield SafeInput("+7d", id="due", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#text", Input).focus()

    def job(self) -> Callable[[], Event]:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            raise UsageError("say what should be done")
        owner = self.query_one("#owner", Input).value.strip()
        if not owner:
            raise UsageError("name the owner")
        raw = self.query_one("#due", Input).value.strip()
        if not raw:
            raise UsageError(f"give a due date: {DUE_HELP}")
        due = parse_due(raw, today_of(self.clock))
        data = {"id": new_followup_id(), "text": text, "owner": owner, "due": due.isoformat()}
        return lambda: self.writer("followup_added", data, None)


class FollowupChangeForm(_WriteForm):
    """Confirm marking a follow-up done (or verified), with an optional note."""

    def __init__(
        self, incident: Incident, catalog: Catalog, writer: Writer, entry: Entry, verb: str
    ) -> None:
        super().__init__(incident, catalog, writer)
        self.entry = entry
        self.verb = verb  # "done" or "verified"
        self.TITLE_TEXT = (
            "Mark the follow-up done"
            if verb == "done"
            else "Mark the follow-up verified (the fix was checked to work)"
        )

    def fields(self) -> ComposeResult:
        followup = self.entry.followup
        yield Static(
            Content.assemble(
                (f"{followup.id}  {self.entry.incident.ref}  ", "bold"),
                safe_line(followup.text, 300),
                ("  owner ", "dim"),
                safe_line(followup.owner, 40),
                (f"  due {followup.due.isoformat()}", "dim"),
            ),
            classes="form-label",
        )
        yield Static(
            "Note (optional): how it was done"
            if self.verb == "done"
            else "Note: how it was checked",
            classes="form-label",
            markup=False,
        )
        yield SafeInput(id="note", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#note", Input).focus()

    def job(self) -> Callable[[], Event]:
        followup = self.entry.followup
        data: dict[str, Any] = {"id": followup.id, "text": followup.text}
        note = self.query_one("#note", Input).value.strip()
        if note:
            data["note"] = note
        kind = "followup_done" if self.verb == "done" else "followup_verified"
        return lambda: self.writer(kind, data, None)


class FollowupsScreen(IncidentListScreen):
    """Every follow-up across incidents, by due date; overdue ones marked."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = keys.FOLLOWUPS_KEYS
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(ACTIONS)

    def __init__(self, store: Store, catalog: Catalog, clock: Clock, actor: str) -> None:
        super().__init__(store, include_closed=True, classes="followups")
        self.catalog = catalog
        self.clock = clock
        self.actor = actor
        self.filter = "all"
        self.shown: dict[str, Entry] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="followups-title", classes="screen-title", markup=False)
        yield DataTable(id="followups-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="followups-empty", markup=False)
        yield Static("", id="followups-detail", markup=False)
        yield KeyBar()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#followups-table", DataTable)

    def on_mount(self) -> None:
        self.query_one("#followups-empty").display = False
        self.table.focus()
        self._title(0)

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(KeyBar).compact = event.size.width < NARROW_WIDTH
        if self.loaded:
            self.show_incidents()

    # -- the list --------------------------------------------------------------------

    def selected(self) -> list[Entry]:
        today = today_of(self.clock)
        found = entries(self.incidents)
        if self.filter == "open":
            return select(found, today, open_only=True)
        if self.filter == "overdue":
            return select(found, today, overdue_only=True)
        if self.filter == "mine":
            return select(found, today, owner=self.actor)
        return found

    def _title(self, count: int) -> None:
        filters = " · ".join(name.upper() if name == self.filter else name for name in FILTERS)
        self.query_one("#followups-title", Static).update(
            Content.assemble(
                ("Follow-ups", "bold"),
                f"  ·  {count} shown  ·  filter: ",
                (filters, ""),
                "  (f: next)",
            )
        )

    def show_incidents(self) -> None:
        """The IncidentListScreen hook: the incidents changed; redraw the follow-ups."""
        if not self.is_mounted:
            return
        today = today_of(self.clock)
        table = self.table
        chosen = self._selected_key()
        found = self.selected()
        self.shown = {f"{entry.incident.id}/{entry.followup.id}": entry for entry in found}
        width = self.app.size.width
        padding = 0 if width < NARROW_WIDTH else 1
        fixed = sum(size for _, size in COLUMNS) + 2 * padding * (len(COLUMNS) + 1) + SCROLLBAR
        text_width = max(16, width - fixed)
        table.clear(columns=True)
        table.cell_padding = padding
        for label, size in (*COLUMNS, ("follow-up", text_width)):
            table.add_column(label, width=size, key=label)
        for key, entry in self.shown.items():
            table.add_row(*self._cells(entry, today, text_width), key=key)
        if chosen is not None:
            with contextlib.suppress(RowDoesNotExist):
                table.move_cursor(row=table.get_row_index(chosen), animate=False)
        self._title(len(found))
        empty = self.query_one("#followups-empty", Static)
        empty.display = not found
        table.display = bool(found)
        if not found:
            empty.update(self._empty_text())
        self._detail()

    def _cells(self, entry: Entry, today: date, text_width: int) -> list[Content]:
        followup = entry.followup
        overdue = entry.overdue(today)
        if overdue:  # open, and due before today
            state = Content.assemble((OVERDUE, "bold $text-error"))
        else:
            style = {"open": "bold", "verified": "dim"}.get(followup.state, "")
            state = Content.assemble((followup.state, style))
        return [
            Content(followup.id),
            Content.assemble((entry.incident.ref, "bold")),
            state,
            Content(followup.due.isoformat()),
            safe_line(followup.owner, 12),
            safe_line(followup.text, text_width - 1),
        ]

    def _empty_text(self) -> Content:
        if self.filter != "all":
            return Content.assemble(
                f"No follow-up matches the filter '{self.filter}'. ",
                ("f", "bold"),
                " shows the next.",
            )
        return Content.assemble(
            ("No follow-ups yet.", "bold"),
            "\n\nIn a war room, ",
            ("o", "bold reverse"),
            " adds one (what, owner, due date).\nFrom a shell: ",
            (
                "warroom followup add INC-1 'Alert on the EU 5xx ratio' --owner bob --due +7d",
                "italic",
            ),
        )

    def _selected_key(self) -> str | None:
        return cursor_row_key(self.table)

    def selected_entry(self) -> Entry | None:
        key = self._selected_key()
        return self.shown.get(key) if key is not None else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._detail()

    def _detail(self) -> None:
        detail = self.query_one("#followups-detail", Static)
        entry = self.selected_entry()
        detail.display = entry is not None
        if entry is None:
            return
        followup = entry.followup
        parts: list[Content] = [
            Content.assemble(
                (f"{entry.incident.ref} ", "bold"), safe_line(entry.incident.title, 200)
            ),
            safe_line(followup.text, 1000),
        ]
        facts: list[Content] = []
        if followup.added_by:
            facts.append(
                Content.assemble(
                    "added by ", safe_line(followup.added_by, 40), _on(followup.added_at)
                )
            )
        if followup.done_by:
            facts.append(
                Content.assemble("done by ", safe_line(followup.done_by, 40), _on(followup.done_at))
            )
        if followup.done_note:
            facts.append(Content.assemble("(", safe_line(followup.done_note, 200), ")"))
        if followup.verified_by:
            facts.append(
                Content.assemble(
                    "verified by ", safe_line(followup.verified_by, 40), _on(followup.verified_at)
                )
            )
        if followup.verified_note:
            facts.append(Content.assemble("(", safe_line(followup.verified_note, 200), ")"))
        if facts:
            parts.append(Content(" · ").join(facts).stylize("dim"))
        detail.update(Content("\n").join(parts))

    # -- actions -----------------------------------------------------------------

    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.show_incidents()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            warroom_app(self).open_incident(entry.incident.id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_done(self) -> None:
        self._change("done")

    def action_verify(self) -> None:
        self._change("verified")

    def _change(self, verb: str) -> None:
        entry = self.selected_entry()
        if entry is None:
            notify(self, "no follow-up selected")
            return
        state = entry.followup.state
        if verb == "done" and state != "open":
            notify(self, f"follow-up {entry.followup.id} is already {state}")
            return
        if verb == "verified" and state != "done":
            reason = "still open: mark it done first" if state == "open" else "already verified"
            notify(self, f"follow-up {entry.followup.id} is {reason}")
            return
        incident = entry.incident

        def writer(kind: str, data: dict[str, Any], at: datetime | None) -> Event:
            return write_event(
                self.store, incident.id, kind, self.actor, data, self.clock, at, incident.last_seq
            )

        def closed(result: Any) -> None:
            if isinstance(result, Event):
                notify(self, f"follow-up {entry.followup.id} marked {verb}")
            self.table.focus()

        self.app.push_screen(
            FollowupChangeForm(incident, self.catalog, writer, entry, verb), closed
        )


def _on(moment: datetime | None) -> str:
    return f" on {moment.astimezone():%Y-%m-%d %H:%M}" if moment else ""
