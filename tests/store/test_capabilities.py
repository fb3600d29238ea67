"""What a store can do beyond the contract is a typed Protocol of
`warroom.store.base`, checked with `isinstance`, never probed by name.

The http store is a RemoteStore (an outbox, a cache, the token's identity);
the SQLite store is not, but it commits groups (GroupAppender) and keeps the
server's tokens (TokenTable).  No code outside the store package asks a store
for an attribute by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import warroom
from warroom.core.errors import UsageError
from warroom.server.tokens import TokenStore
from warroom.store.base import AlertInbox, GroupAppender, RemoteStore, Store, TokenTable
from warroom.store.http import HTTPStore
from warroom.store.sqlite import SQLiteStore

SRC = Path(warroom.__file__).resolve().parent
NOBODY = "http://127.0.0.1:9"  # nothing listens there: the store is never asked to connect
_PROBE = re.compile(r"\b(?:getattr|hasattr)\(\s*[\w.]*store\b")


def test_the_http_store_is_a_remote_store_and_keeps_no_tokens(tmp_path: Path) -> None:
    with HTTPStore(NOBODY, "wr_unused", tmp_path / "outbox.db") as store:
        assert isinstance(store, Store)
        assert isinstance(store, RemoteStore)
        assert not isinstance(store, GroupAppender)
        assert not isinstance(store, TokenTable)
        assert isinstance(store.alert_inbox(), AlertInbox)  # the server's, over /api/v1/alerts
        with pytest.raises(UsageError, match="give --db, not --server"):
            TokenStore.for_store(store)


def test_the_sqlite_store_is_not_remote_but_commits_groups_and_keeps_tokens(
    tmp_path: Path,
) -> None:
    with SQLiteStore(tmp_path / "warroom.db") as store:
        assert isinstance(store, Store)
        assert not isinstance(store, RemoteStore)
        assert isinstance(store, GroupAppender)
        assert isinstance(store, TokenTable)


def test_the_token_table_of_the_sqlite_store(tmp_path: Path) -> None:
    """The table on its own: names unique among active tokens, revocation seen at once."""
    path = tmp_path / "warroom.db"
    with SQLiteStore(path) as store, SQLiteStore(path) as other:
        tokens = TokenStore.for_store(store)
        secret = tokens.create("alice", "responder")
        assert [info.name for info in TokenStore.for_store(other).list()] == ["alice"]
        checked = tokens.verify(secret)
        assert checked is not None and checked.role == "responder" and not checked.revoked
        assert tokens.verify(secret + "x") is None
        TokenStore.for_store(other).revoke("alice")  # another connection, as another process
        checked = tokens.verify(secret)
        assert checked is not None and checked.revoked


def test_no_code_outside_the_store_probes_a_store_by_name() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.relative_to(SRC).as_posix() == "cli.py":
            continue  # being made a package with `isinstance` checks (another change)
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _PROBE.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert found == []
