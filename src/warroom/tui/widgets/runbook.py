"""The runbook pane: the attached runbooks' steps as a checklist, who checked
each and when, and the progress (`3/9`) in the pane's title."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from warroom.core.incident import Incident, Step
from warroom.tui.safe import safe_line


def step_prompt(step: Step) -> Content:
    if step.checked_by:
        when = step.checked_at.astimezone().strftime("%H:%M") if step.checked_at else ""
        return Content.assemble(
            ("☑ ", "bold"),
            safe_line(step.text, 160).stylize("dim"),
            ("  ✓ ", "dim"),
            safe_line(step.checked_by, 40).stylize("dim"),
            (f" {when}", "dim"),
        )
    return Content.assemble("☐ ", safe_line(step.text, 160))


class RunbookPane(OptionList):
    """A checklist; the highlighted step is the one `space` toggles.

    Until the reader moves, the highlight rests on the first step not yet
    checked: the next thing to do.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Runbook"
        self._progress = ""
        self._hint = ""
        self._shown: list[tuple[str, str | None, str | None]] = []

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

    def show(self, incident: Incident) -> None:
        done, total = incident.steps_done()
        self._progress = f" {done}/{total}" if total else ""
        self._set_title()
        state = [
            (step.id, step.checked_by, step.checked_at.isoformat() if step.checked_at else None)
            for step in incident.steps.values()
        ]
        if state == self._shown and self.option_count:
            return
        self._shown = state
        selected = self.selected_step
        options: list[Option | None] = []
        if not incident.steps:
            options.append(
                Option(
                    Content.assemble(
                        ("No runbook attached. ", "dim"),
                        ("Attach one from the command palette (ctrl+p) or with ", "dim"),
                        ("warroom runbook attach REF FILE", "dim italic"),
                    ),
                    disabled=True,
                )
            )
        section: tuple[str, str] | None = None
        for step in incident.steps.values():
            here = (step.runbook, step.section)
            if here != section:
                section = here
                title = " · ".join(part for part in here if part) or "added steps"
                options.append(Option(safe_line(title, 200).stylize("bold"), disabled=True))
            options.append(Option(step_prompt(step), id=step.id))
        self.clear_options()
        self.add_options(options)
        if selected is not None:
            try:
                self.highlighted = self.get_option_index(selected)
            except OptionDoesNotExist:
                self.highlighted = None
        if self.highlighted is None:
            self.highlighted = _first_to_do(self.options, incident)


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
