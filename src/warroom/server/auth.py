"""Bearer tokens on every API call: 401 without a valid one, 403 for a role too low."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import HTTPException, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warroom.server.errors import BEARER_CHALLENGE
from warroom.server.tokens import ROLES, TokenInfo, TokenStore

bearer = HTTPBearer(
    auto_error=False,
    description="a token from `warroom token create`, as `Authorization: Bearer wr_...`",
)


def _unauthorized(detail: str, invalid: bool) -> HTTPException:
    challenge = BEARER_CHALLENGE + (', error="invalid_token"' if invalid else "")
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


def requirement(
    tokens: TokenStore, role: str
) -> Callable[[HTTPAuthorizationCredentials | None], Awaitable[TokenInfo]]:
    """A dependency that admits tokens whose role is at least `role`."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    async def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> TokenInfo:
        if credentials is None:
            raise _unauthorized(
                "a token is needed: send `Authorization: Bearer <token>`", invalid=False
            )
        # On the event loop: one indexed read on the token store's own
        # connection (a WAL reader never waits for writers), cheaper than a
        # hop to the thread pool; every request sees the newest revocations.
        info = tokens.verify(credentials.credentials)
        if info is None:
            raise _unauthorized("the token is not valid", invalid=True)
        if info.revoked:
            raise _unauthorized("the token was revoked", invalid=True)
        if not info.allows(role):
            raise HTTPException(
                403, f"this needs the {role} role; the token {info.name!r} is a {info.role}"
            )
        return info

    return authorised
