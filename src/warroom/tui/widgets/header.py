"""The war room's header: severity banner, status, lead, summary, links, and
the clocks (time since impact started and since declared, and the countdown
to the next stakeholder update, a warning once it is overdue).

Only the clock line changes every second: `tick()` rebuilds that one line.
With `big=True` (wall mode) the banner is a tall block in the severity's
colour, readable across a room.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.color import Color, ColorParseError
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.incident import Incident
from warroom.core.times import format_duration
from warroom.tui.safe import safe_line

FALLBACK_COLOUR = "#888888"


def severity_colour(catalog: Catalog, level: int) -> str:
    """The severity's configured colour, checked (a bad one falls back to grey)."""
    severity = catalog.severities.get(level)
    colour = severity.color if severity else FALLBACK_COLOUR
    try:
        return Color.parse(colour).hex
    except ColorParseError:
        return FALLBACK_COLOUR


def severity_chip(catalog: Catalog, level: int, long: bool = True, margin: bool = True) -> Content:
    """` SEV1 CRITICAL ` in black on the severity's colour (`margin=False`: no
    space either side)."""
    severity = catalog.severities.get(level)
    name = f" {severity.name.upper()}" if severity and long else ""
    space = " " if margin else ""
    return Content.assemble(
        (
            f"{space}SEV{level}{safe_line(name).plain}{space}",
            f"bold #000000 on {severity_colour(catalog, level)}",
        )
    )


def clock_parts(incident: Incident, catalog: Catalog, now: datetime) -> tuple[Content, bool]:
    """The clock line (the update countdown first) and whether the update is overdue."""
    parts: list[Content | str | tuple[str, str]] = []
    overdue = False
    due = incident.next_update_due(catalog)
    if due is not None:
        if now > due:
            overdue = True
            late = format_duration((now - due).total_seconds())
            parts.append((f" ⚠ STAKEHOLDER UPDATE OVERDUE by {late} ", "bold reverse"))
        else:
            parts.append(f"next update in {format_duration((due - now).total_seconds())}")
    elif incident.is_open(catalog):
        parts.append("no update cadence")
    started = incident.milestones.get("started")
    resolved = incident.milestones.get("resolved") if not incident.is_open(catalog) else None
    if started is not None:
        end = resolved or now
        if parts:
            parts.append("  ·  ")
        parts.append(f"impact {format_duration((end - started).total_seconds())}")
        if resolved:
            parts.append(" (ended)")
    if incident.declared_at is not None:
        if parts:
            parts.append("  ·  ")
        since = format_duration((now - incident.declared_at).total_seconds())
        parts.append(f"declared {since} ago")
    return Content.assemble(*parts), overdue


def status_line(incident: Incident, catalog: Catalog) -> Content:
    lead = incident.lead
    parts: list[Content | str | tuple[str, str]] = [
        (f"● {incident.status.upper()}", "bold"),
        "  ·  lead ",
        safe_line(lead, 60) if lead else Content("nobody"),
    ]
    if incident.service:
        parts += ["  ·  service ", safe_line(incident.service, 60)]
    if incident.drill:
        parts.append(("  ·  DRILL", "bold"))
    return Content.assemble(*parts)


def links_line(incident: Incident) -> Content:
    if not incident.links:
        return Content("")
    parts: list[Content | str | tuple[str, str]] = [("links ", "dim")]
    for index, link in enumerate(incident.links[-6:]):
        if index:
            parts.append("  ·  ")
        if link.label:
            parts += [safe_line(link.label, 40), ": "]
        parts.append(safe_line(link.url, 120))
    return Content.assemble(*parts)


class IncidentHeader(Vertical):
    """The top of a war room (or a wall screen's banner, with big=True)."""

    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        *,
        big: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.catalog = catalog
        self.clock = clock
        self.big = big
        self.incident: Incident | None = None
        self._last_tick: tuple[Content, bool] | None = None
        if big:
            self.add_class("-big")

    def compose(self) -> ComposeResult:
        yield Static("loading…", id="banner", markup=False)
        yield Static("", id="status-line", markup=False)
        yield Static("", id="clock-line", markup=False)
        yield Static("", id="summary-line", markup=False)
        yield Static("", id="links-line", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def show(self, incident: Incident) -> None:
        """Redraw everything from the incident's current state."""
        self.incident = incident
        colour = severity_colour(self.catalog, incident.severity)
        banner = self.query_one("#banner", Static)
        if self.big:
            banner.styles.background = colour
            banner.update(
                Content.assemble(
                    severity_chip(self.catalog, incident.severity),
                    "  ",
                    (incident.status.upper(), "bold"),
                    "  ",
                    (incident.ref, "bold"),
                    "  ",
                    safe_line(incident.title),
                )
            )
        else:
            banner.update(
                Content.assemble(
                    severity_chip(self.catalog, incident.severity),
                    "  ",
                    (incident.ref, "bold"),
                    "  ",
                    safe_line(incident.title),
                )
            )
        self.query_one("#status-line", Static).update(status_line(incident, self.catalog))
        summary = incident.summary
        self.query_one("#summary-line", Static).update(
            Content.assemble(("summary ", "dim"), safe_line(summary, 1000))
            if summary
            else Content.assemble(("no summary yet", "dim"))
        )
        links = self.query_one("#links-line", Static)
        links.update(links_line(incident))
        links.display = bool(incident.links)
        self.tick()

    def show_error(self, text: str) -> None:
        self.query_one("#banner", Static).update(safe_line(text, 1000))

    def tick(self) -> None:
        """Update the clock line only (called every second)."""
        if self.incident is None:
            return
        line, overdue = clock_parts(self.incident, self.catalog, self.clock.now())
        if (line, overdue) == self._last_tick:
            return
        self._last_tick = (line, overdue)
        clock_line = self.query_one("#clock-line", Static)
        clock_line.set_class(overdue, "-overdue")
        # one line that never wraps (the stylesheet): no layout pass every second
        clock_line.update(line, layout=False)
