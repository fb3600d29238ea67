"""Runbooks get better with each incident: the steps discovered during an
incident (`step_added`), written into the runbook's text as a proposed edit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from warroom.core.incident import Step
from warroom.core.runbook import STEP_LINE, Document, parse_document
from warroom.core.text import clean_line

ADDED_SECTION = "Added during incidents"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where `suggest` put one discovered step (or why it did not)."""

    text: str
    section: str
    line: int | None  # 1-based, in the proposed file; None: skipped
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    text: str
    placements: list[Placement]

    @property
    def added(self) -> int:
        return sum(1 for placement in self.placements if placement.skipped is None)


def propose_steps(text: str, steps: Sequence[Step], origin: str) -> Proposal:
    """The runbook `text` with `steps` (discovered during an incident) added.

    A step goes at the end of the section of the same name (after its last
    step, else after its last line); a step with no section, or one the
    runbook does not have, goes to a section "Added during incidents" at the
    end (made if missing).  A step whose text the runbook already has is
    skipped.  Under each added step, an HTML comment (invisible when the
    Markdown is rendered, ignored by the parser) says where it came from.
    """
    doc = parse_document(text)
    lines = text.splitlines()
    existing = {line.step["text"] for line in doc.steps}
    sections = _section_ranges(doc, len(lines))
    inserts: dict[int, list[str]] = {}  # index in `lines` -> lines to put before it
    new_section: list[str] = []
    placements: list[tuple[int | None, Placement]] = []
    for step in steps:
        step_text = _step_line_text(step)
        if step_text in existing:
            placements.append(
                (None, Placement(step_text, step.section, None, "already in the runbook"))
            )
            continue
        existing.add(step_text)
        entry = [f"- [ ] {step_text}", f"  <!-- {_comment(origin, step)} -->"]
        target = sections.get(_norm(step.section)) if step.section else None
        if target is None:
            target = sections.get(_norm(ADDED_SECTION))
        if target is None:
            placements.append((-1, Placement(step_text, ADDED_SECTION, len(new_section))))
            new_section.extend(entry)
            continue
        title, at = target
        batch = inserts.setdefault(at, [])
        before = lines[at - 1] if at > 0 else ""
        if not batch and before.strip() and not STEP_LINE.match(before) and before[:2] != "  ":
            batch.append("")
        placements.append((at, Placement(step_text, title, len(batch))))
        batch.extend(entry)
    for at, batch in inserts.items():
        if at < len(lines) and lines[at].strip() and not STEP_LINE.match(lines[at]):
            batch.append("")
    out: list[str] = []
    first_line: dict[int, int] = {}  # insert index -> 1-based line of its first inserted line
    for index in range(len(lines) + 1):
        if index in inserts:
            first_line[index] = len(out) + 1
            out.extend(inserts[index])
        if index < len(lines):
            out.append(lines[index])
    if new_section:
        while out and not out[-1].strip():
            out.pop()
        out.extend(["", f"## {ADDED_SECTION}", ""])
        first_line[-1] = len(out) + 1
        out.extend(new_section)
    final = [
        placement
        if at is None
        else Placement(placement.text, placement.section, first_line[at] + (placement.line or 0))
        for at, placement in placements
    ]
    return Proposal("\n".join(out) + "\n", final)


def _section_ranges(doc: Document, count: int) -> dict[str, tuple[str, int]]:
    """Normalised section title -> (title, index in the lines to insert at)."""
    step_lines = [line.line for line in doc.steps]
    ranges: dict[str, tuple[str, int]] = {}
    headings = list(doc.headings)
    for position, heading in enumerate(headings):
        end = headings[position + 1].line - 1 if position + 1 < len(headings) else count
        inside = [line for line in step_lines if heading.line < line <= end]
        if inside:
            at = max(inside)  # the 0-based index just after the last step line
            at = _after_continuations(doc.text.splitlines(), at, end)
        else:
            at = end
            lines = doc.text.splitlines()
            while at > heading.line and not lines[at - 1].strip():
                at -= 1
        ranges.setdefault(_norm(heading.title), (heading.title, at))
    return ranges


def _after_continuations(lines: list[str], at: int, end: int) -> int:
    """Skip the indented lines that belong to the step before `at`."""
    while at < end and lines[at].startswith("  ") and lines[at].strip():
        at += 1
    return at


def _step_line_text(step: Step) -> str:
    """The step as one line of text: no control characters, no line breaks
    (so it can add no structure to the file), its command in backticks."""
    text = " ".join(clean_line(step.text).split())
    command = " ".join(clean_line(step.command or "").replace("`", "'").split())
    if command and f"`{command}`" not in text:
        text += f" `{command}`"
    return text


def _comment(origin: str, step: Step) -> str:
    words = f"added during {origin}" + (f" by {step.added_by}" if step.added_by else "")
    return " ".join(clean_line(words).replace("--", "- -").replace(">", "›").split())


def _norm(title: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", title.casefold()).strip()
