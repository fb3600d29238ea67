"""On-call overrides in the SQLite store's file: the `OverrideTable`
capability of `SQLiteStore` (`warroom.store.base`), over the store's own
connection pool (writes `BEGIN IMMEDIATE`, the store id touched).  The table
is part of the store's schema (`store/tables.py`, migration 0005)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warroom.store.base import OverrideRow

if TYPE_CHECKING:
    from warroom.store.sqlite import _Pool

_COLUMNS = (
    "id, schedule, person, starts_at, ends_at, created_by, created_at, removed_by, removed_at"
)


class SQLiteOverrides:
    """The `oncall_overrides` table of one SQLite file."""

    def __init__(self, pool: _Pool) -> None:
        self._pool = pool

    def add(
        self, schedule: str, person: str, starts_at: str, ends_at: str, actor: str, at: str
    ) -> OverrideRow:
        with self._pool.write() as conn:
            cursor = conn.execute(
                "INSERT INTO oncall_overrides"
                " (schedule, person, starts_at, ends_at, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (schedule, person, starts_at, ends_at, actor, at),
            )
            assert cursor.lastrowid is not None
            return OverrideRow(cursor.lastrowid, schedule, person, starts_at, ends_at, actor, at)

    def rows(self, ending_after: str | None = None) -> list[OverrideRow]:
        query = f"SELECT {_COLUMNS} FROM oncall_overrides WHERE removed_at IS NULL"
        params: tuple[str, ...] = ()
        if ending_after is not None:
            query += " AND ends_at > ?"
            params = (ending_after,)
        with self._pool.connection() as conn:
            return [OverrideRow(*row) for row in conn.execute(query + " ORDER BY id", params)]

    def remove(self, override_id: int, actor: str, at: str) -> OverrideRow | None:
        with self._pool.write() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM oncall_overrides WHERE id = ? AND removed_at IS NULL",
                (override_id,),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE oncall_overrides SET removed_by = ?, removed_at = ? WHERE id = ?",
                (actor, at, override_id),
            )
        return OverrideRow(*row)
