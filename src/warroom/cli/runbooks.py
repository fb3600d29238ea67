"""`warroom runbook list | show | attach | add-step | lint | suggest`: runbooks
as code.  The library as configured is `warroom.services.runbooks`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.cli.context import Context
from warroom.cli.output import recorded, say, say_json, warn, write_file
from warroom.cli.parser import Commands, actions
from warroom.core.errors import UsageError, WarroomError
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.core.incident import Incident
    from warroom.core.runbook_library import Entry


def register(commands: Commands) -> None:
    sub = commands.add(
        "runbook", "runbooks as code: list, show, attach, add-step, lint, suggest", runbook
    )
    action = actions(sub, "runbook_command")

    listing = action("list", "the runbooks in data/runbooks and the runbook_dirs folders")
    listing.add_argument("--json", action="store_true")
    show = action("show", "a runbook's steps and their commands")
    show.add_argument("name", metavar="NAME_OR_FILE", help="file name without .md, or title")
    show.add_argument("--json", action="store_true")
    attach = action("attach", "attach a runbook: its '- [ ]' lines become the steps")
    attach.add_argument("ref")
    attach.add_argument("runbook", metavar="NAME_OR_FILE")
    attach.add_argument("--name", metavar="NAME", help="default: its title or first '# ' heading")
    add_step = action("add-step", "add a step discovered during the incident")
    add_step.add_argument("ref")
    add_step.add_argument("text")
    add_step.add_argument("--section", metavar="S", help="the runbook section it belongs to")
    add_step.add_argument("--command", dest="step_command", metavar="CMD")
    lint = action("lint", "check runbooks (front matter, steps, names); 1 on problems")
    lint.add_argument("path", nargs="?", help="a file or folder (default: every runbook folder)")
    suggest = action("suggest", "write an incident's added steps to <runbook>.proposed.md")
    suggest.add_argument("ref")
    suggest.add_argument("--runbook", metavar="NAME_OR_FILE", help="default: the one attached")
    suggest.add_argument("--out", metavar="FILE", help="default: beside the runbook")


def runbook(ctx: Context, args: argparse.Namespace) -> int:
    handler = {
        "list": _list,
        "show": _show,
        "attach": _attach,
        "add-step": _add_step,
        "lint": _lint,
        "suggest": _suggest,
    }[args.runbook_command]
    return handler(ctx, args)


def _list(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.services.runbooks import library

    found = library(ctx.settings)
    for problem in found.problems:
        warn(f"warning: {problem}")
    if args.json:
        say_json([_public(entry) for entry in found.entries])
        return 0
    if not found.entries:
        sys.stderr.write("no runbooks; add Markdown files to a folder named in runbook_dirs\n")
        return 0
    width = max(len(entry.slug) for entry in found.entries)
    for entry in found.entries:
        services = ", ".join(entry.doc.meta.services) or "-"
        say(
            f"{clean_line(entry.slug):<{width}}  {len(entry.doc.steps):>3} steps  "
            f"{clean_line(entry.name)}  [services: {clean_line(services)}]"
        )
    broken = sum(1 for entry in found.entries if entry.doc.problems or not entry.doc.steps)
    if broken:
        warn(f"{broken} runbook(s) have problems: run `warroom runbook lint`", prefix=False)
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


def _show(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.services.runbooks import find_runbook

    entry = find_runbook(ctx.settings, args.name)
    if args.json:
        say_json(_public(entry))
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
    say("\n".join(lines))
    return 0


def _attach(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.runbook import read_runbook
    from warroom.services.runbooks import find_runbook

    path = Path(args.runbook).expanduser()
    if path.is_file():
        runbook = read_runbook(path, args.name)
    else:
        entry = find_runbook(ctx.settings, args.runbook)
        runbook = read_runbook(entry.path, args.name)
    event = ctx.write(args.ref, "runbook_attached", runbook.event_data())
    what = f"runbook {clean_line(runbook.name)} attached ({len(runbook.steps)} steps)"
    return recorded(ctx, event, what)


def _add_step(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.runbook import new_step

    incident = ctx.store.incident(ctx.store.resolve(args.ref))
    step = new_step(incident, args.text, args.section or "", args.step_command)
    event = ctx.write(args.ref, "step_added", {"step": step})
    return recorded(ctx, event, f"step added: {clean_line(step['text'])}")


def _lint(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.runbook_library import load_library
    from warroom.services.runbooks import library

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
        say(clean_line(str(problem)))
    if problems:
        files = len({problem.path for problem in problems})
        sys.stderr.write(f"{len(problems)} problem(s) in {files} file(s)\n")
        return 1
    say(f"{len(found.entries)} runbook(s) checked: no problems")
    return 0


def _proposed_path(runbook: Path, slug: str) -> Path:
    """Beside the runbook; for a sample shipped with warroom (read-only in an
    installed wheel, replaced by the next upgrade), in the current folder."""
    from warroom.resources import resource_dir

    shipped = resource_dir("data").resolve()
    if runbook.resolve().is_relative_to(shipped):
        return Path.cwd() / f"{slug}.proposed.md"
    return runbook.with_name(f"{slug}.proposed.md")


def _suggest(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.runbook_suggest import propose_steps

    incident = ctx.store.incident(ctx.store.resolve(args.ref))
    added = [step for step in incident.steps.values() if step.added_by is not None]
    if not added:
        raise WarroomError(
            f"{incident.ref} has no steps added during the incident; nothing to suggest"
        )
    entry = _target(ctx, incident, args.runbook)
    proposal = propose_steps(entry.doc.text, added, origin=incident.ref)
    out = Path(args.out) if args.out else _proposed_path(entry.path, entry.slug)
    if proposal.added:
        write_file(out, proposal.text)
    for placement in proposal.placements:
        text = clean_line(placement.text)
        if placement.skipped:
            say(f"  = {text}: {placement.skipped}")
        else:
            say(f"  + {text} -> {clean_line(placement.section)} (line {placement.line})")
    if not proposal.added:
        sys.stderr.write(f"{entry.path} already has every step; nothing written\n")
        return 0
    say(
        f"wrote {out}: {proposal.added} step(s) from {incident.ref} added to "
        f"{entry.path.name}; review with: diff -u {entry.path} {out}"
    )
    return 0


def _target(ctx: Context, incident: Incident, wanted: str | None) -> Entry:
    """The runbook file `suggest` proposes an edit of."""
    from warroom.services.runbooks import find_runbook, library

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
