"""Fixtures of the TUI tests: a real SQLite store on disk, a fixed clock, UTC.

Times on screen are local; the tests fix the zone to UTC (TZ) so what they
see, and the snapshots, do not depend on the machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp


@pytest.fixture(autouse=True)
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make_app(sqlite_store: SQLiteStore, clock: FixedClock) -> Callable[..., WarroomApp]:
    """A WarroomApp on the test's store and clock; `actor` defaults to "me"."""

    def make(**options: Any) -> WarroomApp:
        options.setdefault("actor", "me")
        options.setdefault("clock", clock)
        return WarroomApp(sqlite_store, **options)

    return make
