"""Command palette providers: every action of the current screen, and a jump to
any incident.

Incident titles are untrusted, and Textual's own palette helpers parse markup
(`Matcher.highlight`, a hit's `help`).  So every hit is built here as plain
`Content` (through `safe_line`), the match is highlighted by offsets from the
fuzzy search without parsing anything, and `help` is never used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from warroom.core.incident import Incident
from warroom.core.text import clean_line
from warroom.tui.safe import notify, safe_line

PALETTE_LIMIT = 160  # characters of a hit shown at most


def highlight(matcher: Matcher, text: str) -> tuple[float, Content]:
    """Score `text` against the query and highlight the matched characters.

    Works on the cleaned one-line text, so offsets and shown characters agree;
    the Content is built plainly (never from markup).
    """
    line = clean_line(text)[:PALETTE_LIMIT]
    score, offsets = matcher.fuzzy_search.match(matcher.query, line)
    content = safe_line(line, PALETTE_LIMIT)
    if not score:
        return 0.0, content
    for offset in offsets:
        if offset < len(content.plain) and not line[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return score, content


def incident_label(incident: Incident) -> str:
    return f"Open {incident.ref} · SEV{incident.severity} · {incident.status} · {incident.title}"


class WarroomCommands(Provider):
    """The current screen's actions and every incident (open or closed)."""

    incidents: list[Incident]

    async def startup(self) -> None:
        store = getattr(self.app, "store", None)
        self.incidents = []
        if store is None:
            return
        try:  # a store read, off the UI loop
            self.incidents = await asyncio.to_thread(store.incidents, True)
        except Exception as error:
            notify(self.screen, f"cannot list incidents: {error}", severity="error")

    def _commands(self) -> list[tuple[str, Callable[[], Any]]]:
        commands: list[tuple[str, Callable[[], Any]]] = []
        screen_commands = getattr(self.screen, "palette_commands", None)
        if callable(screen_commands):
            commands.extend(screen_commands())
        opener = getattr(self.app, "open_incident", None)
        if opener is not None:
            for incident in self.incidents:
                commands.append((incident_label(incident), partial(opener, incident.id)))
        return commands

    async def discover(self) -> Hits:
        for text, command in self._commands():
            yield DiscoveryHit(safe_line(text, PALETTE_LIMIT), command, text=clean_line(text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command in self._commands():
            score, content = highlight(matcher, text)
            if score > 0:
                yield Hit(score, content, command, text=clean_line(text))
