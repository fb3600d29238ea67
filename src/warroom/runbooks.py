"""`warroom runbook list | show | attach | add-step | lint | suggest`, and the
runbook `declare --service` attaches: the runbook library as configured.

The library is the shipped samples (`data/runbooks/`) plus the folders of the
`runbook_dirs` setting.  The parsing, the lint rules and the proposed edits
are pure functions in `warroom.core.runbook*`; this module reads settings,
talks to the store and prints.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom import cli
from warroom.config import Settings
from warroom.core.clock import Clock
from warroom.core.errors import UsageError, WarroomError
from warroom.core.incident import Incident
from warroom.core.runbook import Runbook, new_step, read_document, read_runbook
from warroom.core.runbook_library import Entry, Library, load_library, shipped_folder
from warroom.core.runbook_suggest import propose_steps
from warroom.core.text import clean_line
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
    """What `declare --service S` found: the runbook it attached, or the
    several candidates it left for the lead to pick from."""

    attached: Runbook | None = None
    candidates: list[Entry] = field(default_factory=list)
    unreadable: list[Entry] = field(default_factory=list)


def attach_for_service(
    store: Store, incident: Incident, actor: str, clock: Clock, found: Library
) -> ServiceMatch:
    """Attach the runbook whose `services` contain the incident's service, if
    exactly one does; with several, attach none and return them."""
    from warroom.actions import write

    match = ServiceMatch(unreadable=[e for e in found.entries if _front_matter_broken(e)])
    if not incident.service:
        return match
    candidates = [entry for entry in found.for_service(incident.service) if entry.doc.steps]
    if len(candidates) == 1:
        runbook = candidates[0].doc.runbook()
        write(store, incident.id, "runbook_attached", actor, runbook.event_data(), clock)
        match.attached = runbook
    else:
        match.candidates = candidates
    return match


def _front_matter_broken(entry: Entry) -> bool:
    return any("front matter" in message for _, message in entry.doc.problems)


def after_declare(ctx: Any, incident: Incident) -> Incident:
    """`declare --service S`: attach S's runbook and say so on stderr (stdout
    stays the reference alone, for scripts)."""
    match = attach_for_service(ctx.store, incident, ctx.actor, ctx.clock, library(ctx.settings))
    service = clean_line(incident.service or "")
    for entry in match.unreadable:
        _warn(
            f"warning: {entry.path}: malformed front matter, not matched to services "
            "(see `warroom runbook lint`)"
        )
    if match.attached is not None:
        runbook = match.attached
        _warn(
            f"{incident.ref}: runbook {clean_line(runbook.name)} attached "
            f"({len(runbook.steps)} steps; it lists the service {service})",
            prefix=False,
        )
        return ctx.store.incident(incident.id)
    if match.candidates:
        names = ", ".join(clean_line(entry.slug) for entry in match.candidates)
        _warn(
            f"several runbooks list the service {service} ({names}): none attached; "
            f"pick one with: warroom runbook attach {incident.ref} NAME"
        )
    return incident


def runbook_command(ctx: Any, args: argparse.Namespace) -> int:
    handler = {
        "list": _list,
        "show": _show,
        "attach": _attach,
        "add-step": _add_step,
        "lint": _lint,
        "suggest": _suggest,
    }[args.runbook_command]
    return handler(ctx, args)


def _list(ctx: Any, args: argparse.Namespace) -> int:
    found = library(ctx.settings)
    for problem in found.problems:
        _warn(f"warning: {problem}")
    if args.json:
        from warroom.textout import to_json

        _say(to_json([_public(entry) for entry in found.entries]))
        return 0
    if not found.entries:
        sys.stderr.write("no runbooks; add Markdown files to a folder named in runbook_dirs\n")
        return 0
    width = max(len(entry.slug) for entry in found.entries)
    for entry in found.entries:
        services = ", ".join(entry.doc.meta.services) or "-"
        _say(
            f"{clean_line(entry.slug):<{width}}  {len(entry.doc.steps):>3} steps  "
            f"{clean_line(entry.name)}  [services: {clean_line(services)}]"
        )
    broken = sum(1 for entry in found.entries if entry.doc.problems or not entry.doc.steps)
    if broken:
        _warn(f"{broken} runbook(s) have problems: run `warroom runbook lint`", prefix=False)
    return 0


def _public(entry: Entry) -> dict[str, Any]:
    meta = entry.doc.meta
    return {
        "name": entry.slug,
        "title": entry.name,
        "path": str(entry.path),
        "services": list(meta.services),
        "tags": list(meta.tags),
        "severities": list(meta.severities),
        "steps": [line.step for line in entry.doc.steps],
    }


def _show(ctx: Any, args: argparse.Namespace) -> int:
    entry = find_runbook(ctx.settings, args.name)
    if args.json:
        from warroom.textout import to_json

        _say(to_json(_public(entry)))
        return 0
    meta = entry.doc.meta
    lines = [clean_line(entry.name), f"file: {clean_line(str(entry.path))}"]
    facts = [
        ("services", ", ".join(meta.services)),
        ("tags", ", ".join(meta.tags)),
        ("severities", ", ".join(f"SEV{level}" for level in meta.severities)),
    ]
    lines += [f"{label}: {clean_line(value)}" for label, value in facts if value]
    section: str | None = None
    for line in entry.doc.steps:
        step = line.step
        if step["section"] != section:
            section = step["section"]
            lines += ["", clean_line(section or "(no section)")]
        lines.append(f"  [ ] {clean_line(step['text'])}    #{clean_line(step['id'])}")
        if step.get("command"):
            lines.append(f"      $ {clean_line(step['command'])}")
    if not entry.doc.steps:
        lines += ["", "(no steps: a step is a line starting '- [ ]')"]
    _say("\n".join(lines))
    return 0


def _attach(ctx: Any, args: argparse.Namespace) -> int:
    path = Path(args.runbook).expanduser()
    if path.is_file():
        runbook = read_runbook(path, args.name)
    else:
        entry = find_runbook(ctx.settings, args.runbook)
        runbook = read_runbook(entry.path, args.name)
    event = ctx.write(args.ref, "runbook_attached", runbook.event_data())
    what = f"runbook {clean_line(runbook.name)} attached ({len(runbook.steps)} steps)"
    return cli._recorded(ctx, event, what)


def _add_step(ctx: Any, args: argparse.Namespace) -> int:
    incident = ctx.store.incident(ctx.store.resolve(args.ref))
    step = new_step(incident, args.text, args.section or "", args.step_command)
    event = ctx.write(args.ref, "step_added", {"step": step})
    return cli._recorded(ctx, event, f"step added: {clean_line(step['text'])}")


def _lint(ctx: Any, args: argparse.Namespace) -> int:
    if args.path:
        path = Path(args.path).expanduser()
        if path.is_dir():
            found = load_library([path])
        elif path.is_file():
            found = load_library([], [path])
        else:
            raise UsageError(f"no such file or folder: {args.path}")
    else:
        found = library(ctx.settings)
    problems = found.lint()
    for problem in problems:
        _say(clean_line(str(problem)))
    if problems:
        files = len({problem.path for problem in problems})
        sys.stderr.write(f"{len(problems)} problem(s) in {files} file(s)\n")
        return 1
    _say(f"{len(found.entries)} runbook(s) checked: no problems")
    return 0


def _suggest(ctx: Any, args: argparse.Namespace) -> int:
    incident = ctx.store.incident(ctx.store.resolve(args.ref))
    added = [step for step in incident.steps.values() if step.added_by is not None]
    if not added:
        raise WarroomError(
            f"{incident.ref} has no steps added during the incident; nothing to suggest"
        )
    entry = _target(ctx, incident, args.runbook)
    proposal = propose_steps(entry.doc.text, added, origin=incident.ref)
    out = Path(args.out) if args.out else entry.path.with_name(f"{entry.slug}.proposed.md")
    if proposal.added:
        cli._write_file(out, proposal.text)
    for placement in proposal.placements:
        text = clean_line(placement.text)
        if placement.skipped:
            _say(f"  = {text}: {placement.skipped}")
        else:
            _say(f"  + {text} -> {clean_line(placement.section)} (line {placement.line})")
    if not proposal.added:
        sys.stderr.write(f"{entry.path} already has every step; nothing written\n")
        return 0
    _say(
        f"wrote {out}: {proposal.added} step(s) from {incident.ref} added to "
        f"{entry.path.name}; review with: diff -u {entry.path} {out}"
    )
    return 0


def _target(ctx: Any, incident: Incident, wanted: str | None) -> Entry:
    """The runbook file `suggest` proposes an edit of."""
    if wanted:
        return find_runbook(ctx.settings, wanted)
    names = list(dict.fromkeys(runbook["name"] for runbook in incident.runbooks))
    if not names:
        raise UsageError(
            f"no runbook is attached to {incident.ref}; say which to improve: --runbook NAME"
        )
    if len(names) > 1:
        listed = ", ".join(clean_line(name) for name in names)
        raise UsageError(
            f"{incident.ref} has several runbooks ({listed}); say which: --runbook NAME"
        )
    try:
        return library(ctx.settings).find(names[0])
    except UsageError:
        raise UsageError(
            f"runbook {clean_line(names[0])!r} of {incident.ref} is not in the runbook "
            "folders; give its file: --runbook FILE"
        ) from None


def _say(text: str) -> None:
    cli._say(text)


def _warn(text: str, prefix: bool = True) -> None:
    sys.stderr.write(("warroom: " if prefix else "") + clean_line(text) + "\n")
