"""Command palette providers: every action of the current screen, and a jump to
any incident.

A screen's actions are the keys.py rows it takes its BINDINGS from
(`ACTIONS`), each with its palette line; rows without keys are offered here
only.  A writer's room adds its runbook library ("Attach runbook: ...").

Incident titles are untrusted, and Textual's own palette helpers parse markup
(`Matcher.highlight`, a hit's `help`).  So every hit is built here as plain
`Content` (through `safe_line`), the match is highlighted by offsets from the
fuzzy search without parsing anything, and `help` is never used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, Protocol, runtime_checkable

from textual.actions import parse
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import Screen

from warroom.core.incident import Incident
from warroom.core.text import clean_line
from warroom.tui.context import warroom_app
from warroom.tui.keys import Key
from warroom.tui.safe import notify, safe_line
from warroom.tui.screens.room import RoomScreen

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


@runtime_checkable
class WithActions(Protocol):
    """A screen whose bindings come from keys.py rows."""

    ACTIONS: ClassVar[tuple[Key, ...]]


Command = tuple[str, Callable[[], Any]]


def screen_commands(screen: Screen[Any]) -> list[Command]:
    """The palette's line and callable of every action of `screen` that has one."""
    if not isinstance(screen, WithActions):
        return []
    return [(key.palette, runner(screen, key.action)) for key in screen.ACTIONS if key.palette]


def runner(screen: Screen[Any], action: str) -> Callable[[], Any]:
    """Run an action string of a binding ("entry('note')", "app.quit") on `screen`.

    Called as a palette choice, not a key: the check that lets a typed key
    stand aside while a text box has the focus (tui/typeahead.py) does not
    apply, so the action method is called directly."""
    namespace, name, parameters = parse(action)
    target: Any = screen.app if namespace == "app" else screen
    return partial(getattr(target, f"action_{name}"), *parameters)


class WarroomCommands(Provider):
    """The current screen's actions and every incident (open or closed)."""

    incidents: list[Incident]

    async def startup(self) -> None:
        store = warroom_app(self.screen).store
        self.incidents = []
        try:  # a store read, off the UI loop
            self.incidents = await asyncio.to_thread(store.incidents, True)
        except Exception as error:
            notify(self.screen, f"cannot list incidents: {error}", severity="error")

    def _commands(self) -> list[Command]:
        commands = screen_commands(self.screen)
        if isinstance(self.screen, RoomScreen):
            room = self.screen
            commands.extend(
                (f"Attach runbook: {entry.slug} · {entry.name}", partial(room.attach_entry, entry))
                for entry in room.library_entries or []
            )
        opener = warroom_app(self.screen).open_incident
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
