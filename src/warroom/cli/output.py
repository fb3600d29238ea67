"""What commands print and write: standard output, warnings, JSON, `--out` files.

Untrusted text goes through `clean_line` before it is printed (`warn` does it
itself; callers of `say` do it first); JSON is escaped to ASCII
(`textout.to_json`).  Light to import: every command loads this module
before it parses its arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.core.errors import UsageError
from warroom.core.text import clean_line

if TYPE_CHECKING:
    from warroom.cli.context import Context
    from warroom.core.events import Event


def say(text: str) -> None:
    """One line (or lines) on standard output."""
    sys.stdout.write(text + ("" if text.endswith("\n") or not text else "\n"))


def say_json(value: Any) -> None:
    """`value` as JSON on standard output, escaped to ASCII (terminal-safe)."""
    from warroom.cli.textout import to_json

    say(to_json(value))


def say_now(text: str) -> None:
    """A line on standard output at once: a drill's facilitator (or a test) reads it live."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def warn(text: str, prefix: bool = True) -> None:
    """A line on standard error (stdout stays what scripts read)."""
    sys.stderr.write(("warroom: " if prefix else "") + clean_line(text) + "\n")


def recorded(ctx: Context, event: Event, what: str) -> int:
    """Say what was written, to which incident, at which seq (or pending)."""
    incident = ctx.store.incident(event.incident_id)
    where = f"seq {event.seq}" if event.seq is not None else "pending"
    say(f"{incident.ref}: {what} ({where})")
    return 0


def write_file(path: Path, text: str) -> None:
    """Write an `--out` file atomically (never a half-written file)."""
    from warroom.services.files import write_file as write_atomically

    if path.is_dir():
        raise UsageError(f"--out {path} is a directory; give a file name")
    write_atomically(path, text)


def write_out(out: str | None, text: str) -> None:
    """`--out FILE` (saying so on stderr), else standard output."""
    if out:
        write_file(Path(out), text)
        sys.stderr.write(f"wrote {out}\n")
    else:
        sys.stdout.write(text)
