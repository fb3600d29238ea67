"""The SQLite store file against operator mistakes: a WAL of another store,
a backup copied over a live file, permissions on a shared host.

- Ownership: every store has a random id (the `store_id` table, page 2 of a
  new file, checkpointed at creation, updated by every write transaction), so
  every WAL file carries its store's id.  When a `-wal` is beside the file,
  opening reads the id twice: with `immutable=1` (the file alone, WAL
  ignored) and read-only with the WAL.  Different ids: the WAL is another
  store's, and the store is refused before anything writes (a read-write
  connection would checkpoint that WAL into the file when it closes).
- Damage: `PRAGMA quick_check` when a `-wal` is there without its `-shm`
  (files copied or restored by hand), at `warroom serve` start, and in
  `warroom db check | restore`; never on the ordinary open (the hot path).
- Backup and restore: SQLite's online backup API; a restore moves the stale
  WAL (and the file it replaces) aside and checks the result.
- Shared hosts: in a setgid or group-writable folder the file is created 0660
  (SQLite gives its `-wal` and `-shm` the file's mode); a write that is
  blocked names the file, its owner and mode, and the fix
  (`warroom.store.schema.blocked`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from warroom.core.errors import StoreUnavailable
from warroom.store import schema

SHARED_MODE = 0o660
_DMS_BYTE = 128  # SQLite's "dead man switch" lock in the -shm: every open connection holds it


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def shm_of(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


# -- opening ---------------------------------------------------------------


def create_file(path: Path) -> None:
    """Create a missing database file 0660 when its folder is shared (setgid
    or group-writable); elsewhere SQLite creates it, under the umask."""
    if path.exists() or not shared_folder(path.parent):
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, SHARED_MODE)
    except FileExistsError:
        return
    except OSError:
        return  # SQLite's own open says what is wrong
    try:
        os.fchmod(fd, SHARED_MODE)  # the umask took the group's write bit
    finally:
        os.close(fd)


def shared_folder(folder: Path) -> bool:
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_ISGID | stat.S_IWGRP))


def preflight(path: Path) -> None:
    """Before the store's first read-write connection: refuse a WAL of
    another store, and a damaged file when its WAL came without its `-shm`.
    Nothing when there is no WAL (the common case: no extra connection)."""
    wal = wal_of(path)
    if not _non_empty(wal):
        return
    suspicious = not shm_of(path).exists()
    refused = True
    file_id = _file_id(path)
    if file_id is None and not suspicious:
        return  # an older or unfinished file: no id to compare yet
    try:
        conn = _read_only(path)
    except sqlite3.Error as error:
        raise schema.unavailable(path, error) from None
    try:
        if file_id is not None:
            try:
                live_id = _store_id(conn)
            except sqlite3.DatabaseError as error:
                # Every write transaction puts the store's id in its WAL.
                if file_id.encode() in wal.read_bytes():
                    raise StoreUnavailable(schema.damaged(path, str(error))) from None
                live_id = None
            if live_id != file_id:
                raise StoreUnavailable(
                    f"{wal} is not {path}'s write-ahead log: it belongs to another store "
                    f"(store id {(live_id or 'unreadable')[:12]}, the file's is {file_id[:12]}); "
                    f"nothing was changed. Move {wal} aside to open {path} as last saved"
                )
        if suspicious:
            problems = _quick_check(conn)
            if problems:
                refused = True
                raise StoreUnavailable(schema.damaged(path, problems[0]))
        refused = False
    finally:
        conn.close()
        if suspicious and refused:
            # Leave it as found: the next open checks again.
            shm_of(path).unlink(missing_ok=True)


def _non_empty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _file_id(path: Path) -> str | None:
    """The store id in the file itself, its WAL ignored (`immutable=1`);
    None when it has none (yet) or cannot be read that way."""
    for _ in range(3):  # a checkpoint writing meanwhile can tear a page: read again
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        except sqlite3.Error:
            return None
        try:
            return _store_id(conn)
        except sqlite3.DatabaseError:
            time.sleep(0.01)
        finally:
            conn.close()
    return None


def store_id(path: Path) -> str | None:
    """The id of the store in `path` (the `store_id` table, read through a
    read-only connection); None when it has none or cannot be read."""
    try:
        conn = _read_only(path)
    except sqlite3.Error:
        return None
    try:
        return _store_id(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _store_id(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT id FROM store_id WHERE only = 1").fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise
    return row[0] if row else None


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection: it sees the WAL, and never checkpoints it into
    the file when it closes."""
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        timeout=schema.BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
    )
    conn.execute(f"PRAGMA busy_timeout = {schema.BUSY_TIMEOUT_MS}")
    return conn


def _quick_check(conn: sqlite3.Connection) -> list[str]:
    """SQLite's quick_check: its problems, [] when the file is sound."""
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check(20)").fetchall()]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [] if rows == ["ok"] else rows


