"""The runbook library as the TUI sees it: the samples plus the folders the
configuration names (`warroom.services.runbooks`), from the settings the app
was given.  Blocking (it reads files): call these from thread workers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warroom.config import Settings
    from warroom.core.runbook_library import Entry, Library


def runbook_library(settings: Settings) -> Library:
    from warroom.services.runbooks import library

    return library(settings)


def find_runbook(settings: Settings, query: str) -> Entry:
    """A runbook by library name (file name without .md, or title) or by file."""
    from warroom.services.runbooks import find_runbook as find

    return find(settings, query)
