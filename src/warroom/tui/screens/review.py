"""Opening the screens about what comes after the incident: the follow-ups
across incidents, an incident's postmortem draft, the response metrics.
Each is imported when first opened (the metrics screen brings the plotting
library), so the home screen and the war room start without them."""

from __future__ import annotations

from typing import Any


def show_followups(screen: Any) -> None:
    from warroom.tui.screens.followups import FollowupsScreen

    screen.app.push_screen(
        FollowupsScreen(screen.store, screen.catalog, screen.clock, screen.actor)
    )


def show_metrics(screen: Any) -> None:
    from warroom.tui.screens.metrics import MetricsScreen

    screen.app.push_screen(MetricsScreen(screen.store, screen.catalog, screen.clock))


def show_postmortem(screen: Any, incident_id: str) -> None:
    from warroom.tui.screens.postmortem import PostmortemScreen

    screen.app.push_screen(
        PostmortemScreen(screen.store, screen.catalog, screen.clock, incident_id)
    )
