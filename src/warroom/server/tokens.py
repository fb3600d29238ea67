"""Access tokens for the warroom server, kept in the server's own store.

A token is `wr_` plus 256 random bits (URL-safe base64).  Only its SHA-256
is stored (a high-entropy secret needs no slow hash); a presented token is
looked up by its hash and the hashes compared in constant time.  The lookup
runs on every request as one indexed read that sees the newest commit (the
store's `TokenTable` capability, `warroom.store.base`), so a revocation -- by
the API or by `warroom token revoke` in another process -- holds from the
very next request; a live stream re-checks its token (`still_valid`) at every
heartbeat.  Each token has a unique name (the actor of every event written
with it) and a role, which is a set of permissions (`PERMISSIONS`): viewer
reads and streams; responder also writes and posts alerts; admin also manages
tokens and imports; alerts posts alerts and nothing else (a monitoring tool's
token: it cannot read incidents).

This module imports no web framework: `warroom token ...` uses it directly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import Conflict, NotFound, UsageError
from warroom.core.times import format_time
from warroom.store.base import TokenRow, TokenTable

TOKEN_PREFIX = "wr_"
# What a token may do.
READ = "read"  # incidents, events, streams, the alert inbox
WRITE = "write"  # append events, declare, act on the alert inbox
ALERTS = "alerts"  # post alerts to the webhooks
ADMIN = "admin"  # tokens, import
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({READ}),
    "responder": frozenset({READ, WRITE, ALERTS}),
    "admin": frozenset({READ, WRITE, ALERTS, ADMIN}),
    "alerts": frozenset({ALERTS}),
}
ROLES: tuple[str, ...] = tuple(PERMISSIONS)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
NAME_HELP = "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
_TOKEN_MAX = 200


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known about a token (never the token itself)."""

    name: str
    role: str
    created_at: str
    revoked_at: str | None = None
    # The token's SHA-256 when it was looked up by `verify` (to re-check it later).
    digest: str = field(default="", repr=False, compare=False)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def permissions(self) -> frozenset[str]:
        return PERMISSIONS.get(self.role, frozenset())

    def allows(self, needed: str) -> bool:
        """Whether this token may do `needed`: a permission (READ, WRITE,
        ALERTS, ADMIN), or a role name meaning everything that role may do."""
        wanted = PERMISSIONS.get(needed, frozenset({needed}))
        return wanted <= self.permissions

    def to_public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokenStore:
    """The server's tokens: made, listed, revoked and verified here; kept in
    the store's token table."""

    def __init__(self, table: TokenTable, clock: Clock = SYSTEM_CLOCK) -> None:
        self._table = table
        self._clock = clock
        # A read over the network (PostgreSQL) would stall the event loop:
        # the server verifies in a worker thread then.
        self.reads_block: bool = getattr(table, "reads_over_network", False)

    @classmethod
    def for_store(cls, store: object, clock: Clock = SYSTEM_CLOCK) -> TokenStore:
        """The tokens of a store that keeps them (the server's own store)."""
        if not isinstance(store, TokenTable):
            raise UsageError("tokens live in the server's SQLite file: give --db, not --server")
        return cls(store, clock)

    def create(self, name: str, role: str) -> str:
        """Make a new token; returns it (the only time it is ever shown)."""
        check_name(name)
        if role not in ROLES:
            raise UsageError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = TokenRow(token_hash(token), name, role, format_time(self._clock.now()))
        try:
            self._table.add_token(row)
        except Conflict:
            raise UsageError(
                f"a token named {name!r} already exists; revoke it first or pick another name"
            ) from None
        return token

    def list(self, include_revoked: bool = True) -> list[TokenInfo]:
        return [_info(row) for row in self._table.token_rows(include_revoked)]

    def revoke(self, name: str) -> TokenInfo:
        """Revoke the active token called `name`; NotFound if there is none."""
        row = self._table.revoke_token(name, format_time(self._clock.now()))
        if row is None:
            raise NotFound(f"no active token named {name!r}; `warroom token list`")
        return _info(row)

    def verify(self, token: str) -> TokenInfo | None:
        """The token's record (revoked ones included), or None if unknown."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > _TOKEN_MAX:
            return None
        digest = token_hash(token)
        row = self._table.token_by_hash(digest)
        if row is not None and hmac.compare_digest(row.hash.encode(), digest.encode()):
            return _info(row)
        return None

    def still_valid(self, info: TokenInfo) -> bool:
        """Whether the token `verify` gave `info` for is still active (one
        indexed read, like `verify`)."""
        row = self._table.token_by_hash(info.digest)
        return row is not None and row.revoked_at is None


def _info(row: TokenRow) -> TokenInfo:
    return TokenInfo(row.name, row.role, row.created_at, row.revoked_at, digest=row.hash)


def roles_with(permission: str) -> list[str]:
    """The roles that have `permission` (for messages)."""
    return [role for role, permissions in PERMISSIONS.items() if permission in permissions]


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise UsageError(f"token name {name!r} is not valid: {NAME_HELP}")
