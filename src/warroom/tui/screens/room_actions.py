"""What the war room's keys for runbooks-as-code, follow-ups and the review
need, as small functions `RoomScreen` calls:

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

from typing import TYPE_CHECKING, Any

from warroom.config import Settings
from warroom.core.catalog import Catalog
from warroom.core.errors import UsageError
from warroom.core.incident import Incident
from warroom.core.retro import RETRO_SECTIONS, tag_note
from warroom.core.text import clean_line
from warroom.tui.library import find_runbook, runbook_library

if TYPE_CHECKING:
    from warroom.tui.screens.forms import Writer

# Entry-line kinds for notes tagged for the review: kind -> prompt.
TAGGED_NOTES: dict[str, str] = {
    key: f"note · {heading.lower()}" for key, _, heading, _ in RETRO_SECTIONS
}
STEP_KIND = "step"
PROMPT_SECTION = 40  # characters of the section shown in the step prompt


def extra_entry_event(
    incident: Incident, kind: str, text: str, section: str
) -> tuple[str, dict[str, Any]] | None:
    """The event an entry-line kind of this module writes (a step found during
    the incident, in `section`; a note tagged for the review); None for the
    others.  Raises UsageError (shown in the entry line) when the text cannot
    be used."""
    if kind == STEP_KIND:
        from warroom.core.runbook import new_step

        return "step_added", {"step": new_step(incident, text, section)}
    if kind in TAGGED_NOTES:
        return "note", {"text": tag_note(kind, text)}
    return None


def step_prompt(section: str) -> str:
    """The entry line's prompt for a new step in `section`."""
    section = clean_line(section)
    if len(section) > PROMPT_SECTION:
        section = section[: PROMPT_SECTION - 1] + "…"
    return f"new step in {section}" if section else "new step"


def step_command(incident: Incident, step_id: str | None) -> str:
    """The command of the highlighted runbook step (one line, cleaned); UsageError
    says why there is none."""
    step = incident.steps.get(step_id) if step_id is not None else None
    if step is None:
        raise UsageError("no runbook step selected: move to one in the runbook pane")
    command = clean_line(step.command or "").strip()
    if not command:
        raise UsageError("this step has no command (a command is written `in backticks`)")
    return command


def attach_form(incident: Incident, catalog: Catalog, writer: Writer, settings: Settings) -> Any:
    """The form that attaches a runbook (the library, read off the UI loop, or a file)."""
    from warroom.tui.screens.forms import AttachRunbookForm

    return AttachRunbookForm(
        incident,
        catalog,
        writer,
        find=lambda query: find_runbook(settings, query),
        load=lambda: list(runbook_library(settings).entries),
    )
