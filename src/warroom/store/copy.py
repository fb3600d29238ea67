"""Copy a whole store into another (`warroom db copy`): an SQLite file or a
PostgreSQL database into either, keeping everything as it is.

Every table's rows go across unchanged: event ids, seq, gseq, INC numbers,
actors, recorded times, the integer keys of tokens, overrides and
deliveries, and the store id, so the copy is the same store (an http
client's outbox keyed by that id keeps working against a server on it).

- The source is read in one snapshot (a read transaction), so what is
  copied is consistent even while it is in use.
- The destination is made or upgraded to the current schema first.  If it
  holds no events it takes the source's store id; if it holds another
  store's events it is refused, unchanged.  Holding the same store, it
  gets what it lacks: the events past its last one (its own must be the
  source's first ones, else it was written to since and is refused), and
  every other row it lacks or holds differently (the source's wins; rows
  only the destination has stay).  So a second run copies nothing new.
- The events and the incidents' read model go in one transaction, so the
  destination's log and read model always agree; each other table in one
  transaction of its own; rows in batches.  On PostgreSQL the sequences of
  integer keys are moved past the copied ids.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.config import is_postgres_url
from warroom.core.errors import StoreUnavailable, UsageError
from warroom.store.sql.database import Connection

if TYPE_CHECKING:
    from sqlalchemy import Table

    from warroom.store.sql.store import SQLStore

BATCH = 1000  # rows per statement batch
KEYS_AT_ONCE = 400  # destination rows looked up in one query
# What the summary names, in its order: table -> (one, several).
NAMED = {
    "alerts": ("alert", "alerts"),
    "tokens": ("token", "tokens"),
    "oncall_overrides": ("on-call override", "on-call overrides"),
    "deliveries": ("delivery", "deliveries"),
}
Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass
class Summary:
    """What one copy did: rows written per table (inserted or changed)."""

    source: str
    target: str
    store_id: str
    upgraded: str | None = None  # the source file's upgrade, if it needed one
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def nothing(self) -> bool:
        return not any(self.rows.values())

    def line(self) -> str:
        """The one-line summary a person reads."""
        if self.nothing:
            return f"nothing new to copy from {self.source} to {self.target}"
        events, incidents = self.rows.get("events", 0), self.rows.get("incidents", 0)
        parts = []
        if events or incidents:
            of = _count(incidents, "incident", "incidents")
            parts.append(f"{_count(events, 'event', 'events')} of {of}")
        for table, (one, several) in NAMED.items():
            if self.rows.get(table):
                parts.append(_count(self.rows[table], one, several))
        other = sum(n for t, n in self.rows.items() if t not in NAMED and t not in _LOG)
        if other:
            parts.append(_count(other, "other row", "other rows"))
        return f"copied {', '.join(parts)} from {self.source} to {self.target}"


_LOG = ("events", "incidents")


def _count(number: int, one: str, several: str) -> str:
    return f"{number} {one if number == 1 else several}"


def copy_store(
    source: str, target: str, password: str | None = None, progress: Progress | None = None
) -> Summary:
    """Copy the store at `source` into `target` (each an SQLite path or a
    postgresql:// URL; `password` for the PostgreSQL ends).  UsageError for
    bad input or a destination that cannot take this store; StoreUnavailable
    when an end cannot be opened."""
    _check_specs(source, target)
    src, upgraded = _open_source(source, password)
    try:
        dst = _open_target(target, password)
        try:
            summary = Summary(src.label, dst.label, "", upgraded)
            _Copy(src, dst, summary, progress or (lambda done, total: None)).run()
            return summary
        finally:
            dst.store.close()
    finally:
        src.store.close()


# -- the two ends ----------------------------------------------------------


@dataclass
class _End:
    store: SQLStore
    label: str
    postgres: bool
    path: Path | None = None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A connection reading one snapshot of the store, until the block ends."""
        begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if self.postgres else "BEGIN"
        try:
            with self.store.db.connection() as conn:
                conn.execute(begin)
                try:
                    yield conn
                finally:
                    conn.execute("ROLLBACK")
        except self.store.db.error as error:
            raise self.store.db.failure(error) from None

    def write(self) -> contextlib.AbstractContextManager[Connection]:
        return self.store.db.write()

    def one(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self.store.db.read(query, params)[0]


def _check_specs(source: str, target: str) -> None:
    """Refuse a malformed URL, a URL with a password, or one store twice,
    before either end is opened."""
    for flag, spec in (("--from", source), ("--to", target)):
        if is_postgres_url(spec):
            from warroom.store.pg_url import check_url

            check_url(spec, flag)
    same = (
        source == target
        if is_postgres_url(source) or is_postgres_url(target)
        else Path(source).expanduser().resolve() == Path(target).expanduser().resolve()
    )
    if same:
        raise UsageError("--from and --to name the same store; give two different ones")


def _open_source(spec: str, password: str | None) -> tuple[_End, str | None]:
    """The store to copy from, at the current schema (an older SQLite file is
    upgraded, as any command opening it does; an older database is refused
    with the way out)."""
    if is_postgres_url(spec):
        from warroom.store import pg_schema
        from warroom.store.pg_url import describe
        from warroom.store.postgres import PostgresStore

        label = describe(spec)
        if pg_schema.read_version(spec, password, label) == 0:
            raise StoreUnavailable(
                f"--from {label} has no warroom tables: there is nothing to copy"
            )
        return _End(PostgresStore(spec, password=password), label, True), None
    from warroom.store.sqlite import SQLiteStore, upgrade

    path = Path(spec).expanduser()
    before, after = upgrade(path)  # refuses a missing, empty, foreign or newer file
    upgraded = f"upgraded {path} from schema {before} to {after}" if before != after else None
    return _End(SQLiteStore(path), str(path), False, path), upgraded


def _open_target(spec: str, password: str | None) -> _End:
    """The store to copy into, made or upgraded to the current schema."""
    if is_postgres_url(spec):
        from warroom.store.pg_url import describe
        from warroom.store.postgres import PostgresStore

        store = PostgresStore(spec, password=password, migrate=True)
        return _End(store, describe(spec), True)
    from warroom.store.sqlite import SQLiteStore

    path = Path(spec).expanduser()
    return _End(SQLiteStore(path), str(path), False, path)


# -- copying ---------------------------------------------------------------


class _Copy:
    def __init__(self, src: _End, dst: _End, summary: Summary, progress: Progress) -> None:
        from warroom.store.tables import TABLES

        self.src = src
        self.dst = dst
        self.summary = summary
        self.progress = progress
        self.tables = {table.name: _TableInfo(table) for table in TABLES}
        self.done = 0
        self.total = 0

    def run(self) -> None:
        with self.src.snapshot() as read:
            src_id = str(read.execute('SELECT id FROM store_id WHERE "only" = 1').fetchone()[0])
            self.summary.store_id = src_id
            self._guarded(lambda: self._adopt_id(src_id))
            self.total = self._total(read)
            self.progress(0, self.total)
            self._guarded(lambda: self._copy_log(read, src_id))
            for name, info in self.tables.items():
                if name not in ("store_id", *_LOG):
                    self._guarded(lambda info=info: self._copy_table(read, info))

    def _guarded(self, step: Callable[[], None]) -> None:
        db = self.dst.store.db
        try:
            step()
        except db.integrity_error as error:
            raise UsageError(
                f"--to {self.dst.label} holds rows that clash with the source's "
                f"({_first_line(error)}); nothing of that table was copied"
            ) from None
        except db.error as error:
            raise db.failure(error) from None

    def _adopt_id(self, src_id: str) -> None:
        """A destination without events takes the source's store id; one
        with another store's events is refused."""
        dst_id, events = self.dst.one(
            'SELECT id, (SELECT COUNT(*) FROM events) FROM store_id WHERE "only" = 1'
        )
        if dst_id == src_id:
            return
        if events:
            raise UsageError(
                f"--to {self.dst.label} holds {_count(events, 'event', 'events')} of another "
                f"store (store id {str(dst_id)[:12]}; the source's is {src_id[:12]}); nothing "
                "was copied. "
                "Copy into an empty database or file"
            )
        with self.dst.write() as conn:
            conn.execute('UPDATE store_id SET id = ? WHERE "only" = 1', (src_id,))
        if self.dst.path is not None:
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Move the new id into the SQLite file itself: the file and its WAL
        must name the same store (`warroom.store.guard`)."""
        with self.dst.store.db.connection() as conn:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            raise StoreUnavailable(
                f"--to {self.dst.label} is in use by another warroom; stop it and copy again"
            )

    def _total(self, read: Connection) -> int:
        total = 0
        for name in self.tables:
            if name != "store_id":
                total += read.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
        return total

    def _copy_log(self, read: Connection, src_id: str) -> None:
        """The events the destination lacks and the incidents' read model, in
        one transaction."""
        with self.dst.write() as conn:
            last, count = conn.execute(
                "SELECT COALESCE(MAX(gseq), 0), COUNT(*) FROM events"
            ).fetchone()
            self._check_prefix(read, conn, last, count)
            self._step(count)
            info = self.tables["events"]
            written = 0
            cursor = last
            while True:
                rows = read.execute(
                    f"SELECT {info.columns} FROM events WHERE gseq > ? ORDER BY gseq LIMIT ?",
                    (cursor, BATCH),
                ).fetchall()
                if not rows:
                    break
                conn.executemany(info.insert, [info.normal(row) for row in rows])
                cursor = rows[-1][0]
                written += len(rows)
                self._step(len(rows))
            self.summary.rows["events"] = written
            self._sync(read, conn, self.tables["incidents"])
            self._advance_sequence(conn, info)

    def _check_prefix(self, read: Connection, conn: Connection, last: int, count: int) -> None:
        """The destination's events must be the source's first ones."""
        if not last:
            return
        found = read.execute(
            "SELECT COUNT(*), (SELECT id FROM events WHERE gseq = ?) FROM events WHERE gseq <= ?",
            (last, last),
        ).fetchone()
        mine = conn.execute("SELECT id FROM events WHERE gseq = ?", (last,)).fetchone()[0]
        if tuple(found) != (count, mine):
            raise UsageError(
                f"--to {self.dst.label} holds events of this store that the source lacks "
                "(it was written to after an earlier copy); nothing was copied. Copy into "
                "an empty database or file, or copy the other way"
            )

    def _copy_table(self, read: Connection, info: _TableInfo) -> None:
        with self.dst.write() as conn:
            self._sync(read, conn, info)
            self._advance_sequence(conn, info)

    def _sync(self, read: Connection, conn: Connection, info: _TableInfo) -> None:
        """Write every source row the destination lacks or holds differently."""
        written = 0
        after: tuple[Any, ...] | None = None
        while True:
            if after is None:
                query, params = info.first_page, (KEYS_AT_ONCE,)
            else:
                query, params = info.next_page, (*after, KEYS_AT_ONCE)
            rows = [info.normal(row) for row in read.execute(query, params).fetchall()]
            if not rows:
                break
            after = info.key(rows[-1])
            theirs = {
                info.key(row): row
                for row in (
                    info.normal(found)
                    for found in conn.execute(*info.lookup([info.key(r) for r in rows])).fetchall()
                )
            }
            changed = [row for row in rows if theirs.get(info.key(row)) != row]
            if changed:
                conn.executemany(info.upsert, changed)
                written += len(changed)
            self._step(len(rows))
        self.summary.rows[info.name] = written

    def _advance_sequence(self, conn: Connection, info: _TableInfo) -> None:
        """PostgreSQL: the table's serial key's sequence past the largest id,
        so the next insert that takes one does not collide."""
        if not self.dst.postgres or not info.serial:
            return
        key = info.keys[0]
        sequence = conn.execute("SELECT pg_get_serial_sequence(?, ?)", (info.name, key)).fetchone()[
            0
        ]
        if sequence is None:
            return
        last, called = conn.execute(f"SELECT last_value, is_called FROM {sequence}").fetchone()
        largest = conn.execute(f'SELECT COALESCE(MAX("{key}"), 0) FROM "{info.name}"').fetchone()[0]
        following = max(last + 1 if called else last, largest + 1)
        conn.execute("SELECT setval(?, ?, false)", (sequence, following))

    def _step(self, rows: int) -> None:
        self.done += rows
        self.progress(min(self.done, self.total), self.total)


class _TableInfo:
    """One table's statements, from its definition in `warroom.store.tables`."""

    def __init__(self, table: Table) -> None:
        from sqlalchemy import Boolean, Integer

        self.name = table.name
        names = [column.name for column in table.columns]
        self.keys = [column.name for column in table.primary_key.columns]
        self._key_at = [names.index(key) for key in self.keys]
        self._booleans = [i for i, c in enumerate(table.columns) if isinstance(c.type, Boolean)]
        key_column = next(iter(table.primary_key.columns))
        self.serial = len(self.keys) == 1 and isinstance(key_column.type, Integer)
        self.columns = ", ".join(f'"{name}"' for name in names)
        keys = ", ".join(f'"{key}"' for key in self.keys)
        marks = ", ".join("?" * len(names))
        self.insert = f'INSERT INTO "{self.name}" ({self.columns}) VALUES ({marks})'
        updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n not in self.keys)
        self.upsert = f"{self.insert} ON CONFLICT ({keys}) DO " + (
            f"UPDATE SET {updates}" if updates else "NOTHING"
        )
        select = f'SELECT {self.columns} FROM "{self.name}"'
        self.first_page = f"{select} ORDER BY {keys} LIMIT ?"
        after = ", ".join("?" * len(self.keys))
        self.next_page = f"{select} WHERE ({keys}) > ({after}) ORDER BY {keys} LIMIT ?"
        self._select = select

    def key(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(row[i] for i in self._key_at)

    def normal(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """A row as both engines take it (SQLite keeps booleans as 0 and 1)."""
        values = list(row)
        for i in self._booleans:
            if values[i] is not None:
                values[i] = bool(values[i])
        return tuple(values)

    def lookup(self, keys: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
        """The query for the rows of these keys."""
        values = [value for key in keys for value in key]
        if len(self.keys) == 1:
            marks = ", ".join("?" * len(keys))
            return f'{self._select} WHERE "{self.keys[0]}" IN ({marks})', values
        one = "(" + " AND ".join(f'"{key}" = ?' for key in self.keys) + ")"
        return f"{self._select} WHERE {' OR '.join([one] * len(keys))}", values


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
