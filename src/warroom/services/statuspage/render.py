"""The public page as HTML: Jinja2 with autoescaping on, so every string
(public titles, update texts, component names) is text, never markup.  Jinja2
is imported only here, when a page is rendered (never on the CLI's or the
TUI's start-up path)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from warroom.core.statuspage.model import PublicPage
from warroom.core.times import format_time

if TYPE_CHECKING:
    from jinja2 import Environment

WEB = Path(__file__).with_name("web")
ASSETS: tuple[str, ...] = ("status.js", "status.css")  # served beside the page

STATUS_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}
STATE_LABELS = {
    "operational": "Operational",
    "under_maintenance": "Under maintenance",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}


@cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(WEB),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["status_label"] = lambda value: STATUS_LABELS.get(value, value)
    environment.filters["state_label"] = lambda value: STATE_LABELS.get(value, value)
    environment.filters["iso"] = format_time
    return environment


def render_html(page: PublicPage) -> str:
    """The status page (`/status`, `index.html`)."""
    zone = ZoneInfo(page.config.time_zone)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    template = _environment().get_template("status.html")
    return template.render(page=page, config=page.config, local=local)


def asset(name: str) -> bytes:
    """One of ASSETS (the page's script and style sheet)."""
    if name not in ASSETS:
        raise KeyError(name)
    return (WEB / name).read_bytes()
