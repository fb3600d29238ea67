"""GET /api/v1/deliveries: the server's pages and notifications as
`warroom notify status` lists them (targets' secrets masked), for responders
and admins.

(No `from __future__ import annotations`: FastAPI must see the annotations.)
"""

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from warroom.server.auth import requirement
from warroom.server.errors import error_responses
from warroom.server.tokens import WRITE, TokenInfo, TokenStore
from warroom.services.notify.status import shown_deliveries
from warroom.store.base import Store

API = "/api/v1"


class DeliveryOut(BaseModel):
    """One delivery as `warroom notify status --json` shows it."""

    id: int
    event_id: str
    incident: str
    kind: str
    route: str
    target: str
    state: str
    attempts: int
    last_error: str | None = None


def add_delivery_routes(router: APIRouter, store: Store, tokens: TokenStore) -> None:
    """The deliveries endpoint on `router`."""
    Responder = Annotated[TokenInfo, Depends(requirement(tokens, WRITE))]

    @router.get(
        API + "/deliveries",
        response_model=list[DeliveryOut],
        responses=error_responses(401, 403, 422),
        tags=["notify"],
    )
    async def deliveries(
        token: Responder,
        failed: Annotated[bool, Query(description="failed deliveries only")] = False,
        all: Annotated[bool, Query(description="sent ones too")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        return await to_thread.run_sync(lambda: shown_deliveries(store, failed, all, limit))
