"""The server's access tokens in an SQL store: the `TokenTable` capability
of `SQLStore` (`warroom.store.base`).  A token's lookup is one indexed read
on every request, in autocommit, so a revocation by another process (or
replica) holds from the next request.  The table itself is part of the
store's schema (`store/tables.py`, migration 0002).
"""

from __future__ import annotations

from warroom.core.errors import Conflict
from warroom.store.base import TokenRow
from warroom.store.sql.database import Database

_COLUMNS = "hash, name, role, created_at, revoked_at"


class SQLTokens:
    """The `tokens` table of one store."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, row: TokenRow) -> None:
        try:
            with self._db.write(serial=False) as conn:
                conn.execute(
                    "INSERT INTO tokens (name, role, hash, created_at, revoked_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (row.name, row.role, row.hash, row.created_at, row.revoked_at),
                )
        except self._db.integrity_error:
            raise Conflict(f"an active token is named {row.name!r} already") from None
        except self._db.error as error:
            raise self._db.failure(error) from None

    def rows(self, include_revoked: bool = True) -> list[TokenRow]:
        query = f"SELECT {_COLUMNS} FROM tokens"
        if not include_revoked:
            query += " WHERE revoked_at IS NULL"
        return [TokenRow(*row) for row in self._read(query + " ORDER BY id", ())]

    def revoke(self, name: str, revoked_at: str) -> TokenRow | None:
        try:
            with self._db.write(serial=False) as conn:
                row = conn.execute(
                    f"SELECT id, {_COLUMNS} FROM tokens WHERE name = ? AND revoked_at IS NULL"
                    + self._db.for_update,
                    (name,),
                ).fetchone()
                if row is None:
                    return None
                conn.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", (revoked_at, row[0]))
        except self._db.error as error:
            raise self._db.failure(error) from None
        return TokenRow(*row[1:5], revoked_at=revoked_at)

    def by_hash(self, digest: str) -> TokenRow | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM tokens WHERE hash = ?", (digest,))
        return TokenRow(*rows[0]) if rows else None

    def _read(self, query: str, params: tuple[str, ...]) -> list[tuple[str, ...]]:
        try:
            return self._db.read(query, params)
        except self._db.error as error:
            raise self._db.failure(error) from None
