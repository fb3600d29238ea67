"""Modal forms: declare, status, severity, roles, milestone, link, stakeholder
update, attach a runbook.

Each form turns its fields into one job (a store write, run in a thread
worker).  Enter saves; on success the form closes with the job's result; on
failure it stays open with everything typed and the reason shown.  Esc closes
without writing.  Choices come from the catalog: the status form offers only
the moves the workflow allows from the current status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.input import Selection
from textual.widgets.option_list import Option

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.errors import UsageError
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.runbook_library import Entry
from warroom.core.statuspage.config import PageConfig, proposed_state
from warroom.core.statuspage.model import PUBLIC_AUDIENCE
from warroom.tui.messages import (
    ComponentStatesLoaded,
    FormFailed,
    FormSaved,
    LibraryFailed,
    LibraryLoaded,
    NothingPicked,
)
from warroom.tui.safe import safe_line
from warroom.tui.typeahead import TypeAhead
from warroom.tui.widgets.component_picker import ComponentPicker
from warroom.tui.widgets.picklist import PickList
from warroom.tui.widgets.safe_input import SafeInput

Writer = Callable[[str, dict[str, Any], datetime | None], Event]


class FormScreen(TypeAhead, ModalScreen[Any]):
    """A small modal form; subclasses add fields and `job()`."""

    # priority: the form is gone before the keys typed after Esc arrive (tui/typeahead.py)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel", id="form_cancel", priority=True),
        # priority too: a key typed after Tab in one burst goes to the next field
        Binding("tab", "app.focus_next", "Next field", show=False, id="form_next", priority=True),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous field",
            show=False,
            id="form_previous",
            priority=True,
        ),
    ]
    TITLE_TEXT = ""
    HINT = "Enter saves · Tab next field · Esc cancels"

    def __init__(self) -> None:
        super().__init__(classes="form-screen")
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(Content.assemble((self.TITLE_TEXT, "bold")), classes="form-title")
            yield from self.fields()
            yield Static("", id="form-error", classes="form-error", markup=False)
            yield Static(self.HINT, classes="form-hint", markup=False)

    def fields(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False

    def job(self) -> Callable[[], Any]:
        """Check the fields (UsageError on bad input); return the blocking write."""
        raise NotImplementedError

    def action_close(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            work = self.job()
        except (UsageError, ValueError) as error:
            self.show_error(str(error))
            return
        self.saving = True
        self.show_error(None)
        self._run(work)

    @work(thread=True, exit_on_error=False, group="write")
    def _run(self, job: Callable[[], Any]) -> None:
        try:
            value = job()
        except Exception as error:  # shown in the form, which stays open
            self.post_message(FormFailed(error))
            return
        self.post_message(FormSaved(value))

    @on(FormSaved)
    def _saved(self, message: FormSaved) -> None:
        self.saving = False
        self.dismiss(message.value if message.value is not None else True)

    @on(FormFailed)
    def _failed(self, message: FormFailed) -> None:
        self.saving = False
        self.show_error(str(message.error))

    def show_error(self, text: str | None) -> None:
        error = self.query_one("#form-error", Static)
        error.display = bool(text)
        error.update(safe_line(text or "", 2000))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    @on(NothingPicked)
    def _nothing_picked(self, event: NothingPicked) -> None:
        event.stop()
        self.action_save()

    @staticmethod
    def chosen(options: OptionList) -> str | None:
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        return None if option.disabled else option.id


def _label(text: str) -> Static:
    return Static(text, classes="form-label", markup=False)


class DeclareForm(FormScreen):
    """Title; severity (default 3); service.  Enter declares, me as Incident Lead."""

    TITLE_TEXT = "Declare an incident"

    def __init__(self, declare: Callable[[str, int, str | None], Incident], catalog: Catalog):
        super().__init__()
        self._declare = declare
        self.catalog = catalog

    def fields(self) -> ComposeResult:
        yield _label("Title: what is broken, for whom")
        yield SafeInput(id="title", placeholder="e.g. Checkout errors for EU users", compact=True)
        levels = ", ".join(
            f"{level} {severity.name.lower()}"
            for level, severity in self.catalog.severities.items()
        )
        yield _label(f"Severity ({levels})")
        yield SafeInput("3", id="severity", restrict=r"[0-9]*", max_length=2, compact=True)
        yield _label("Service (optional)")
        yield SafeInput(id="service", placeholder="e.g. checkout", compact=True)

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def job(self) -> Callable[[], Incident]:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            raise UsageError("the title is empty: say what is broken")
        raw = self.query_one("#severity", Input).value.strip() or "3"
        level = int(raw)
        self.catalog.check_severity(level)
        service = self.query_one("#service", Input).value.strip() or None
        return lambda: self._declare(title, level, service)


class _WriteForm(FormScreen):
    """A form that writes events to one incident through the room's writer."""

    def __init__(self, incident: Incident, catalog: Catalog, writer: Writer) -> None:
        super().__init__()
        self.incident = incident
        self.catalog = catalog
        self.writer = writer


