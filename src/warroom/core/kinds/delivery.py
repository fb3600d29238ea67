"""Outbound deliveries on an incident's timeline: a route (to one target)
started failing, and it works again.  One entry each way, never one per
message (the deliveries themselves are rows in the store, listed by
`warroom notify status`).  Written by the sender (actor `notifier`) only;
targets are shown with their secrets masked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.kinds.base import KindData, KindSpec, accept, unchanged

if TYPE_CHECKING:
    from warroom.core.kinds.fields import Name, Text, Url


class DeliveryFailing(KindData):
    route: Name
    target: Url  # masked
    error: Text


class DeliveryRecovered(KindData):
    route: Name
    target: Url  # masked


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
        fold=unchanged,
        describe=_describe_failing,
    ),
    KindSpec(
        name="delivery_recovered",
        model=DeliveryRecovered,
        label="notify",
        description="a notification route that was failing delivers again",
        category="comms",
        check=accept,
        fold=unchanged,
        describe=lambda d: f"notifications on {d['route']} to {d['target']} are delivered again",
    ),
)
