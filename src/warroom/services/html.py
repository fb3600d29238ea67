"""HTML for the browser faces (the status page, the room view): Jinja2 with
autoescaping on for every template, so every string is text, never markup.
Jinja2 is imported here only, when a page is first rendered (never on the
CLI's or the TUI's start-up path)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.core.times import format_time

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def templates(folder: Path) -> Environment:
    """The templates in `folder` (loaded once), autoescaped, strict about
    undefined names; with the filter `iso` (a time as ISO-8601 UTC)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["iso"] = format_time
    return environment
