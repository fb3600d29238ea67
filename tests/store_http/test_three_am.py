"""The http store at 3 AM: the catalog's order, an unreachable server answered
at once, a full disk named, a store restored from a backup, large imports."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import Running
from warroom.core.catalog import Catalog
from warroom.store.http import HTTPStore


def test_a_room_opened_through_the_server_lists_roles_in_the_catalogs_order(
    running: Running, tmp_path: Path
) -> None:
    expected = list(Catalog.default().roles)
    assert expected[0] == "lead"
    for _ in range(2):  # fetched, then read back from the cached copy
        with HTTPStore(running.server.url, running.responder, tmp_path / "o.db") as store:
            assert list(store.catalog.roles) == expected
            assert store.catalog.state_order == Catalog.default().state_order
