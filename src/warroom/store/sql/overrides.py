"""On-call overrides in an SQL store: the `OverrideTable` capability of
`SQLStore` (`warroom.store.base`).  The table is part of the store's schema
(`store/tables.py`, migration 0005)."""

from __future__ import annotations

from warroom.store.base import OverrideRow
from warroom.store.sql.database import Database

_COLUMNS = (
    "id, schedule, person, starts_at, ends_at, created_by, created_at, removed_by, removed_at"
)


class SQLOverrides:
    """The `oncall_overrides` table of one store."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self, schedule: str, person: str, starts_at: str, ends_at: str, actor: str, at: str
    ) -> OverrideRow:
        with self._db.write(serial=False) as conn:
            new_id = conn.execute(
                "INSERT INTO oncall_overrides"
                " (schedule, person, starts_at, ends_at, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (schedule, person, starts_at, ends_at, actor, at),
            ).fetchone()[0]
            return OverrideRow(new_id, schedule, person, starts_at, ends_at, actor, at)

    def rows(self, ending_after: str | None = None) -> list[OverrideRow]:
        query = f"SELECT {_COLUMNS} FROM oncall_overrides WHERE removed_at IS NULL"
        params: tuple[str, ...] = ()
        if ending_after is not None:
            query += " AND ends_at > ?"
            params = (ending_after,)
        return [OverrideRow(*row) for row in self._db.read(query + " ORDER BY id", params)]

    def remove(self, override_id: int, actor: str, at: str) -> OverrideRow | None:
        with self._db.write(serial=False) as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM oncall_overrides WHERE id = ? AND removed_at IS NULL"
                + self._db.for_update,
                (override_id,),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE oncall_overrides SET removed_by = ?, removed_at = ? WHERE id = ?",
                (actor, at, override_id),
            )
        return OverrideRow(*row)
