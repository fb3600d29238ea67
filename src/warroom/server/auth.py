"""Bearer tokens on every API call: 401 without a valid one, 403 when the
token's role lacks the permission the call needs (`warroom.server.tokens`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from anyio import to_thread
from fastapi import HTTPException, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warroom.server.errors import BEARER_CHALLENGE
from warroom.server.tokens import PERMISSIONS, TokenInfo, TokenStore, roles_with

bearer = HTTPBearer(
    auto_error=False,
    description="a token from `warroom token create`, as `Authorization: Bearer wr_...`",
)
_PERMISSIONS = frozenset().union(*PERMISSIONS.values())
_KNOWN = _PERMISSIONS | frozenset(PERMISSIONS)


def _unauthorized(detail: str, invalid: bool) -> HTTPException:
    challenge = BEARER_CHALLENGE + (', error="invalid_token"' if invalid else "")
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


def authenticate(tokens: TokenStore, token: str | None) -> TokenInfo:
    """The active token `token` names; 401 if there is none, it is unknown or revoked."""
    if token is None:
        raise _unauthorized("a token is needed: send `Authorization: Bearer <token>`", False)
    # Every request sees the newest revocations.  On SQLite the server calls
    # this on the event loop: one indexed read on the token store's own
    # connection (a WAL reader never waits for writers), cheaper than a hop
    # to the thread pool; on PostgreSQL (a round trip) in a worker thread.
    info = tokens.verify(token)
    if info is None:
        raise _unauthorized("the token is not valid", invalid=True)
    if info.revoked:
        raise _unauthorized("the token was revoked", invalid=True)
    return info


async def checked(tokens: TokenStore, token: str | None) -> TokenInfo:
    """`authenticate` from the event loop: in a worker thread where the token
    store's reads go over the network (PostgreSQL), so no request stalls the
    loop; on it otherwise (SQLite: one indexed local read)."""
    if tokens.reads_block:
        return await to_thread.run_sync(authenticate, tokens, token)
    return authenticate(tokens, token)


async def verified(tokens: TokenStore, secret: str) -> TokenInfo | None:
    """`tokens.verify(secret)` from the event loop, as `checked` reads."""
    if tokens.reads_block:
        return await to_thread.run_sync(tokens.verify, secret)
    return tokens.verify(secret)


def authorize(info: TokenInfo, need: str | None) -> TokenInfo:
    """`info` if its role allows `need` (a permission, or a role name meaning
    all of that role's permissions; None: any valid token); 403 otherwise."""
    if need is not None and not info.allows(need):
        if need in _PERMISSIONS:
            roles = roles_with(need)
            named = " or ".join([", ".join(roles[:-1]), roles[-1]] if len(roles) > 1 else roles)
            wanted = f"the {need} permission (role {named})"
        else:
            wanted = f"the {need} role"
        raise HTTPException(
            403, f"this needs {wanted}; the token {info.name!r} has the role {info.role}"
        )
    return info


def requirement(
    tokens: TokenStore, need: str | None
) -> Callable[[HTTPAuthorizationCredentials | None], Awaitable[TokenInfo]]:
    """A dependency that admits valid tokens allowed `need` (see `authorize`)."""
    if need is not None and need not in _KNOWN:
        raise ValueError(f"unknown permission or role {need!r}")

    async def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> TokenInfo:
        token = credentials.credentials if credentials else None
        return authorize(await checked(tokens, token), need)

    return authorised
