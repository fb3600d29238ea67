"""The on-call overrides of a warroom server: the `OverrideTable` protocol
over /api/v1/oncall/overrides, for the http store.  Not cached: every call
asks the server.  The server records the token's name as the actor.

This module never imports the server package or a web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.errors import NotFound, Refused, StoreUnavailable, UsageError
from warroom.store.base import OverrideRow
from warroom.store.transport import Unreachable, error_of, json_of

if TYPE_CHECKING:
    import httpx

    from warroom.store.transport import Transport

PATH = "/oncall/overrides"


class RemoteOverrides:
    """`OverrideTable` against a warroom server (see `warroom.store.base`)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def add_override(
        self, schedule: str, person: str, starts_at: str, ends_at: str, actor: str, at: str
    ) -> OverrideRow:
        body = {"schedule": schedule, "person": person, "starts_at": starts_at, "ends_at": ends_at}
        return _row(json_of(self._call("POST", PATH, json=body)))

    def override_rows(self, ending_after: str | None = None) -> list[OverrideRow]:
        params = {} if ending_after is None else {"ending_after": ending_after}
        found = json_of(self._call("GET", PATH, params=params))
        if not isinstance(found, list):
            raise StoreUnavailable("the server's overrides are not a list")
        return [_row(item) for item in found]

    def remove_override(self, override_id: int, actor: str, at: str) -> OverrideRow | None:
        try:
            return _row(json_of(self._call("DELETE", f"{PATH}/{int(override_id)}")))
        except NotFound:
            return None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self.transport.call(method, path, **kwargs)
        except Unreachable as error:
            raise StoreUnavailable(f"overrides need the server, unreachable now: {error}") from None
        if 200 <= answer.status_code < 300:
            return answer
        code, detail = error_of(answer)
        if answer.status_code == 404:
            raise NotFound(detail)
        if answer.status_code == 403:
            raise Refused(f"the server refused: {detail}")
        if answer.status_code == 422:
            raise UsageError(detail)
        raise StoreUnavailable(f"the server answered {answer.status_code} {code}: {detail}")


def _row(item: Any) -> OverrideRow:
    try:
        return OverrideRow(
            int(item["id"]),
            str(item["schedule"]),
            str(item["person"]),
            str(item["starts_at"]),
            str(item["ends_at"]),
            str(item["created_by"]),
            str(item["created_at"]),
            item.get("removed_by"),
            item.get("removed_at"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise StoreUnavailable(f"the server's override is not readable: {error!r}") from None
