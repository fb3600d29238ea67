"""The services every face shares: declare with the service's runbook attached,
and the atomic file write."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.core.clock import FixedClock
from warroom.core.errors import UsageError
from warroom.core.runbook_library import Library, load_library, shipped_folder
from warroom.services.declare import declare_with_runbook
from warroom.services.files import write_file
from warroom.store.sqlite import SQLiteStore


def samples() -> Library:
    return load_library([shipped_folder()])


def test_the_service_brings_its_runbook(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    declared = declare_with_runbook(
        sqlite_store,
        "alice",
        clock,
        "Orders down",
        severity=1,
        service="orders-db",
        runbooks=samples,
    )
    assert declared.runbook.attached is not None and declared.runbook.error is None
    assert [runbook["name"] for runbook in declared.incident.runbooks] == [
        declared.runbook.attached.name
    ]
    assert declared.incident.severity == 1 and declared.incident.declared_by == "alice"


def test_no_service_or_no_library_reads_nothing(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    def unread() -> Library:
        raise AssertionError("the library was read")

    plain = declare_with_runbook(sqlite_store, "alice", clock, "No service", runbooks=unread)
    assert plain.incident.runbooks == [] and plain.runbook.attached is None
    without = declare_with_runbook(sqlite_store, "alice", clock, "No library", service="orders-db")
    assert without.incident.runbooks == []


def test_a_named_runbook_wins_and_a_missing_one_is_said(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    named = declare_with_runbook(
        sqlite_store,
        "drill",
        clock,
        "Drill",
        service="orders-db",
        runbooks=samples,
        runbook="rollback-bad-deploy",
    )
    assert named.runbook.attached is not None
    assert [runbook["name"] for runbook in named.incident.runbooks] == [named.runbook.attached.name]
    missing = declare_with_runbook(
        sqlite_store, "drill", clock, "Drill", runbooks=samples, runbook="no-such-runbook"
    )
    assert isinstance(missing.runbook.error, UsageError)
    assert missing.incident.runbooks == []  # declared all the same


def test_a_library_that_fails_still_declares(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    def broken() -> Library:
        raise OSError("disk on fire")

    declared = declare_with_runbook(
        sqlite_store, "alice", clock, "Orders down", service="orders-db", runbooks=broken
    )
    assert isinstance(declared.runbook.error, OSError)
    assert sqlite_store.incident(declared.incident.id).title == "Orders down"


def test_write_file_is_atomic_and_refuses_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    assert write_file(target, "one\n") == target
    write_file(target, "two\n")
    assert target.read_text() == "two\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.md"]
    with pytest.raises(UsageError, match="is a directory"):
        write_file(tmp_path, "x")
