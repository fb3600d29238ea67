"""The runbook library as the TUI sees it: the samples plus the folders the
configuration names (`warroom.services.runbooks`).  Blocking (it reads files): call
these from thread workers.

An app made without settings (tests, embedding) reads the shipped samples only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom.config import Settings
from warroom.core.runbook_library import Entry, Library


def settings_of(app: Any) -> Settings:
    """The app's settings, else settings naming no runbook folder of their own."""
    settings = getattr(app, "settings", None)
    if isinstance(settings, Settings):
        return settings
    return Settings(db=Path(), db_is_default=True, user=getattr(app, "actor", ""))


def runbook_library(app: Any) -> Library:
    from warroom.services.runbooks import library

    return library(settings_of(app))


def find_runbook(app: Any, query: str) -> Entry:
    """A runbook by library name (file name without .md, or title) or by file."""
    from warroom.services.runbooks import find_runbook as find

    return find(settings_of(app), query)
