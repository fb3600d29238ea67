"""`warroom notify status`: the deliveries as listings show them (targets'
secrets masked), from the store's file or from a server (GET /api/v1/deliveries,
which answers with the same list)."""

from __future__ import annotations

from typing import Any

from warroom.core.errors import NotFound, Refused, StoreUnavailable
from warroom.services.notify import delivery_queue
from warroom.store.base import DELIVERY_STATES, DeliveryStore, Store


def delivery_states(failed: bool = False, everything: bool = False) -> tuple[str, ...]:
    """The states listed: failed ones only, every one (sent and cancelled
    too), or (by default) pending and failed."""
    if failed:
        return ("failed",)
    return DELIVERY_STATES if everything else ("pending", "failed")


def shown_deliveries(
    store: Store, failed: bool = False, everything: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """The deliveries, newest first, each as a JSON object with its target masked;
    from the server over --server, else from the store's deliveries table."""
    if not isinstance(store, DeliveryStore):
        from warroom.store.http import HTTPStore

        if isinstance(store, HTTPStore):
            return _from_server(store, failed, everything, limit)
    from warroom.services.notify.transport import shown

    rows = delivery_queue(store).rows(delivery_states(failed, everything), limit=max(1, limit))
    refs: dict[str, str] = {}
    for row in rows:
        if row.incident_id not in refs:
            try:
                refs[row.incident_id] = store.incident(row.incident_id).ref
            except NotFound:
                refs[row.incident_id] = row.incident_id[:8]
    return [
        {
            "id": row.id,
            "event_id": row.event_id,
            "incident": refs[row.incident_id],
            "kind": row.kind,
            "route": row.route,
            "target": shown(row.target),
            "state": row.state,
            "attempts": row.attempts,
            "last_error": row.last_error,
        }
        for row in rows
    ]


def _from_server(store: Any, failed: bool, everything: bool, limit: int) -> list[dict[str, Any]]:
    from warroom.store.transport import Unreachable, error_of, json_of

    params = {"failed": int(failed), "all": int(everything), "limit": max(1, limit)}
    try:
        answer = store.transport.call("GET", "/deliveries", params=params)
        if answer.status_code == 200:
            found = json_of(answer)
            if isinstance(found, list) and all(isinstance(item, dict) for item in found):
                return found
            raise StoreUnavailable("the server's deliveries are not a list of objects")
    except Unreachable as error:
        raise StoreUnavailable(f"deliveries need the server, unreachable now: {error}") from None
    code, detail = error_of(answer)
    if answer.status_code == 403:
        raise Refused(f"the server refused: {detail}")
    raise StoreUnavailable(f"the server answered {answer.status_code} {code}: {detail}")