class StatusForm(_WriteForm):
    """Only the moves the workflow allows from the current status are offered.

    The highlight starts on the next state forward (investigating ->
    identified -> mitigated, then resolved): `s` Enter moves the incident on,
    never back.  A move back is offered, marked, and never the default; a
    final state (closed, cancelled) is never the default and asks to be
    confirmed (ConfirmScreen) before it is written.
    """

    TITLE_TEXT = "Change the status"
    AUTO_FOCUS = "#moves"  # focused as the form is built: keys typed after `s` land here

    def __init__(
        self,
        incident: Incident,
        catalog: Catalog,
        writer: Writer,
        resolve: Callable[[str], str],
    ) -> None:
        super().__init__(incident, catalog, writer)
        self.resolve = resolve
        self.confirmed: str | None = None  # the final state confirmed

    def fields(self) -> ComposeResult:
        status = self.incident.status
        moves = self.catalog.allowed_moves(status)
        yield _label(f"From {status} to:")
        options = [
            Option(
                Content.assemble(
                    safe_line(move, 60), (_move_note(self.catalog, status, move), "dim")
                ),
                id=move,
            )
            for move in moves
        ] or [Option(safe_line(f"{status} is final: no moves"), disabled=True)]
        forward = forward_move(self.catalog, status)
        yield PickList(*options, highlighted=moves.index(forward) if forward else None, id="moves")
        yield _label("Why (optional)")
        yield SafeInput(id="reason", placeholder="e.g. rolled back the deploy", compact=True)
        yield Static("Duplicate of", classes="form-label dup", markup=False)
        yield SafeInput(id="duplicate", placeholder="e.g. INC-3", classes="dup", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self._show_duplicate()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_duplicate()

    def _show_duplicate(self) -> None:
        cancelled = self.chosen(self.query_one("#moves", OptionList)) == "cancelled"
        for widget in self.query(".dup"):
            widget.display = cancelled

    def action_save(self) -> None:
        target = self.chosen(self.query_one("#moves", OptionList))
        if target is None or not is_final(self.catalog, target) or self.confirmed == target:
            super().action_save()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.confirmed = target
                self.action_save()

        question = (
            f"Move {self.incident.ref} to {target}? {target} is final: "
            "nothing can change the incident afterwards."
        )
        self.app.push_screen(ConfirmScreen(question), answered)

    def job(self) -> Callable[[], Event]:
        target = self.chosen(self.query_one("#moves", OptionList))
        if target is None:
            raise UsageError("choose the new status")
        data: dict[str, Any] = {"to": target}
        reason = self.query_one("#reason", Input).value.strip()
        if reason:
            data["reason"] = reason
        duplicate = self.query_one("#duplicate", Input).value.strip()

        def write() -> Event:
            if duplicate and target == "cancelled":
                data["duplicate_of"] = self.resolve(duplicate)
            return self.writer("status_changed", data, None)

        return write


def is_final(catalog: Catalog, status: str) -> bool:
    """A state nothing leaves (closed, cancelled)."""
    return status in catalog.states and not catalog.allowed_moves(status)


def forward_move(catalog: Catalog, status: str) -> str | None:
    """The default move from `status`: the next open state after it in the
    workflow's order, else the first move to a state that is neither open nor
    final (resolved); None when there is no move forward (resolved: reopening
    is a move back)."""
    if not catalog.is_open(status):
        return None
    moves = catalog.allowed_moves(status)
    order = list(catalog.state_order)
    later = order[order.index(status) + 1 :] if status in order else []
    for state in later:
        if state in moves and catalog.is_open(state):
            return state
    done = [state for state in moves if not catalog.is_open(state) and not is_final(catalog, state)]
    return done[0] if done else None


def _move_note(catalog: Catalog, status: str, move: str) -> str:
    if is_final(catalog, move):
        return "  (final: asks to confirm)"
    order = list(catalog.state_order)
    if move in order and status in order and order.index(move) < order.index(status):
        return "  (back)"
    return ""


class ConfirmScreen(TypeAhead, ModalScreen[bool]):
    """A yes/no question; only `y` says yes (Enter, `n` and Esc say no)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,enter", "answer(False)", "No", id="confirm_no"),
        Binding("escape", "answer(False)", "No", id="confirm_cancel", priority=True),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="form-screen")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(Content.assemble(("Confirm", "bold")), classes="form-title")
            yield Static(safe_line(self.question, 300), id="question")
            yield Static("y: yes · n, Enter or Esc: no", classes="form-hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class SeverityForm(_WriteForm):
    """The highlight starts one step more severe than now (`v` Enter
    escalates by one, never straight to the top); a digit picks its level."""

    TITLE_TEXT = "Change the severity"
    AUTO_FOCUS = "#levels"  # focused as the form is built: a digit typed after `v` lands here

    def fields(self) -> ComposeResult:
        yield _label(f"Now SEV{self.incident.severity}; new severity (a digit picks it):")
        levels = [level for level in self.catalog.severities if level != self.incident.severity]
        options = [
            Option(
                Content.assemble(
                    (f"SEV{level} ", "bold"), safe_line(self.catalog.severities[level].name, 40)
                ),
                id=str(level),
            )
            for level in levels
        ]
        step = self._one_step_up()
        yield PickList(
            *options,
            picks={str(level): str(level) for level in levels if 0 <= level <= 9},
            highlighted=levels.index(step) if step in levels else (0 if levels else None),
            id="levels",
        )
        yield _label("Why (optional)")
        yield SafeInput(id="note", placeholder="e.g. all regions affected", compact=True)

    def on_key(self, event: events.Key) -> None:
        """The current level's digit: say so (the list has no option for it)."""
        if event.character == str(self.incident.severity):
            event.stop()
            self.show_error(f"SEV{self.incident.severity} is the severity already")

    def _one_step_up(self) -> int | None:
        """The level one step more severe than now (else one less)."""
        current = self.incident.severity
        more = [level for level in self.catalog.severities if level < current]
        less = [level for level in self.catalog.severities if level > current]
        return max(more) if more else (min(less) if less else None)

    def job(self) -> Callable[[], Event]:
        level = self.chosen(self.query_one("#levels", OptionList))
        if level is None:
            raise UsageError("choose the new severity")
        data: dict[str, Any] = {"severity": int(level)}
        note = self.query_one("#note", Input).value.strip()
        if note:
            data["note"] = note
        return lambda: self.writer("severity_changed", data, None)


class RolesForm(_WriteForm):
    """Assign or release a role, join or leave: for the person named (me by
    default).  The person field has the focus, its name selected: typing a
    name replaces mine.  In the list, a role's first letter picks it."""

    TITLE_TEXT = "Roles"
    AUTO_FOCUS = "#person"  # focused as the form is built: a name typed after `r` lands here
    HINT = "Type a name · Tab, a role's letter · Enter saves · Esc cancels"

    def __init__(self, incident: Incident, catalog: Catalog, writer: Writer, me: str) -> None:
        super().__init__(incident, catalog, writer)
        self.me = me

    def fields(self) -> ComposeResult:
        yield _label("Person")
        yield SafeInput(self.me, id="person", compact=True)
        yield _label("Do")
        picks = {
            f"{verb}:{key}": key[:1] for key in self.catalog.roles for verb in ("assign", "release")
        }
        yield PickList(
            *self._choices(self.me), picks={**picks, "join:": "j"}, highlighted=0, id="role-actions"
        )

    @on(Input.Changed, "#person")
    def _person_changed(self, event: Input.Changed) -> None:
        options = self.query_one("#role-actions", OptionList)
        was = self.chosen(options)  # a role picked already stays picked
        options.clear_options()
        options.add_options(self._choices(event.value.strip()))
        ids = [option.id for option in options.options]
        options.highlighted = ids.index(was) if was in ids else 0

    def _choices(self, person: str) -> list[Option]:
        choices: list[Option] = []
        releases: list[Option] = []
        for key, role in self.catalog.roles.items():
            holders = self.incident.roles.get(key, [])
            name = safe_line(role.name, 40)
            letter = (key[:1], "bold underline")
            if person in holders:
                releases.append(
                    Option(Content.assemble(letter, " release ", name), id=f"release:{key}")
                )
            else:
                choices.append(
                    Option(Content.assemble(letter, " assign ", name), id=f"assign:{key}")
                )
        # what takes something away comes after what adds: `r` Enter never
        # releases a role by accident
        choices += releases
        if person in self.incident.participants:
            choices.append(Option("  leave the incident", id="leave:"))
        else:
            choices.append(
                Option(Content.assemble(("j", "bold underline"), " join the incident"), id="join:")
            )
        return choices

    def job(self) -> Callable[[], Event]:
        choice = self.chosen(self.query_one("#role-actions", OptionList))
        person = self.query_one("#person", Input).value.strip()
        if not person:
            raise UsageError("name the person")
        if choice is None:
            raise UsageError("choose what to do")
        verb, _, role = choice.partition(":")
        kind, data = {
            "assign": ("role_assigned", {"role": role, "person": person}),
            "release": ("role_released", {"role": role, "person": person}),
            "join": ("participant_joined", {"person": person}),
            "leave": ("participant_left", {"person": person}),
        }[verb]
        return lambda: self.writer(kind, data, None)


class MilestoneForm(_WriteForm):
    """A milestone, now or back-dated ("03:02", "-5m", "10 minutes ago")."""

    TITLE_TEXT = "Record a milestone"

    def __init__(self, incident: Incident, catalog: Catalog, writer: Writer, clock: Clock):
        super().__init__(incident, catalog, writer)
        self.clock = clock

    def fields(self) -> ComposeResult:
        options = []
        for name in self.catalog.milestones:
            at = self.incident.milestones.get(name)
            note = f"  (set {at.astimezone():%H:%M})" if at else ""
            options.append(Option(Content.assemble(safe_line(name, 40), (note, "dim")), id=name))
        yield OptionList(*options, id="milestones")
        yield _label("When (optional; default now)")
        yield SafeInput(
            id="at", placeholder="now, 03:02, -5m, 10 minutes ago, 2026-11-26 03:02", compact=True
        )

    def on_mount(self) -> None:
        milestones = self.query_one("#milestones", OptionList)
        # the first milestone not yet set: `m` Enter never moves one already recorded
        unset = [
            index
            for index, name in enumerate(self.catalog.milestones)
            if name not in self.incident.milestones
        ]
        milestones.highlighted = unset[0] if unset else 0
        milestones.focus()

    def job(self) -> Callable[[], Event]:
        from warroom.core.timeparse import parse_time

        name = self.chosen(self.query_one("#milestones", OptionList))
        if name is None:
            raise UsageError("choose the milestone")
        raw = self.query_one("#at", Input).value.strip()
        at = parse_time(raw, self.clock.now()) if raw else None
        return lambda: self.writer("milestone", {"name": name}, at)


class LinkForm(_WriteForm):
    TITLE_TEXT = "Add a link"

    def fields(self) -> ComposeResult:
        yield _label("URL (the bridge, the chat channel, a dashboard)")
        yield SafeInput(id="url", placeholder="https://…", compact=True)
        yield _label("Label (optional)")
        yield SafeInput(id="label", placeholder="e.g. bridge, channel, dashboard", compact=True)

    def on_mount(self) -> None:
        self.query_one("#url", Input).focus()

    def job(self) -> Callable[[], Event]:
        url = self.query_one("#url", Input).value.strip()
        if not url:
            raise UsageError("the URL is empty")
        label = self.query_one("#label", Input).value.strip()
        return lambda: self.writer("link_added", {"url": url, "label": label}, None)


class CommsForm(_WriteForm):
    """A stakeholder update: the text, pre-filled from the pinned summary and
    selected (typing replaces it; Enter posts exactly what the box shows),
    and the audience, shown in the form's words ("to customers") and
    highlighted in its list: the one last used in this incident, else the
    first.  Tab reaches the list; an audience's initial picks it.

    To customers, the update is public (the status page): the form also asks
    for the public title (empty: "Investigating issues with COMPONENT"; once
    given, it is shown to keep or change) and the components' states now,
    picked from the list of `[statuspage]`'s components (ComponentPicker).  The
    severity proposes a state (right or `p` gives it); it never sets one."""

    TITLE_TEXT = "Stakeholder update"
    AUTO_FOCUS = "#text"  # focused as the form is built: keys typed after `u` land here
    HINT = "Typing replaces · Enter posts · Tab: audience · Esc cancels"

    def __init__(
        self,
        incident: Incident,
        catalog: Catalog,
        writer: Writer,
        page: PageConfig | None = None,
        load_states: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        super().__init__(incident, catalog, writer)
        self.page = page or PageConfig()
        self.load_states = load_states  # the components' states this incident set

    def fields(self) -> ComposeResult:
        audiences = list(self.catalog.audiences)
        audience = self.incident.last_audience
        start = audiences.index(audience) if audience in audiences else 0
        yield Static("", id="update-label", classes="form-label", markup=False)
        text = SafeInput(
            self.incident.summary,
            id="text",
            placeholder="impact, what we do, next update",
            compact=True,
        )
        text.selection = Selection(
            0, len(text.value)
        )  # the pre-fill is replaced by the first key typed
        yield text
        yield _label("Audience")
        yield PickList(
            *[Option(safe_line(name, 40), id=name) for name in audiences],
            picks={name: name[:1] for name in audiences},
            highlighted=start if audiences else None,
            id="audiences",
        )
        yield from self._public_fields()

    def _public_fields(self) -> ComposeResult:
        if self.incident.public:
            title_label = "Public title on the status page (keep or change)"
        else:
            title_label = "Public title: the status page shows it, never the internal title"
        yield Static(title_label, classes="form-label public", markup=False)
        yield SafeInput(
            self.incident.public_title or "",
            id="public-title",
            placeholder="empty: Investigating issues with COMPONENT",
            classes="public",
            compact=True,
        )
        proposed = proposed_state(self.incident.severity)
        if self.page.components:
            label = (
                f"Components now (→ worse, ← better, p: SEV{self.incident.severity}"
                f" proposes {proposed}, ⌫ no change)"
            )
        else:
            label = "Components: none in [statuspage]"
        yield Static(label, classes="form-label public", markup=False)
        yield ComponentPicker(self.page.components, proposed, id="components")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_audience()
        if self.load_states is not None and self.page.components:
            self._load_states(self.load_states)

    @work(thread=True, exit_on_error=False, group="load")
    def _load_states(self, load: Callable[[], dict[str, str]]) -> None:
        try:
            states = load()
        except Exception:  # only a hint: the picker works without it
            return
        self.post_message(ComponentStatesLoaded(states))

    @on(ComponentStatesLoaded)
    def _states_loaded(self, message: ComponentStatesLoaded) -> None:
        self.query_one("#components", ComponentPicker).show_current(message.states)

    @on(OptionList.OptionHighlighted, "#audiences")
    def _audience_highlighted(self) -> None:
        self._show_audience()

    def _show_audience(self) -> None:
        audience = self.chosen(self.query_one("#audiences", OptionList))
        label = f"Update to {audience}" if audience else "Update (choose the audience below)"
        if audience and audience == self.incident.last_audience:
            label += " (the audience of the last update)"
        if audience == PUBLIC_AUDIENCE and self.incident.drill:
            label += " (a drill: never shown on the status page)"
        elif audience == PUBLIC_AUDIENCE:
            label += ": public, on the status page"
        self.query_one("#update-label", Static).update(safe_line(label + ":", 200))
        for widget in self.query(".public"):
            widget.display = audience == PUBLIC_AUDIENCE
        picker = self.query_one("#components", ComponentPicker)
        picker.display = audience == PUBLIC_AUDIENCE and bool(picker.components)

    def job(self) -> Callable[[], Event]:
        audience = self.chosen(self.query_one("#audiences", OptionList))
        if audience is None:
            raise UsageError("choose the audience")
        text = self.query_one("#text", Input).value.strip()
        if not text:
            raise UsageError("the update is empty")
        data: dict[str, Any] = {"text": text, "audience": audience}
        if audience == PUBLIC_AUDIENCE:
            title = self.query_one("#public-title", Input).value.strip()
            if title and title != self.incident.public_title:
                data["public_title"] = title
            states = self.query_one("#components", ComponentPicker).value
            if states:
                data["components"] = states
        return lambda: self.writer("comms_update", data, None)


class AttachRunbookForm(_WriteForm):
    """A runbook from the library (the samples and the configured folders),
    picked from the list or named (its file name or title), or any Markdown
    file whose `- [ ]` lines become the incident's steps.

    Given `entries`, the list offers only those (the lead's pick when several
    runbooks list the incident's service); else `load` fills it, off the UI loop.
    """

    TITLE_TEXT = "Attach a runbook"

    def __init__(
        self,
        incident: Incident,
        catalog: Catalog,
        writer: Writer,
        find: Callable[[str], Entry],
        load: Callable[[], Sequence[Entry]] | None = None,
        entries: Sequence[Entry] | None = None,
        heading: str | None = None,
    ) -> None:
        super().__init__(incident, catalog, writer)
        self.find = find
        self.load = load
        self.entries: list[Entry] = list(entries or [])
        self.heading = heading

    def fields(self) -> ComposeResult:
        yield Static(
            safe_line(self.heading or "From the library (Enter attaches the highlighted one)", 300),
            classes="form-label",
        )
        yield OptionList(id="library")
        yield _label("Or a runbook's name, or a Markdown file")
        yield SafeInput(
            id="path",
            placeholder="e.g. database-failover, or runbooks/db-failover.md",
            compact=True,
        )
        yield _label("Name (optional; default its title)")
        yield SafeInput(id="name", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#path", Input).focus()
        if self.entries or self.load is None:
            self._fill(self.entries)
        else:
            self._load_library(self.load)

    @work(thread=True, exit_on_error=False, group="load")
    def _load_library(self, load: Callable[[], Sequence[Entry]]) -> None:
        try:
            entries = list(load())
        except Exception as error:
            self.post_message(LibraryFailed(error))
            return
        self.post_message(LibraryLoaded(entries))

    @on(LibraryLoaded)
    def _loaded(self, message: LibraryLoaded) -> None:
        self._fill(message.entries)

    @on(LibraryFailed)
    def _load_failed(self, message: LibraryFailed) -> None:
        self._fill([])
        self.show_error(f"cannot read the runbook library: {message.error}")

    def _fill(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        options = self.query_one("#library", OptionList)
        options.clear_options()
        for index, entry in enumerate(self.entries):
            services = ", ".join(entry.doc.meta.services)
            facts = f"  {len(entry.doc.steps)} steps" + (f" · {services}" if services else "")
            options.add_option(
                Option(
                    Content.assemble(
                        safe_line(entry.slug, 40).stylize("bold"),
                        "  ",
                        safe_line(entry.name, 60),
                        safe_line(facts, 80).stylize("dim"),
                    ),
                    id=str(index),
                )
            )
        if not self.entries:
            options.add_option(Option(safe_line("no runbooks in the library"), disabled=True))
            return
        options.highlighted = 0
        if not self.query_one("#path", Input).value:
            options.focus()

    def job(self) -> Callable[[], Event]:
        from warroom.core.runbook import read_runbook

        raw = self.query_one("#path", Input).value.strip()
        name = self.query_one("#name", Input).value.strip() or None
        if raw:

            def write() -> Event:
                runbook = read_runbook(self.find(raw).path, name)
                return self.writer("runbook_attached", runbook.event_data(), None)

            return write
        chosen = self.chosen(self.query_one("#library", OptionList))
        if chosen is None:
            raise UsageError("pick a runbook from the list, or type its name or file")
        entry = self.entries[int(chosen)]

        def attach() -> Event:
            runbook = read_runbook(entry.path, name)
            return self.writer("runbook_attached", runbook.event_data(), None)

        return attach
