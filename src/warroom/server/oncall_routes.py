"""The on-call overrides kept in the server's store: GET (viewers too), POST
and DELETE (responders and admins) /api/v1/oncall/overrides, so `warroom
oncall` over --server reads them and `warroom oncall override` writes them.
The server checks a posted override by the same rules as a local store
(`services.oncall.add_override`) against its own on-call tables: an unknown
schedule or person is a 422 naming it (an alias is stored as the person's
name).  The actor is the token's name.

(No `from __future__ import annotations`: FastAPI must see the annotations.)
"""

from dataclasses import asdict
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from warroom.core.clock import Clock
from warroom.core.errors import NotFound, UsageError
from warroom.core.oncall.model import OnCall
from warroom.core.times import format_time, parse_wire_time
from warroom.server.auth import requirement
from warroom.server.errors import error_responses
from warroom.server.tokens import READ, WRITE, TokenInfo, TokenStore
from warroom.services.oncall import add_override, override_table
from warroom.store.base import Store

API = "/api/v1"


class OverrideOut(BaseModel):
    """One override as the store keeps it (wire times)."""

    id: int
    schedule: str
    person: str
    starts_at: str
    ends_at: str
    created_by: str
    created_at: str
    removed_by: str | None = None
    removed_at: str | None = None


class OverrideIn(BaseModel):
    schedule: str
    person: str
    starts_at: str
    ends_at: str


def add_oncall_routes(
    router: APIRouter, store: Store, tokens: TokenStore, clock: Clock, oncall: OnCall | None = None
) -> None:
    """The overrides endpoints on `router`; `oncall`: the server's on-call
    tables, which a posted override must name (none: no schedule is known)."""
    tables = oncall or OnCall()
    Viewer = Annotated[TokenInfo, Depends(requirement(tokens, READ))]
    Responder = Annotated[TokenInfo, Depends(requirement(tokens, WRITE))]
    path = API + "/oncall/overrides"

    @router.get(
        path,
        response_model=list[OverrideOut],
        responses=error_responses(401, 403, 422),
        tags=["oncall"],
    )
    async def overrides(
        token: Viewer,
        ending_after: Annotated[str | None, Query(description="a wire time")] = None,
    ) -> list[dict[str, object]]:
        table = override_table(store)
        rows = await to_thread.run_sync(lambda: table.override_rows(ending_after))
        return [asdict(row) for row in rows]

    @router.post(
        path,
        response_model=OverrideOut,
        responses=error_responses(401, 403, 422),
        tags=["oncall"],
    )
    async def add(body: OverrideIn, token: Responder) -> dict[str, object]:
        try:
            start, end = parse_wire_time(body.starts_at), parse_wire_time(body.ends_at)
        except ValueError as error:
            raise UsageError(f"override times: {error}") from None
        if end <= start:
            raise UsageError("ends_at must be after starts_at")
        row = await to_thread.run_sync(
            lambda: add_override(
                store, tables, body.schedule, body.person, start, end, token.name, clock
            )
        )
        return asdict(row)

    @router.delete(
        path + "/{override_id}",
        response_model=OverrideOut,
        responses=error_responses(401, 403, 404, 422),
        tags=["oncall"],
    )
    async def remove(override_id: int, token: Responder) -> dict[str, object]:
        table = override_table(store)
        now = format_time(clock.now())
        row = await to_thread.run_sync(lambda: table.remove_override(override_id, token.name, now))
        if row is None:
            raise NotFound(f"no override {override_id} to remove")
        return asdict(row)
