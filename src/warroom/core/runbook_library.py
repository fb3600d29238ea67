"""A runbook library: the runbooks of some folders (the shipped samples in
`data/runbooks/` plus the folders named in configuration), found by file name
or title, matched to services, and checked by `lint`: malformed front matter,
runbooks with no steps, duplicate names and step ids, each with file and line.

Files named `*.proposed.md` (edits `suggest` proposes), READMEs and hidden
files are not runbooks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from warroom.core.errors import UsageError
from warroom.core.runbook import Document, read_document


@dataclass(frozen=True, slots=True)
class Problem:
    """Something `lint` reports: where, and what is wrong."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One runbook file of a library."""

    path: Path
    doc: Document

    @property
    def slug(self) -> str:
        """The file's name without `.md`: what `show NAME` and `attach REF NAME` take."""
        return self.path.name[: -len(".md")] if self.path.name.endswith(".md") else self.path.stem

    @property
    def name(self) -> str:
        return self.doc.name

    def matches(self, query: str) -> bool:
        wanted = query.strip().casefold()
        return wanted in (self.slug.casefold(), self.name.casefold())

    def serves(self, service: str) -> bool:
        wanted = service.strip().casefold()
        return any(item.casefold() == wanted for item in self.doc.meta.services)


@dataclass(frozen=True, slots=True)
class Library:
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...] = ()  # missing folders, unreadable files

    def find(self, query: str) -> Entry:
        """The runbook whose file name (without .md) or title is `query`."""
        found = [entry for entry in self.entries if entry.matches(query)]
        if not found:
            known = ", ".join(entry.slug for entry in self.entries) or "none"
            raise UsageError(f"no runbook named {query!r} (runbooks: {known})")
        if len(found) > 1:
            paths = ", ".join(str(entry.path) for entry in found)
            raise UsageError(f"several runbooks are named {query!r}: {paths}; give the file")
        return found[0]

    def for_service(self, service: str) -> list[Entry]:
        """The runbooks whose `services` contain `service` (case-insensitive)."""
        return [entry for entry in self.entries if entry.serves(service)]

    def lint(self) -> list[Problem]:
        """Malformed front matter, runbooks with no steps, duplicate names and
        step ids, each with its file and line."""
        problems = list(self.problems)
        for entry in self.entries:
            where = str(entry.path)
            problems.extend(Problem(where, line, message) for line, message in entry.doc.problems)
            if not entry.doc.steps:
                problems.append(Problem(where, 1, "no steps: a step is a line starting '- [ ]'"))
        claimed: dict[str, Entry] = {}
        for entry in self.entries:
            names = {
                entry.slug.casefold(): 1,
                entry.name.casefold(): entry.doc.title_line,
            }
            for value, line in names.items():
                other = claimed.setdefault(value, entry)
                if other is not entry:
                    problems.append(
                        Problem(
                            str(entry.path),
                            line,
                            f"duplicate runbook name {value!r} (also {other.path})",
                        )
                    )
        return sorted(problems, key=lambda p: (p.path, p.line, p.message))


def shipped_folder() -> Path:
    """The sample runbooks shipped with warroom (`data/runbooks/`)."""
    from warroom.resources import data_path

    return data_path("runbooks")


def runbook_files(folder: Path) -> list[Path]:
    """The `.md` files under `folder` (its subfolders too), but not proposed
    edits (`*.proposed.md`), READMEs or anything hidden."""
    found = []
    for path in sorted(folder.rglob("*.md")):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative):
            continue
        if path.name.endswith(".proposed.md") or path.name.casefold() == "readme.md":
            continue
        if path.is_file():
            found.append(path)
    return found


def load_library(folders: Iterable[Path], files: Iterable[Path] = ()) -> Library:
    """Read every runbook of `folders` (and the single `files`)."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    paths: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), 0, "runbook folder does not exist"))
            continue
        paths.extend(runbook_files(folder))
    paths.extend(files)
    seen: set[Path] = set()
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            entries.append(Entry(path, read_document(path)))
        except UsageError as error:
            problems.append(Problem(str(path), 0, str(error)))
    return Library(tuple(entries), tuple(problems))
