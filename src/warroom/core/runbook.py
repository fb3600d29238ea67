"""Runbooks as code: Markdown checklists with TOML front matter.

    +++
    title = "Database failover"
    services = ["orders-db"]
    tags = ["postgres", "patroni"]
    severities = [1, 2]
    +++

    # Database failover
    ## Diagnostics
    - [ ] See who leads the cluster `patronictl list orders` {#who-leads}

The front matter (between two `+++` lines at the very top) is optional: a
plain Markdown file works the same.  Every `- [ ] step` line (also `* [ ]`,
`+ [ ]`, and `[x]`: the box in the file is ignored) is a step.  A step's
section is the nearest heading above it; the first backticked span in it is
its command.  Lines inside fenced code blocks are not steps.

Each step has a stable id: the one a trailing `{#id}` marker gives it
(letters, digits, `.`, `_`, `-`; it survives edits of the step's text), else
a short hash of the runbook's name, the step's text and how many times that
text came before, so attaching the same runbook again names the same steps.

The `runbook_attached` event embeds the steps themselves, never just a path.
The library of runbook folders and its lint rules are in `runbook_library`;
the edits `suggest` proposes are in `runbook_suggest`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.incident import Incident, Step
from warroom.core.kinds import NAME_MAX, TEXT_MAX

STEP_LINE = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s+(?P<text>.*?)\s*$")
_HEADING = re.compile(r"^\s{0,3}(?P<level>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_COMMAND = re.compile(r"`([^`]+)`")
_ID_MARKER = re.compile(r"\s+\{#(?P<id>[^}]*)\}\s*$")
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")
STEP_ID_LENGTH = 12
FENCE = "+++"
META_KEYS = ("title", "services", "tags", "severities")
# Section titles holding the steps that stop the bleeding (mitigation first).
MITIGATION_WORDS = ("rollback", "roll back", "roll-back", "mitigat", "revert", "workaround")
MITIGATION_FIRST_STATES = ("investigating", "identified")


@dataclass(frozen=True, slots=True)
class Runbook:
    """A parsed runbook: what a `runbook_attached` event carries."""

    name: str
    content_hash: str
    steps: list[dict[str, Any]] = field(default_factory=list)

    def event_data(self) -> dict[str, Any]:
        return {"name": self.name, "content_hash": self.content_hash, "steps": self.steps}


@dataclass(frozen=True, slots=True)
class Meta:
    """The front matter (empty for a plain Markdown file)."""

    title: str | None = None
    services: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    severities: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Heading:
    line: int  # 1-based
    level: int
    title: str


@dataclass(frozen=True, slots=True)
class StepLine:
    line: int  # 1-based
    step: dict[str, Any]
    explicit_id: bool


@dataclass(frozen=True, slots=True)
class Document:
    """A runbook file, parsed: its front matter, headings, steps and problems."""

    text: str
    name: str
    meta: Meta
    headings: tuple[Heading, ...]
    steps: tuple[StepLine, ...]
    problems: tuple[tuple[int, str], ...]  # (line, message)
    title_line: int = 1

    def runbook(self) -> Runbook:
        return Runbook(
            name=self.name,
            content_hash=content_hash(self.text),
            steps=[line.step for line in self.steps],
        )


def step_id(name: str, text: str, occurrence: int) -> str:
    """A stable id for the `occurrence`-th (from 0) step with this text."""
    import hashlib  # on parsing only: the room draws steps without it

    digest = hashlib.sha256(f"{name}\n{text}\n{occurrence}".encode()).hexdigest()
    return digest[:STEP_ID_LENGTH]


def content_hash(text: str) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_document(text: str, name: str | None = None, stem: str = "runbook") -> Document:
    """Parse a runbook file's text.  Its name is `name` when given, else the
    front matter's title, else its first `# ` heading, else `stem`."""
    lines = text.splitlines()
    problems: list[tuple[int, str]] = []
    meta, body_start, title_line = _front_matter(lines, problems)
    headings: list[Heading] = []
    raw_steps: list[tuple[int, str, str, str | None]] = []  # line, text, section, id
    explicit: dict[str, int] = {}
    section = ""
    fenced = False
    for index in range(body_start, len(lines)):
        line, number = lines[index], index + 1
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(line)
        if heading:
            section = _clip(heading["text"].strip(), NAME_MAX)
            headings.append(Heading(number, len(heading["level"]), section))
            continue
        match = STEP_LINE.match(line)
        if not match or not match["text"]:
            continue
        step_text, given = _split_marker(match["text"], number, problems)
        if not step_text:
            problems.append((number, "a step with an id but no text"))
            continue
        if given is not None:
            if given in explicit:
                problems.append(
                    (number, f"step id {given!r} is used twice (also line {explicit[given]})")
                )
                given = None
            else:
                explicit[given] = number
        raw_steps.append((number, _clip(step_text, TEXT_MAX), section, given))
    chosen = (name or "").strip() or meta.title or _first_title(headings) or stem or "runbook"
    if meta.title is None and not (name or "").strip():
        title_line = next((h.line for h in headings if h.level == 1), 1)
    chosen = _clip(chosen, NAME_MAX)
    steps: list[StepLine] = []
    seen: dict[str, int] = {}
    for number, step_text, step_section, given in raw_steps:
        occurrence = seen.get(step_text, 0)
        seen[step_text] = occurrence + 1
        step: dict[str, Any] = {
            "id": given or step_id(chosen, step_text, occurrence),
            "text": step_text,
            "section": step_section,
        }
        command = _COMMAND.search(step_text)
        if command:
            step["command"] = command[1].strip()
        steps.append(StepLine(number, step, given is not None))
    return Document(
        text=text,
        name=chosen,
        meta=meta,
        headings=tuple(headings),
        steps=tuple(steps),
        problems=tuple(problems),
        title_line=title_line,
    )


