"""Outbound deliveries on an incident's timeline: a route (to one target)
started failing for this incident's messages, and it works again.  One
entry each way per incident, never one per message (the deliveries
themselves are rows in the store, listed by `warroom notify status`).
Written by the sender (actor `notifier`) only; targets are shown with their
secrets masked.  The fold keeps the routes failing now
(`Incident.failing_deliveries`), which the TUI marks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.kinds.base import KindData, KindSpec, accept

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import Name, Text, Url


class DeliveryFailing(KindData):
    route: Name
    target: Url  # masked
    error: Text


class DeliveryRecovered(KindData):
    route: Name
    target: Url  # masked


def failing_key(data: dict[str, Any]) -> str:
    """How `Incident.failing_deliveries` names a route's target: "ROUTE TARGET"."""
    return f"{data['route']} {data['target']}"


def _fold_failing(state: Incident, event: Event, catalog: Catalog) -> None:
    key = failing_key(event.data)
    if key not in state.failing_deliveries:
        state.failing_deliveries.append(key)


def _fold_recovered(state: Incident, event: Event, catalog: Catalog) -> None:
    key = failing_key(event.data)
    if key in state.failing_deliveries:
        state.failing_deliveries.remove(key)


def _describe_failing(d: dict[str, Any]) -> str:
    return f"notifications on {d['route']} to {d['target']} are failing: {d['error']}"


SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        name="delivery_failing",
        model=DeliveryFailing,
        label="notify",
        description="a notification route started failing (retried until it works or gives up)",
        category="comms",
        check=accept,
        fold=_fold_failing,
        describe=_describe_failing,
    ),
    KindSpec(
        name="delivery_recovered",
        model=DeliveryRecovered,
        label="notify",
        description="a notification route that was failing delivers again",
        category="comms",
        check=accept,
        fold=_fold_recovered,
        describe=lambda d: f"notifications on {d['route']} to {d['target']} are delivered again",
    ),
)
