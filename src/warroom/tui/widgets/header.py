"""The war room's header: severity banner, status, lead, the alerts firing
(`alerts: 3 firing / 5`, when alerts were recorded on it), summary, links, and
the clocks (time since impact started and since declared, and the countdown
to the next stakeholder update, a warning once it is overdue).

Only the clock line changes every second: `tick()` redraws that line alone,
without a layout (each header ticks itself, or, `ticking=False`, its owner
ticks all its headers with one timer).
With `big=True` (wall mode) the banner is a tall block in the severity's
colour, readable across a room.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.color import Color, ColorParseError
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.incident import Incident
from warroom.core.times import format_duration
from warroom.tui.safe import safe_line

FALLBACK_COLOUR = "#888888"
NARROW = 110  # narrower than this (the room's one-pane width): the summary on one line


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
    impact = incident.impact_seconds(now)
    if impact is not None:
        _, _, ended_by = incident.impact_window()
        if parts:
            parts.append("  ·  ")
        parts.append(f"impact {format_duration(impact)}")
        parts.append(f" ({ended_by})" if ended_by else " (ongoing)")
    if incident.declared_at is not None:
        if parts:
            parts.append("  ·  ")
        since = format_duration((now - incident.declared_at).total_seconds())
        parts.append(f"declared {since} ago")
    return Content.assemble(*parts), overdue


def alerts_part(incident: Incident) -> Content:
    """`alerts: 3 firing / 5`, `alerts: all resolved / 5`; nothing without alerts."""
    total = incident.alerts_total
    if not total:
        return Content("")
    firing = incident.alerts_firing
    if firing:
        count: tuple[str, str] = (f"{firing} firing", "bold $text-warning")
    else:
        count = ("all resolved", "$text-success")
    return Content.assemble("alerts: ", count, f" / {total}")


UNACKED = "☎ UNACKNOWLEDGED"  # paged, and nobody has acknowledged yet
UNACKED_SHORT = "☎ unacked"  # the same, before a title in the home list


def paging_part(incident: Incident, catalog: Catalog) -> Content:
    """The unacknowledged mark of an open incident whose page nobody took
    (the home list, the room's and the wall's banner); nothing otherwise."""
    if not incident.unacknowledged or not incident.is_open(catalog):
        return Content("")
    exhausted = " (escalation exhausted)" if incident.exhausted_at is not None else ""
    return Content.assemble((UNACKED + exhausted, "bold $text-error"))


FAILING = "✉ delivery failing"  # the sender cannot deliver this incident's messages
FAILING_SHORT = "✉ failing"  # the same, before a title in the home list


def deliveries_part(incident: Incident, catalog: Catalog) -> Content:
    """`✉ delivery failing: chat, page` while the sender cannot deliver this
    open incident's notifications or pages (`warroom notify status` lists
    them); nothing otherwise."""
    if not incident.failing_deliveries or not incident.is_open(catalog):
        return Content("")
    routes = dict.fromkeys(key.split(" ", 1)[0] for key in incident.failing_deliveries)
    return Content.assemble(
        (f"{FAILING}: ", "bold $text-warning"), safe_line(", ".join(routes), 60)
    )


def status_line(incident: Incident, catalog: Catalog) -> Content:
    lead = incident.lead
    parts: list[Content | str | tuple[str, str]] = [
        (f"● {incident.status.upper()}", "bold"),
        "  ·  lead ",
        safe_line(lead, 60) if lead else Content("nobody"),
    ]
    if incident.service:
        parts += ["  ·  service ", safe_line(incident.service, 60)]
    alerts = alerts_part(incident)
    if alerts.plain:
        parts += ["  ·  ", alerts]
    if incident.drill:
        parts.append(("  ·  DRILL", "bold"))
    for part in (paging_part(incident, catalog), deliveries_part(incident, catalog)):
        if part.plain:
            parts += ["  ·  ", part]
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


class IncidentHeader(Widget):
    """The top of a war room (or a wall screen's banner, with big=True).

    One widget drawing its lines itself (the line API), not a widget per
    line: a room paints sooner.  Each line is cut to the width with an
    ellipsis; the summary wraps onto a second line (one when narrow, three on
    a wall); the height follows the number of lines.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "incident-header--banner",
        "incident-header--overdue",
        "incident-header--summary",
    }

    DEFAULT_CSS = """
    IncidentHeader {
        height: auto;
        & > .incident-header--banner { text-style: bold; }
        & > .incident-header--overdue { background: $error; color: $text; text-style: bold; }
        &.-big > .incident-header--summary { text-style: bold; }
    }
    """

    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        *,
        big: bool = False,
        ticking: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.ticking = ticking
        self.catalog = catalog
        self.clock = clock
        self.big = big
        self.incident: Incident | None = None
        self.overdue = False
        """True while the next stakeholder update is overdue (the clock line warns)."""
        self._message: Content | None = Content("loading…")  # instead of an incident
        self._clock: Content = Content("")
        self._lines: tuple[int, list[tuple[Content, str]]] | None = None  # (width, lines)
        self._clock_line = -1  # where the clock line is in `_lines`
        self._laid_out: tuple[int, int] | None = None  # (width, height) of the last layout
        if big:
            self.add_class("-big")

    def on_mount(self) -> None:
        if self.ticking:
            self.set_interval(1.0, self.tick)

    def show(self, incident: Incident) -> None:
        """Redraw everything from the incident's current state (the room's
        state object is changed in place: no way to tell it is the same)."""
        self.incident = incident
        self._message = None
        self._clock, self.overdue = clock_parts(incident, self.catalog, self.clock.now())
        self._changed()

    def show_error(self, text: str) -> None:
        self._message = safe_line(text, 1000)
        self._changed()

    def tick(self) -> None:
        """Update the clock line only (called every second): no layout pass."""
        if self.incident is None or self._message is not None:
            return
        line, overdue = clock_parts(self.incident, self.catalog, self.clock.now())
        if (line, overdue) == (self._clock, self.overdue):
            return
        self._clock, self.overdue = line, overdue
        if self._lines is not None and 0 <= self._clock_line < len(self._lines[1]):
            self._lines[1][self._clock_line] = self._clock_entry()
        self.refresh()

    def _changed(self) -> None:
        """Redraw; lay the screen out again only when the height changes."""
        self._lines = None
        laid_out = self._laid_out
        self.refresh(layout=laid_out is None or len(self._lines_for(laid_out[0])) != laid_out[1])

    # -- drawing -------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        height = len(self._lines_for(width))
        self._laid_out = (width, height)
        return height

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        lines = self._lines_for(width)
        if not 0 <= y < len(lines):
            return Strip.blank(width, self.rich_style)
        content, look = lines[y]
        if look == "colour":  # the wall's banner: the severity's colour
            assert self.incident is not None
            colour = severity_colour(self.catalog, self.incident.severity)
            style = self.visual_style + VisualStyle(
                background=Color.parse(colour), foreground=Color(0, 0, 0), bold=True
            )
            content = content.center(width, ellipsis=True)
        else:
            classes = (f"incident-header--{look}",) if look else ()
            style = self.get_visual_style(*classes)
            content = content.truncate(width, ellipsis=True, pad=True)
        return Strip(content.render_segments(style), width)

    def _lines_for(self, width: int) -> list[tuple[Content, str]]:
        if self._lines is None or self._lines[0] != width:
            self._lines = (width, self._make_lines(max(width, 1)))
        return self._lines[1]

    def _clock_entry(self) -> tuple[Content, str]:
        margin = "  " if self.big else ""
        return (Content(margin) + self._clock, "overdue" if self.overdue else "")

    def _make_lines(self, width: int) -> list[tuple[Content, str]]:
        """(text, look) per line; look names a component class, or "colour"."""
        incident = self.incident
        if self._message is not None or incident is None:
            self._clock_line = -1
            return [(self._message or Content(""), "banner")]
        margin = "  " if self.big else ""
        lines: list[tuple[Content, str]] = []
        if self.big:
            title = Content.assemble(
                severity_chip(self.catalog, incident.severity),
                "  ",
                (incident.status.upper(), "bold"),
                "  ",
                (incident.ref, "bold"),
                "  ",
                safe_line(incident.title),
            )
            lines += [(Content(""), "colour"), (title, "colour"), (Content(""), "colour")]
        else:
            title = Content.assemble(
                severity_chip(self.catalog, incident.severity),
                "  ",
                (incident.ref, "bold"),
                "  ",
                safe_line(incident.title),
            )
            lines.append((title, "banner"))
        lines.append((Content(margin) + status_line(incident, self.catalog), ""))
        self._clock_line = len(lines)
        lines.append(self._clock_entry())
        if incident.summary:
            summary = Content.assemble(
                margin, ("summary ", "dim"), safe_line(incident.summary, 1000)
            )
            most = 3 if self.big else (1 if width < NARROW else 2)
            wrapped = summary.wrap(width)
            if len(wrapped) > most:  # the last line shown ends with an ellipsis
                rest = Content(" ").join(wrapped[most - 1 :]).truncate(width, ellipsis=True)
                wrapped = [*wrapped[: most - 1], rest]
            lines += [(line, "summary") for line in wrapped]
        else:
            lines.append((Content.assemble(margin, ("no summary yet", "dim")), "summary"))
        if incident.links:
            lines.append((Content(margin) + links_line(incident), ""))
        return lines
