"""The runbook pane: the attached runbooks' steps as a checklist, who checked
each and when, and the progress (`3/9`) in the pane's title.

Steps are shown in `steps_for_display` order: while the incident is
investigating or identified, the rollback and mitigation sections come first
(mitigation first), marked as such.  A step is shown whole, wrapped to the
pane's width (never cut); its command (its backticked span) stands out, once,
so it can be read and copied (`y`, the room's copy key).  Steps added during
the incident sit with the section they were added to, marked "added".  On a
wall (read-only) the pane offers nothing it cannot do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from warroom.core.incident import Incident, Step
from warroom.core.runbook import MITIGATION_FIRST_STATES, is_mitigation_section, steps_for_display
from warroom.core.text import clean_line
from warroom.tui.safe import safe, safe_line

FIRST_MARK = "▲"
COMMAND_STYLE = "bold $text-accent"
_BACKTICKED = re.compile(r"`[^`]+`")


def step_text(step: Step) -> Content:
    """A step's whole text (one line, plain; the pane wraps it) with its
    backticked commands standing out; a command not written in the text is
    shown after it, backticked: every command once."""
    line = clean_line(step.text)
    content = safe(line)
    for match in _BACKTICKED.finditer(line):
        content = content.stylize(COMMAND_STYLE, match.start(), match.end())
    command = clean_line(step.command or "").strip()
    if command and f"`{command}`" not in line:
        content = Content.assemble(content, "  ", safe(f"`{command}`").stylize(COMMAND_STYLE))
    return content


def step_prompt(step: Step) -> Content:
    added = (
        Content.assemble(("  added by ", "dim"), safe_line(step.added_by, 40).stylize("dim"))
        if step.added_by
        else Content("")
    )
    if step.checked_by:
        when = step.checked_at.astimezone().strftime("%H:%M") if step.checked_at else ""
        return Content.assemble(
            ("☑ ", "bold"),
            step_text(step).stylize("dim"),
            ("  ✓ ", "dim"),
            safe_line(step.checked_by, 40).stylize("dim"),
            (f" {when}", "dim"),
            added,
        )
    return Content.assemble("☐ ", step_text(step), added)


def mitigation_first(incident: Incident) -> bool:
    """Whether the pane puts the rollback / mitigation steps first now."""
    return incident.status in MITIGATION_FIRST_STATES and any(
        is_mitigation_section(step.section) for step in incident.steps.values()
    )


def _groups(steps: Sequence[Step]) -> list[tuple[str, str, bool, list[Step]]]:
    """Consecutive steps of one (runbook, section): (runbook, section, added, steps).
    A step added during the incident joins the group of its section when it
    follows it; else it starts a group of added steps."""
    groups: list[tuple[str, str, bool, list[Step]]] = []
    for step in steps:
        if groups:
            runbook, section, added, members = groups[-1]
            same_runbook = step.runbook == runbook or (
                step.added_by is not None and not step.runbook
            )
            if section == step.section and same_runbook:
                members.append(step)
                continue
        added = step.added_by is not None and not step.runbook
        groups.append((step.runbook, step.section, added, [step]))
    return groups


def _heading(runbook: str, section: str, added: bool, first: bool) -> Content:
    parts = [part for part in (runbook, section) if part]
    title = " · ".join(parts) or "steps"
    if added:
        title = " · ".join(["added during the incident", *parts])
    heading = safe(clean_line(title)).stylize("bold")
    if first:
        heading = Content.assemble((f"{FIRST_MARK} ", "bold $text-warning"), heading)
    return heading


class RunbookPane(OptionList):
    """A checklist; the highlighted step is the one `space` toggles.

    Until the reader moves, the highlight rests on the first step not yet
    checked: the next thing to do.
    """

    def __init__(self, *, read_only: bool = False, id: str | None = None) -> None:
        """`read_only`: a wall's pane (says nothing of attaching a runbook)."""
        super().__init__(id=id)
        self.read_only = read_only
        self.border_title = "Runbook"
        self._progress = ""
        self._hint = ""
        self._shown: tuple[object, ...] = ()
        self._sections: dict[str, str] = {}  # step id -> its section

    def set_hint(self, hint: str) -> None:
        """A short hint after the pane's title (e.g. which key shows the next pane)."""
        self._hint = hint
        self._set_title()

    def _set_title(self) -> None:
        self.border_title = f"Runbook{self._progress}{self._hint}"

    @property
    def selected_step(self) -> str | None:
        """The id of the highlighted step, if any."""
        if self.highlighted is None:
            return None
        option = self.get_option_at_index(self.highlighted)
        return option.id if option.id and not option.disabled else None

    @property
    def selected_section(self) -> str:
        """The section of the highlighted step ("" when none is highlighted)."""
        step = self.selected_step
        return self._sections.get(step, "") if step is not None else ""

    def show(self, incident: Incident) -> None:
        done, total = incident.steps_done()
        self._progress = f" {done}/{total}" if total else ""
        self._set_title()
        ordered = steps_for_display(incident)
        first = mitigation_first(incident)
        self.border_subtitle = f"{FIRST_MARK} mitigation first" if first else ""
        state = (
            first,
            tuple(
                (
                    step.id,
                    step.checked_by,
                    step.checked_at.isoformat() if step.checked_at else None,
                )
                for step in ordered
            ),
        )
        if state == self._shown and self.option_count:
            return
        self._shown = state
        self._sections = {step.id: step.section for step in ordered}
        selected = self.selected_step
        options: list[Option | None] = []
        if not incident.steps:
            options.append(Option(self._no_runbook(), disabled=True))
        for runbook, section, added, members in _groups(ordered):
            marked = first and is_mitigation_section(section)
            options.append(Option(_heading(runbook, section, added, marked), disabled=True))
            options.extend(Option(step_prompt(step), id=step.id) for step in members)
        self.clear_options()
        self.add_options(options)
        if selected is not None:
            try:
                self.highlighted = self.get_option_index(selected)
            except OptionDoesNotExist:
                self.highlighted = None
        if self.highlighted is None:
            self.highlighted = _first_to_do(self.options, incident)

    def _no_runbook(self) -> Content:
        if self.read_only:
            return Content.assemble(("No runbook attached.", "dim"))
        return Content.assemble(
            ("No runbook attached. ", "dim"),
            ("Attach one from the command palette (ctrl+p) or with ", "dim"),
            ("warroom runbook attach REF NAME", "dim italic"),
        )


def _first_to_do(options: Sequence[Option], incident: Incident) -> int | None:
    """The index of the first unchecked step (else the first step), or None."""
    first = None
    for index, option in enumerate(options):
        if option.disabled or option.id is None:
            continue
        if first is None:
            first = index
        step = incident.steps.get(option.id)
        if step is not None and not step.checked_by:
            return index
    return first
