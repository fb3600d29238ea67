"""The public page as HTML (`warroom.services.html`: autoescaped), so every
string (public titles, update texts, component names) is text, never markup."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from warroom.core.statuspage.model import PublicPage
from warroom.services.html import templates

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


def _environment() -> Environment:
    environment = templates(WEB)
    environment.filters["status_label"] = lambda value: STATUS_LABELS.get(value, value)
    environment.filters["state_label"] = lambda value: STATE_LABELS.get(value, value)
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
