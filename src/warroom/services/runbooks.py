"""The runbook library as configured, and attaching a runbook to an incident.

The library is the shipped samples (`data/runbooks/`) plus the folders of the
`runbook_dirs` setting.  The parsing, the lint rules and the proposed edits
are pure functions in `warroom.core.runbook*`; this module reads settings and
files and writes to the store.  Blocking (it reads files): the TUI calls it
from thread workers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from warroom.config import Settings
from warroom.core.clock import Clock
from warroom.core.errors import UsageError
from warroom.core.incident import Incident
from warroom.core.runbook import Runbook, read_document
from warroom.core.runbook_library import Entry, Library, load_library, shipped_folder
from warroom.services.incidents import write
from warroom.store.base import Store


def library_folders(settings: Settings) -> list[Path]:
    """The folders runbooks are read from: the samples, then the configured ones."""
    return [shipped_folder(), *settings.runbook_dirs]


def library(settings: Settings) -> Library:
    return load_library(library_folders(settings))


def find_runbook(settings: Settings, query: str) -> Entry:
    """A runbook by file (when `query` is an existing file) or by name."""
    path = Path(query).expanduser()
    if path.is_file():
        return Entry(path, read_document(path))
    try:
        return library(settings).find(query)
    except UsageError:
        if path.suffix == ".md" or os.sep in query:
            raise UsageError(f"no such runbook file: {query}") from None
        raise


@dataclass
class ServiceMatch:
    """The runbook a declaration attached (the one named, else the one whose
    `services` list the incident's service), or the several candidates it
    left for the lead to pick from, or why it attached none (`error`)."""

    attached: Runbook | None = None
    named_by: str | None = None  # "[services.NAME]": the on-call tables chose it
    candidates: list[Entry] = field(default_factory=list)
    unreadable: list[Entry] = field(default_factory=list)
    error: Exception | None = None

    def why(self, service: str) -> str:
        """Why the attached runbook was chosen, for the face to say."""
        return f"{self.named_by} names it" if self.named_by else f"it lists the service {service}"


def attach_for_service(
    store: Store, incident: Incident, actor: str, clock: Clock, found: Library
) -> ServiceMatch:
    """Attach the runbook whose `services` contain the incident's service, if
    exactly one does; with several, attach none and return them."""
    match = ServiceMatch(unreadable=[e for e in found.entries if _front_matter_broken(e)])
    if not incident.service:
        return match
    candidates = [entry for entry in found.for_service(incident.service) if entry.doc.steps]
    if len(candidates) == 1:
        match.attached = attach(store, incident.id, actor, clock, candidates[0].doc.runbook())
    else:
        match.candidates = candidates
    return match


def attach_named(
    store: Store, incident: Incident, actor: str, clock: Clock, found: Library, name: str
) -> ServiceMatch:
    """Attach the library's runbook called `name` (UsageError if there is none)."""
    match = ServiceMatch(unreadable=[e for e in found.entries if _front_matter_broken(e)])
    match.attached = attach(store, incident.id, actor, clock, found.find(name).doc.runbook())
    return match


def attach(store: Store, incident_id: str, actor: str, clock: Clock, runbook: Runbook) -> Runbook:
    """Put `runbook` (its steps, with their ids) on the incident's timeline."""
    write(store, incident_id, "runbook_attached", actor, runbook.event_data(), clock)
    return runbook


def _front_matter_broken(entry: Entry) -> bool:
    return any("front matter" in message for _, message in entry.doc.problems)
