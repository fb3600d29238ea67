"""The war room's keys for runbooks-as-code, follow-ups and the review, as a
mixin of `RoomScreen`:

- add a step discovered during the incident (`step_added`, in the section of
  the highlighted step), typed in the entry line;
- copy the highlighted step's command to the clipboard;
- attach a runbook of the library straight from the command palette;
- add a follow-up (text, owner, due date);
- open the postmortem draft; the follow-ups of every incident; the metrics;
- notes tagged for the review's "What went well", "What could be improved"
  and "Where we got lucky" (`tag_note`), from the command palette.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from warroom.core.incident import Incident
from warroom.core.postmortem import RETRO_SECTIONS, tag_note
from warroom.core.runbook_library import Entry
from warroom.core.text import clean_line
from warroom.tui.library import find_runbook, runbook_library
from warroom.tui.safe import notify
from warroom.tui.screens.review import show_followups, show_metrics, show_postmortem

# Entry-line kinds for notes tagged for the review: kind -> prompt.
TAGGED_NOTES: dict[str, str] = {
    key: f"note · {heading.lower()}" for key, _, heading, _ in RETRO_SECTIONS
}
STEP_KIND = "step"
PROMPT_SECTION = 40  # characters of the section shown in the step prompt


class RoomExtras:
    """Mixed into RoomScreen (which provides incident, runbook, entry, _form...)."""

    library_entries: list[Entry] | None = None
    step_section: str = ""

    # -- the entry line --------------------------------------------------------------

    def extra_entry_event(self: Any, kind: str, text: str) -> tuple[str, dict[str, Any]] | None:
        """The event an entry-line kind of this mixin writes; None for the others.
        Raises UsageError (shown in the entry line) when the text cannot be used."""
        if kind == STEP_KIND:
            from warroom.core.runbook import new_step

            assert self.incident is not None
            return "step_added", {"step": new_step(self.incident, text, self.step_section)}
        if kind in TAGGED_NOTES:
            return "note", {"text": tag_note(kind, text)}
        return None

    # -- runbook -----------------------------------------------------------------------

    def action_add_step(self: Any) -> None:
        """Add a step discovered during the incident, to the highlighted step's section."""
        if not self._ready():
            return
        self.step_section = self.runbook.selected_section
        section = clean_line(self.step_section)
        if len(section) > PROMPT_SECTION:
            section = section[: PROMPT_SECTION - 1] + "…"
        prompt = f"new step in {section}" if section else "new step"
        self.entry.open(STEP_KIND, prompt)

    def action_copy_command(self: Any) -> None:
        """Copy the highlighted runbook step's command (one line, cleaned)."""
        if not self._ready():
            return
        step_id = self.runbook.selected_step
        step = self.incident.steps.get(step_id) if step_id is not None else None
        if step is None:
            notify(self, "no runbook step selected: move to one in the runbook pane")
            return
        command = clean_line(step.command or "").strip()
        if not command:
            notify(self, "this step has no command (a command is written `in backticks`)")
            return
        self.app.copy_to_clipboard(command)
        notify(self, f"copied: {command}")

    def load_library(self: Any) -> None:
        """Read the runbook library (off the UI loop), for the palette."""
        self._read_library(self.app)  # the app read here: the job runs in a thread

    def attach_form(self: Any, incident: Incident) -> Any:
        from warroom.tui.screens.forms import AttachRunbookForm

        app = self.app
        return AttachRunbookForm(
            incident,
            self.catalog,
            self._writer,
            find=lambda query: find_runbook(app, query),
            load=lambda: list(runbook_library(app).entries),
        )

    def _attach_entry(self: Any, entry: Entry) -> None:
        if self._ready():
            self._attach_runbook(entry)

    # -- follow-ups and the review ------------------------------------------------------

    def action_followup(self: Any) -> None:
        from warroom.tui.screens.followups import FollowupForm

        def made(incident: Incident) -> Any:
            return FollowupForm(incident, self.catalog, self._writer, self.clock, self.actor)

        self._form(made)

    def action_postmortem(self: Any) -> None:
        show_postmortem(self, self.incident_id)

    def action_tagged_note(self: Any, kind: str) -> None:
        if self._ready():
            self.entry.open(kind, TAGGED_NOTES[kind])

    def extra_palette_commands(self: Any) -> list[tuple[str, Callable[[], Any]]]:
        commands: list[tuple[str, Callable[[], Any]]] = [
            ("Runbook: add a step found during the incident", self.action_add_step),
            ("Runbook: copy the highlighted step's command", self.action_copy_command),
            ("Add a follow-up (action item: owner, due date)", self.action_followup),
            *(
                (f"Note for the review: {heading}", partial(self.action_tagged_note, key))
                for key, _, heading, _ in RETRO_SECTIONS
            ),
            ("Postmortem draft (blameless review)", self.action_postmortem),
            ("Follow-ups of every incident", partial(show_followups, self)),
            ("Response metrics", partial(show_metrics, self)),
        ]
        for entry in self.library_entries or []:
            commands.append(
                (f"Attach runbook: {entry.slug} · {entry.name}", partial(self._attach_entry, entry))
            )
        return commands
