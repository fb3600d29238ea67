"""Runbooks as Markdown checklists, until the runbook issue lands.

Every `- [ ] step` line (also `* [ ]`, `+ [ ]`, and `[x]`: the box in the file
is ignored) is a step.  A step's section is the nearest heading above it; the
first backticked span in it is its command.  Each step gets a stable id: a
short hash of the runbook's name, the step's text and how many times that text
came before, so attaching the same runbook again names the same steps.  Lines
inside fenced code blocks are not steps.

The `runbook_attached` event embeds the steps themselves, never just a path.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.kinds import NAME_MAX, TEXT_MAX

_STEP = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s+(?P<text>.*?)\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_COMMAND = re.compile(r"`([^`]+)`")
STEP_ID_LENGTH = 12


@dataclass(frozen=True, slots=True)
class Runbook:
    """A parsed runbook: what a `runbook_attached` event carries."""

    name: str
    content_hash: str
    steps: list[dict[str, Any]] = field(default_factory=list)

    def event_data(self) -> dict[str, Any]:
        return {"name": self.name, "content_hash": self.content_hash, "steps": self.steps}


def step_id(name: str, text: str, occurrence: int) -> str:
    """A stable id for the `occurrence`-th (from 0) step with this text."""
    digest = hashlib.sha256(f"{name}\n{text}\n{occurrence}".encode()).hexdigest()
    return digest[:STEP_ID_LENGTH]


def content_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_runbook(text: str, name: str) -> Runbook:
    """Parse Markdown into a Runbook called `name` (steps may be empty)."""
    name = _clip(name.strip(), NAME_MAX)
    steps: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    section = ""
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(line)
        if heading:
            section = _clip(heading["text"].strip(), NAME_MAX)
            continue
        match = _STEP.match(line)
        if not match or not match["text"]:
            continue
        step_text = _clip(match["text"], TEXT_MAX)
        occurrence = seen.get(step_text, 0)
        seen[step_text] = occurrence + 1
        step: dict[str, Any] = {
            "id": step_id(name, step_text, occurrence),
            "text": step_text,
            "section": section,
        }
        command = _COMMAND.search(step_text)
        if command:
            step["command"] = command[1].strip()
        steps.append(step)
    return Runbook(name=name, content_hash=content_hash(text), steps=steps)


def default_name(text: str, path: Path) -> str:
    """The runbook's first top-level heading, else the file's name without suffix."""
    for line in text.splitlines():
        if line.startswith("# "):
            title = line[2:].strip().strip("#").strip()
            if title:
                return _clip(title, NAME_MAX)
    return _clip(path.stem, NAME_MAX) or "runbook"


def read_runbook(path: Path, name: str | None = None) -> Runbook:
    """Read and parse a runbook file; UsageError when unreadable or without steps."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such runbook file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a runbook file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    chosen = (name or "").strip() or default_name(text, path)
    runbook = parse_runbook(text, chosen)
    if not runbook.steps:
        raise UsageError(f"{path} has no steps: a step is a line starting '- [ ]'")
    return runbook


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
