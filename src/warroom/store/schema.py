"""The SQLite store's schema: its version, and making or upgrading a file.

The schema is defined once, by the SQLModel table classes of
`warroom.store.tables`; Alembic migrations (`warroom/store/migrations`, shipped
in the package) take a file of an older warroom to the newest.  The revision a
file is at is mirrored in SQLite's `PRAGMA user_version` (revision "0002" is
user_version 2), so opening a file checks its schema with two pragmas on the
plain `sqlite3` connection (`warroom.store.sqlite`, which also has
`upgrade(path)` for `warroom db upgrade`): SQLAlchemy, SQLModel and Alembic are imported only
when a file is created or upgraded (`create_or_upgrade`).

An older file is upgraded in place when it is opened, in one `BEGIN IMMEDIATE`
transaction (SQLite's DDL is transactional: the upgrade happens whole or not
at all, and concurrent openers wait for it, then find it done).  A file of a
newer warroom is refused, unchanged, with a message saying to upgrade warroom.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.core.errors import StorageFull, StoreUnavailable

if TYPE_CHECKING:
    from sqlalchemy import Engine

# The newest schema revision this warroom knows: the Alembic head, as an int.
# tests/store/test_schema.py checks that it matches the migrations.
SCHEMA_VERSION = 8
APPLICATION_ID = 0x57415252  # "WARR": marks the file as warroom's
BUSY_TIMEOUT_MS = 15_000
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
# Run first in every write transaction: every WAL then carries the store's id.
TOUCH = "UPDATE store_id SET touched = touched + 1"


@dataclass(frozen=True, slots=True)
class FileSchema:
    """What a file says about itself: its application id, schema version and
    how many tables it has."""

    application_id: int
    version: int
    tables: int

    @property
    def is_new(self) -> bool:
        """An empty file (or one warroom began to make): nothing to keep."""
        return self.version == 0 and (self.application_id == APPLICATION_ID or not self.tables)


def connect(path: Path) -> sqlite3.Connection:
    """A connection as every one of the store's is: autocommit (transactions
    are begun explicitly), the busy timeout, `synchronous=FULL`."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (it stays so).  The switch needs the file to
    itself for a moment and SQLite answers "locked" at once, without its busy
    wait, while another process opening the same new file holds a lock:
    tried again every 10 ms for up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as error:
            text = str(error)
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def read_schema(conn: sqlite3.Connection, count_tables: bool = True) -> FileSchema:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = -1
    if count_tables:
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        tables = conn.execute(query).fetchone()[0]
    return FileSchema(app_id, version, tables)


def check(path: Path, found: FileSchema) -> bool:
    """Whether the file is warroom's at the current schema (nothing to do);
    False when it is to be created or upgraded.  StoreUnavailable, with the
    file untouched, when it is another program's or a newer warroom's."""
    if found.application_id == APPLICATION_ID and found.version == SCHEMA_VERSION:
        return True
    if found.application_id not in (0, APPLICATION_ID) or (
        found.application_id == 0 and found.tables
    ):
        raise StoreUnavailable(
            f"{path} is an SQLite database of another program, not warroom's; "
            "give another path with --db"
        )
    if found.version > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"{path} was written by a newer warroom (schema {found.version}; this warroom "
            f"knows schema {SCHEMA_VERSION} at most); upgrade warroom"
        )
    return False