# -- checking --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """What `warroom db check` found."""

    path: Path
    problems: list[str]
    schema: int
    store_id: str | None
    events: int
    incidents: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check(path: Path) -> Report:
    """Check a store file without changing it: its WAL is its own, SQLite's
    quick_check, its schema and what it holds.  StoreUnavailable when it is
    missing or not a warroom file."""
    found = schema.file_schema(path)
    if found.application_id != schema.APPLICATION_ID and not found.is_new:
        schema.check(path, found)  # another program's file: says so
    problems: list[str] = []
    try:
        preflight(path)
    except StoreUnavailable as error:
        problems.append(str(error))
    events = incidents = 0
    store_id = None
    try:
        conn = _read_only(path)
    except sqlite3.Error as error:
        raise schema.unavailable(path, error) from None
    try:
        if not problems:
            problems = _quick_check(conn)
        if not problems:
            store_id = _store_id(conn)
            with contextlib.suppress(sqlite3.OperationalError):  # an empty file
                events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
                incidents = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    finally:
        conn.close()
    return Report(path, problems, found.version, store_id, events, incidents)


def quick_check(path: Path) -> None:
    """StoreUnavailable if the file is damaged or its WAL is another store's
    (`warroom serve` runs this before it starts)."""
    if not path.exists():
        return  # made when opened
    report = check(path)
    if not report.ok:
        first = report.problems[0]
        raise StoreUnavailable(first if str(path) in first else schema.damaged(path, first))


# -- backup and restore ------------------------------------------------------


def backup(path: Path, target: Path) -> Report:
    """Copy the store, as of now, to the new file `target` with SQLite's
    online backup API (writers may go on meanwhile); the copy's check."""
    if target.exists():
        raise StoreUnavailable(f"{target} exists already; give a new file for the backup")
    if not target.parent.is_dir():
        raise StoreUnavailable(f"cannot write {target}: the folder {target.parent} does not exist")
    quick_check(path)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    _create_like(part, path)
    try:
        source = _read_only(path)
        try:
            copy = sqlite3.connect(part, isolation_level=None)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE").fetchone()  # one file
            finally:
                copy.close()
        finally:
            source.close()
        _fsync(part)
        part.replace(target)
    except sqlite3.Error as error:
        part.unlink(missing_ok=True)
        raise schema.unavailable(path, error) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return check(target)


@dataclass(frozen=True, slots=True)
class Restored:
    report: Report
    moved: list[tuple[Path, Path]]  # (file, where it was moved)


def restore(path: Path, source: Path) -> Restored:
    """Put the backup `source` in place of the store file `path`: the backup
    is checked first; the file it replaces and its stale WAL and SHM are moved
    aside (never deleted); the result is checked.  Refused while any process
    has the store open."""
    if not source.is_file():
        raise StoreUnavailable(f"there is no backup at {source}")
    found = schema.file_schema(source)
    if found.application_id != schema.APPLICATION_ID or found.is_new:
        raise StoreUnavailable(f"{source} is not a warroom database; give a `warroom db backup`")
    schema.check(source, found)
    problems = _quick_check_file(source)
    if problems:
        raise StoreUnavailable(f"the backup {source} is damaged ({problems[0]}); give another")
    if in_use(path):
        raise StoreUnavailable(
            f"{path} is open in another process (a `warroom serve`, a TUI); stop them, then restore"
        )
    import shutil

    stamp = time.strftime("%Y%m%dT%H%M%S")
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    _create_like(part, path if path.exists() else None)
    with part.open("r+b") as out, source.open("rb") as data:
        shutil.copyfileobj(data, out)
        out.flush()
        os.fsync(out.fileno())
    moved = []
    for file in (path, wal_of(path), shm_of(path)):
        if file.exists():
            aside = file.with_name(f"{file.name}.before-restore-{stamp}")
            file.replace(aside)
            moved.append((file, aside))
    part.replace(path)
    return Restored(check(path), moved)


def _quick_check_file(path: Path) -> list[str]:
    try:
        conn = _read_only(path)
    except sqlite3.Error as error:
        return [str(error)]
    try:
        return _quick_check(conn)
    finally:
        conn.close()


def in_use(path: Path) -> bool:
    """Whether another process has the store open: every SQLite connection
    to a WAL file holds a shared lock on a byte of its `-shm`."""
    import fcntl

    shm = shm_of(path)
    try:
        fd = os.open(shm, os.O_RDWR)
    except OSError:
        return False  # no -shm: no connection (or none this user could see)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _DMS_BYTE)
        except OSError:
            return True
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _DMS_BYTE)
        return False
    finally:
        os.close(fd)


def _create_like(new: Path, like: Path | None) -> None:
    """Create `new` empty with the mode of `like` (a store file), else as a
    store file in that folder would be: 0660 in a shared folder, else 0600."""
    if like is not None and like.exists():
        mode = stat.S_IMODE(like.stat().st_mode)
    else:
        mode = SHARED_MODE if shared_folder(new.parent) else 0o600
    fd = os.open(new, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
