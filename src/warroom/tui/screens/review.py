"""Opening the screens about what comes after the incident: the follow-ups
across incidents, an incident's postmortem draft, the response metrics.
Each is imported when first opened (the metrics screen brings the plotting
library), so the home screen and the war room start without them."""

from __future__ import annotations

from typing import Any, Protocol

from textual.app import App

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.store.base import Store


class ReviewSource(Protocol):
    """What these screens are opened from (the list, a war room)."""

    store: Store
    catalog: Catalog
    clock: Clock
    actor: str

    @property
    def app(self) -> App[Any]: ...


def show_followups(screen: ReviewSource) -> None:
    from warroom.tui.screens.followups import FollowupsScreen

    screen.app.push_screen(
        FollowupsScreen(screen.store, screen.catalog, screen.clock, screen.actor)
    )


def show_metrics(screen: ReviewSource) -> None:
    from warroom.tui.screens.metrics import MetricsScreen

    screen.app.push_screen(MetricsScreen(screen.store, screen.catalog, screen.clock))


def show_postmortem(screen: ReviewSource, incident_id: str) -> None:
    from warroom.tui.screens.postmortem import PostmortemScreen

    screen.app.push_screen(
        PostmortemScreen(screen.store, screen.catalog, screen.clock, incident_id)
    )
