"""Opening something that is not a usable warroom store: one clear error, no damage."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.errors import StoreUnavailable
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore


def refuses(path: Path, *words: str) -> str:
    """Opening (and if it opens, writing to) `path` raises StoreUnavailable
    whose message names the path and says each of `words`; the message."""
    with pytest.raises(StoreUnavailable) as caught, SQLiteStore(path) as store:
        declare(store, "tester", SYSTEM_CLOCK, "should not be stored")
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message
    assert "\n" not in message and "Traceback" not in message
    return message


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "warroom.db"
    folder.mkdir()
    refuses(folder, "is a directory")
    assert list(folder.iterdir()) == []


def test_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    content = b"# my notes\n" + bytes(range(256)) * 40
    path.write_bytes(content)
    refuses(path, "not a warroom database")
    assert path.read_bytes() == content
    assert siblings(path) == ["notes.db"]


def test_an_sqlite_database_of_another_program(tmp_path: Path) -> None:
    path = tmp_path / "inventory.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE hosts (name TEXT PRIMARY KEY, rack TEXT)")
    conn.executemany("INSERT INTO hosts VALUES (?, ?)", [("db1", "r1"), ("db2", "r2")])
    conn.commit()
    conn.close()
    content = path.read_bytes()

    refuses(path, "another program")

    assert path.read_bytes() == content  # not even switched to WAL
    assert siblings(path) == ["inventory.db"]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [
        ("hosts",),
        ("sqlite_autoindex_hosts_1",),
    ]
    conn.close()


def test_a_database_of_a_newer_warroom(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        declare(store, "tester", SYSTEM_CLOCK, "from the future")
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    content = db_path.read_bytes()
    refuses(db_path, "newer warroom")
    assert db_path.read_bytes() == content


def test_a_missing_parent_folder(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "folder" / "warroom.db"
    refuses(path, "does not exist")
    assert not (tmp_path / "no").exists()


def test_a_missing_parent_folder_is_made_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "new" / "warroom.db"
    with SQLiteStore(path, create_parent=True) as store:
        declare(store, "tester", SYSTEM_CLOCK, "first")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_a_parent_that_is_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "plain.txt"
    parent.write_text("hello\n")
    refuses(parent / "warroom.db", "cannot open")
    assert parent.read_text() == "hello\n"


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root ignores file permissions, so chmod 0444 cannot refuse root"
)
def test_a_read_only_database_file(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        declare(store, "tester", SYSTEM_CLOCK, "before chmod")
    for leftover in (db_path.with_name(db_path.name + s) for s in ("-wal", "-shm")):
        assert not leftover.exists()  # a clean close checkpoints and removes them
    db_path.chmod(0o444)
    content = db_path.read_bytes()
    try:
        refuses(db_path, "read-only")
    finally:
        db_path.chmod(0o644)
    assert db_path.read_bytes() == content
