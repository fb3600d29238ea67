"""The public page as HTML (`warroom.services.html`: autoescaped), so every
string (public titles, update texts, component names) is text, never markup.

Past incidents (resolved in the last 90 days) show their last update, the
earlier ones folded in a `<details>` (no script needed).  Each incident's
block is rendered once and kept while the incident is unchanged: a customers
update to one incident renders that block and the page around the blocks,
not the 90 days of history again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from warroom.core.statuspage.config import PageConfig
from warroom.core.statuspage.model import PublicIncident, PublicPage
from warroom.services.html import templates

if TYPE_CHECKING:
    from jinja2 import Environment

WEB = Path(__file__).with_name("web")
ASSETS: tuple[str, ...] = ("status.js", "status.css")  # served beside the page
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'"
)
"""The page's Content-Security-Policy: in its `<meta>` too, so a static host
that sets no header still runs no inline script (`frame-ancestors` works in
the header only: the server adds it)."""

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


BLOCKS_MAX = 5000  # incident blocks kept rendered (about 90 days of a busy page)


class _Blocks:
    """Each incident's rendered block, kept while the incident is the same."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[PageConfig, bool, str], tuple[PublicIncident, Any]] = {}

    def block(
        self, config: PageConfig, incident: PublicIncident, past: bool, local: Callable
    ) -> Any:
        key = (config, past, incident.id)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == incident:
            return kept[1]
        from markupsafe import Markup

        template = _environment().get_template("incident.html")
        html = Markup(
            template.render(incident=incident, config=config, local=local, past=past).strip()
        )
        with self._lock:
            if len(self._kept) >= BLOCKS_MAX:
                self._kept.clear()
            self._kept[key] = (incident, html)
        return html


_BLOCKS = _Blocks()


def render_html(page: PublicPage) -> str:
    """The status page (`/status`, `index.html`)."""
    config = page.config
    zone = ZoneInfo(config.time_zone)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    active = [_BLOCKS.block(config, incident, False, local) for incident in page.unresolved]
    past = [_BLOCKS.block(config, incident, True, local) for incident in page.recent]
    template = _environment().get_template("status.html")
    return template.render(
        page=page, config=config, local=local, active=active, past=past, csp=PAGE_CSP
    )


def asset(name: str) -> bytes:
    """One of ASSETS (the page's script and style sheet)."""
    if name not in ASSETS:
        raise KeyError(name)
    return (WEB / name).read_bytes()