def parse_runbook(text: str, name: str) -> Runbook:
    """Parse Markdown into a Runbook called `name` (steps may be empty)."""
    return parse_document(text, name).runbook()


def default_name(text: str, path: Path) -> str:
    """The front matter's title, else the first top-level heading, else the
    file's name without suffix."""
    return parse_document(text, stem=_clip(path.stem, NAME_MAX)).name


def read_text(path: Path) -> str:
    """A runbook file's text; UsageError with a clear reason when unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such runbook file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a runbook file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None


def read_document(path: Path, name: str | None = None) -> Document:
    return parse_document(read_text(path), name, stem=_clip(path.stem, NAME_MAX))


def read_runbook(path: Path, name: str | None = None) -> Runbook:
    """Read and parse a runbook file; UsageError when unreadable or without steps."""
    runbook = read_document(path, name).runbook()
    if not runbook.steps:
        raise UsageError(f"{path} has no steps: a step is a line starting '- [ ]'")
    return runbook


def new_step(
    incident: Incident, text: str, section: str = "", command: str | None = None
) -> dict[str, Any]:
    """A step discovered during `incident`, ready for a `step_added` event: one
    line of text, an id no step of the incident has, the section it belongs
    to (so `suggest` can put it there) and its command (else the text's first
    backticked span)."""
    one_line = _clip(" ".join(text.split()), TEXT_MAX)
    if not one_line:
        raise UsageError("a step needs some text")
    count = len(incident.steps)
    identifier = "added-" + step_id(incident.id, one_line, count)[:8]
    while identifier in incident.steps:
        count += 1
        identifier = "added-" + step_id(incident.id, one_line, count)[:8]
    step: dict[str, Any] = {
        "id": identifier,
        "text": one_line,
        "section": _clip(" ".join(section.split()), NAME_MAX),
    }
    found = _COMMAND.search(one_line)
    chosen = (command or "").strip() or (found[1].strip() if found else "")
    if chosen:
        step["command"] = chosen
    return step


# -- front matter ---------------------------------------------------------------


def _front_matter(lines: list[str], problems: list[tuple[int, str]]) -> tuple[Meta, int, int]:
    """(the front matter, the index of the body's first line, the title's line)."""
    if not lines or lines[0].lstrip("\ufeff").rstrip() != FENCE:
        return Meta(), 0, 1
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE), None)
    if closing is None:
        problems.append((1, "front matter opened with +++ is never closed by a +++ line"))
        return Meta(), 1, 1
    block = lines[1:closing]
    try:
        raw = tomllib.loads("\n".join(block))
    except tomllib.TOMLDecodeError as error:
        problems.append(_toml_problem(str(error), len(block)))
        return Meta(), closing + 1, 1

    def where(key: str) -> int:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        return next((i + 2 for i, line in enumerate(block) if pattern.match(line)), 1)

    for key in raw:
        if key not in META_KEYS:
            problems.append(
                (where(key), f"unknown front-matter key {key!r} (keys: {', '.join(META_KEYS)})")
            )
    title = raw.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        problems.append((where("title"), 'title must be a non-empty string: title = "..."'))
        title = None
    values: dict[str, tuple[Any, ...]] = {}
    for key, kind, example in (
        ("services", str, 'services = ["checkout-api"]'),
        ("tags", str, 'tags = ["http", "5xx"]'),
        ("severities", int, "severities = [1, 2]"),
    ):
        value = raw.get(key, [])
        good = isinstance(value, list) and all(
            isinstance(item, kind) and not isinstance(item, bool) for item in value
        )
        if kind is str and good:
            good = all(item.strip() for item in value)
        if not good:
            what = "strings" if kind is str else "severity levels"
            problems.append((where(key), f"{key} must be a list of {what}, e.g. {example}"))
            value = []
        values[key] = tuple(item.strip() if isinstance(item, str) else item for item in value)
    meta = Meta(
        title=_clip(title.strip(), NAME_MAX) if isinstance(title, str) else None,
        services=values["services"],
        tags=values["tags"],
        severities=values["severities"],
    )
    return meta, closing + 1, where("title") if meta.title else 1


def _toml_problem(message: str, block_lines: int) -> tuple[int, str]:
    """A TOML error with its line counted in the file (the block starts on line 2)."""
    found = _TOML_WHERE.search(message)
    if not found:
        line = block_lines + 1 if "end of document" in message else 1
        return line, f"malformed front matter: {message}"
    line = int(found[1]) + 1
    reason = _TOML_WHERE.sub(f"(column {found[2]})", message)
    return line, f"malformed front matter: {reason}"


def _split_marker(
    text: str, number: int, problems: list[tuple[int, str]]
) -> tuple[str, str | None]:
    marker = _ID_MARKER.search(text)
    if not marker:
        return text, None
    given = marker["id"].strip()
    if not _VALID_ID.match(given):
        problems.append(
            (number, f"malformed step id {{#{given}}}: use letters, digits, '.', '_', '-'")
        )
        return text, None
    return text[: marker.start()].rstrip(), given


def _first_title(headings: Sequence[Heading]) -> str | None:
    return next((h.title for h in headings if h.level == 1 and h.title), None)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- mitigation first -------------------------------------------------------------


def is_mitigation_section(section: str) -> bool:
    """A section of steps that stop the bleeding: rollback, mitigation, revert."""
    lowered = section.casefold()
    return any(word in lowered for word in MITIGATION_WORDS)


def steps_for_display(incident: Incident) -> list[Step]:
    """The incident's steps in the order the runbook pane shows them.

    While the incident is investigating or identified, the rollback and
    mitigation steps come first (each group keeps its own order); otherwise
    the order is the runbooks' own.
    """
    steps = list(incident.steps.values())
    if incident.status not in MITIGATION_FIRST_STATES:
        return steps
    first = [step for step in steps if is_mitigation_section(step.section)]
    return first + [step for step in steps if not is_mitigation_section(step.section)]
