"""The roster: each role with its holder(s), then the other participants with
when they joined."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from warroom.core.catalog import Catalog
from warroom.core.incident import Incident
from warroom.tui.safe import safe_line


def roster_content(incident: Incident, catalog: Catalog) -> Content:
    lines: list[Content] = [Content.assemble(("Roles", "bold"))]
    holders_all: set[str] = set()
    for key, role in catalog.roles.items():
        holders = incident.roles.get(key, [])
        holders_all.update(holders)
        names = (
            Content(", ").join(safe_line(name, 40) for name in holders)
            if holders
            else Content.assemble(("—", "dim"))
        )
        lines.append(Content.assemble(f" {safe_line(role.name, 24).plain:<20} ", names))
    for key, holders in incident.roles.items():  # roles the catalog no longer knows
        if key not in catalog.roles and holders:
            holders_all.update(holders)
            names = Content(", ").join(safe_line(name, 40) for name in holders)
            lines.append(Content.assemble(f" {safe_line(key, 24).plain:<20} ", names))
    others = [(name, at) for name, at in incident.participants.items() if name not in holders_all]
    lines.append(Content(""))
    lines.append(
        Content.assemble(("Participants", "bold"), (f" {len(incident.participants)}", "dim"))
    )
    if not others:
        lines.append(Content.assemble((" nobody else yet", "dim")))
    for name, at in others:
        joined = at.astimezone().strftime("%H:%M")
        lines.append(Content.assemble(" ", safe_line(name, 40), (f"  joined {joined}", "dim")))
    return Content("\n").join(lines)


class Roster(VerticalScroll, can_focus=True):
    """Who holds which role, and who else is here."""

    def __init__(self, catalog: Catalog, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.catalog = catalog
        self.border_title = "Roster"

    def compose(self) -> ComposeResult:
        yield Static("", id="roster-body", markup=False)

    def show(self, incident: Incident) -> None:
        self.query_one("#roster-body", Static).update(roster_content(incident, self.catalog))
