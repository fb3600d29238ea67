"""The critical-alert banner of the home screen and the walls.

While the alert inbox holds critical alerts, one line in the error colour
names the newest (its summary, shown literally: alert text is untrusted) and
how many there are; hidden otherwise.  A critical alert that arrives while the
banner's screen is shown is also announced with a notification.  Fed by the
app's `InboxMonitor` (tui/inbox.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from warroom.tui.context import warroom_app
from warroom.tui.inbox import InboxState
from warroom.tui.safe import notify, safe_line

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord

ANNOUNCED = 3  # new critical alerts named in notifications at once; the rest counted
SUMMARY_LIMIT = 300  # characters of a summary in a notification


def alert_line(alert: AlertRecord, limit: int = 200) -> Content:
    """`summary · service · source` of an alert, safe, one line."""
    parts: list[Content | str | tuple[str, str]] = [safe_line(alert.summary or alert.id, limit)]
    if alert.service:
        parts += [("  ·  ", "dim"), safe_line(alert.service, 60)]
    parts += [("  ·  ", "dim"), safe_line(alert.source, 20)]
    return Content.assemble(*parts)


def announcement(alert: AlertRecord) -> str:
    """The notification's text (cleaned and never parsed by `notify`)."""
    summary = alert.summary or alert.id
    if len(summary) > SUMMARY_LIMIT:
        summary = summary[: SUMMARY_LIMIT - 1] + "…"
    service = f" ({alert.service[:60]})" if alert.service else ""
    return f"new critical alert{service}: {summary}"


class InboxBanner(Static):
    """The newest critical alert in the inbox, and how many there are."""

    DEFAULT_CSS = """
    InboxBanner {
        height: 1;
        padding: 0 1;
        background: $error;
        color: $text;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        display: none;
    }
    """

    def __init__(self, hint: str = "", *, id: str | None = "inbox-banner") -> None:
        """`hint`: what to press for the inbox (none on a wall)."""
        super().__init__("", markup=False, id=id)
        self.hint = hint
        self.state: InboxState | None = None

    def on_mount(self) -> None:
        monitor = warroom_app(self).inbox_monitor()
        monitor.changed.subscribe(self, self.show)
        if monitor.state is not None:
            self.show(monitor.state, announce=False)

    def show(self, state: InboxState, announce: bool = True) -> None:
        self.state = state
        self.display = bool(state.critical)
        if state.critical:
            newest = state.critical[0]
            count = state.critical_count
            what = "CRITICAL ALERT" if count == 1 else f"{count} CRITICAL ALERTS"
            # the key before the text: a narrow screen cuts the text, not the key
            parts: list[Content | str | tuple[str, str]] = [(f"⚠ {what} ", "bold")]
            if self.hint:
                parts += [("(", "bold"), (self.hint, "bold"), (") ", "bold")]
            parts.append(alert_line(newest))
            self.update(Content.assemble(*parts))
        if announce and self.screen.is_current:
            for alert in state.new[:ANNOUNCED]:
                notify(self, announcement(alert), severity="error", timeout=15)
            more = len(state.new[ANNOUNCED:]) + state.new_more
            if more:
                notify(self, f"+{more} more new critical alerts", severity="error", timeout=15)