def file_schema(path: Path) -> FileSchema:
    """The schema of an existing file, read without changing it."""
    if not path.is_file():
        raise StoreUnavailable(f"there is no warroom database at {path}")
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            return read_schema(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise unavailable(path, error) from None


def create_or_upgrade(path: Path) -> int:
    """Make the tables of a new file, or migrate an older one, in one
    `BEGIN IMMEDIATE` transaction; the version the file is then at.

    Re-checks inside the write lock: another process may have done it first.
    A new file gets `create_all` over the SQLModel tables and is stamped with
    the head revision; an older one runs the migrations from its revision.
    """
    from sqlalchemy.exc import DBAPIError

    engine = make_engine(path)
    try:
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            found = read_schema(raw)
            if check(path, found):
                return found.version
            if found.is_new:
                _create(conn)
            else:
                _migrate(conn, found.version)
            raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except (DBAPIError, sqlite3.Error) as error:
        raise unavailable(path, error) from None
    finally:
        engine.dispose()
    _checkpoint(path)
    return SCHEMA_VERSION


def _checkpoint(path: Path) -> None:
    """Copy the WAL into the file (passive: waits for nobody), so the file
    itself holds its store id (`warroom.store.guard` reads it with the WAL
    ignored)."""
    try:
        conn = connect(path)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # the next checkpoint does it; until then the id check is skipped


def _create(conn: Any) -> None:
    import uuid

    from alembic.migration import MigrationContext

    from warroom.store.tables import TABLES, metadata

    # The store id first: its table is page 2 of every new file.
    metadata.create_all(conn, tables=TABLES[:1])
    conn.exec_driver_sql(
        "INSERT INTO store_id (only, id, touched) VALUES (1, ?, 0)", (uuid.uuid4().hex,)
    )
    metadata.create_all(conn, tables=TABLES[1:])
    MigrationContext.configure(conn).stamp(_scripts(), "head")


@functools.cache
def _scripts() -> Any:
    """The migration scripts, read once per process (a new file only needs the head)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def _migrate(conn: Any, version: int) -> None:
    from alembic import command
    from alembic.migration import MigrationContext

    config = alembic_config(conn)
    if MigrationContext.configure(conn).get_current_revision() is None:
        # Files of warroom before migrations: user_version 1, no alembic_version.
        command.stamp(config, revision_name(version))
    command.upgrade(config, "head")


def revision_name(version: int) -> str:
    """The Alembic revision of a schema version: 2 -> "0002"."""
    return f"{version:04d}"


def alembic_config(conn: Any = None) -> Any:
    """Alembic's configuration for the shipped migrations, on `conn` (an open
    SQLAlchemy connection, in its transaction) if given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def make_engine(path: Path) -> Engine:
    """An SQLAlchemy engine on the file, with the store's connection settings,
    every write as `BEGIN IMMEDIATE` (SQLAlchemy's connect/begin event recipe
    for pysqlite) and reads with `execution_options(warroom_read=True)` as
    `BEGIN`."""
    from sqlalchemy import Connection, create_engine, event

    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        # Let the "begin" below issue BEGIN itself (the documented recipe).
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA synchronous = FULL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("warroom_read"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def damaged(path: Path, problem: str) -> str:
    """One line for a store SQLite finds damaged: what, and the way out."""
    return (
        f"{path} is damaged ({problem}); nothing was written. A backup copied over it "
        f"next to a stale {path}-wal does this: `warroom db check` says more, "
        "`warroom db restore BACKUP` puts a backup back"
    )


def unavailable(path: Path, error: Exception) -> StoreUnavailable:
    """A database error as one line the user can act on."""
    message = str(getattr(error, "orig", None) or error)
    if "not a database" in message:
        return StoreUnavailable(f"{path} is not a warroom database (not an SQLite file)")
    if "locked" in message or "busy" in message:
        return StoreUnavailable(
            f"{path} stayed locked by another writer for {BUSY_TIMEOUT_MS // 1000} s; try again"
        )
    if "malformed" in message:
        return StoreUnavailable(damaged(path, message))
    if "readonly" in message or "read-only" in message or "unable to open" in message:
        return StoreUnavailable(blocked(path, message))
    if "database or disk is full" in message:
        return StorageFull(f"cannot write {path}: the disk is full")
    return StoreUnavailable(f"{path}: {message}")


def blocked(path: Path, message: str) -> str:
    """Why this user cannot open or write the store, as one line: which file
    (or folder) is in the way, its owner and mode, and the fix."""
    folder = path.parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"cannot use {path}: its folder {folder} ({_owner_mode(folder)}) is not writable "
            f"for this user, and SQLite keeps {path.name}-wal and {path.name}-shm beside the "
            "file, so even reading needs it; make the folder writable for the people sharing "
            "the store (README: Operating warroom), or copy the file somewhere writable"
        )
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            return (
                f"cannot write {file}: {_owner_mode(file)}, not writable for this user; "
                f"its owner can fix it with `chmod 660 {path}*` in a group-shared folder "
                "(README: Operating warroom, shared hosts)"
            )
    if "unable to open" in message:
        return f"cannot open {path}: check the path and its permissions"
    return f"cannot write {path}: it is read-only for this user"


def _owner_mode(path: Path) -> str:
    import grp
    import pwd

    info = path.stat()
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    return f"owned by {owner}:{group}, mode {stat.S_IMODE(info.st_mode):04o}"
