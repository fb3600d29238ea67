"""Outbound notifications and pages, delivered reliably from the store.

- `enqueue(store, deliveries)`: ask for messages to be sent (one per event,
  route and target; asking twice changes nothing).  The escalation runner
  uses it for pages; the sender's router for notifications.
- `warroom.services.notify.router`: which events produce which deliveries,
  from the sender's own `[[notify]]` routes.
- `warroom.services.notify.sender`: the sender (claims with a lease, sends
  through Apprise or a command, retries with backoff, rate limits and
  digests, a failing route's timeline entries).

Light to import: Apprise is loaded only when a message is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import UsageError
from warroom.core.times import format_time
from warroom.store.base import DELIVERY_KINDS, Delivery, DeliveryQueue, DeliveryStore, Store

__all__ = ["Delivery", "delivery_queue", "enqueue", "room_link", "sender_running"]

NO_QUEUE = (
    "deliveries are kept in the store's file: run the sender (`warroom serve` or "
    "`warroom notifier`) over --db, not against a server"
)


def delivery_queue(store: Store) -> DeliveryQueue:
    """The store's deliveries table; UsageError for a store without one."""
    if not isinstance(store, DeliveryStore):
        raise UsageError(NO_QUEUE)
    return store.deliveries()


def enqueue(
    store: Store,
    deliveries: Sequence[Delivery],
    clock: Clock = SYSTEM_CLOCK,
    at: datetime | None = None,
) -> int:
    """Record `deliveries` as pending (those already known are left as they
    are); how many were new.  Each is sent when due (`Delivery.due`, a wire
    time; None: now) by the store's active sender."""
    for delivery in deliveries:
        if delivery.kind not in DELIVERY_KINDS:
            raise ValueError(f"delivery kind {delivery.kind!r} is not one of {DELIVERY_KINDS}")
    return delivery_queue(store).enqueue(deliveries, format_time(at or clock.now()))


def room_link(public_url: str | None) -> Callable[[str], str | None] | None:
    """A message's link to an incident's room view (`/rooms/ID` under
    `public_url`), when one is configured."""
    base = (public_url or "").rstrip("/")
    if not base:
        return None
    return lambda incident_id: f"{base}/rooms/{incident_id}"


NO_SENDER = (
    "no sender is running for this store (`warroom serve` or `warroom notifier`): "
    "nobody is paged or notified until one runs"
)


def sender_running(store: Store, clock: Clock = SYSTEM_CLOCK) -> bool:
    """Whether a sender holds the store's sender lease now (a store without
    deliveries, such as a server's client: assumed yes, the server sends)."""
    if not isinstance(store, DeliveryStore):
        return True
    return store.deliveries().sender_active(format_time(clock.now()))
