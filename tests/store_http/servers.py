"""Real `warroom serve` processes for the http store's tests.

The contract suite needs an empty store per test, so each test gets its own
server; `POOL` starts the next one while the current test runs (starting one
takes most of a second), and stops used ones in the background.  The server
process itself is `tests.server.conftest.Server`.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.server.conftest import Server, make_token
from warroom.core.clock import Clock
from warroom.store.http import HTTPStore

CONTRACT_ACTOR = "alice"  # tests/store/contract.py writes as alice: the token's name


@dataclass
class Started:
    server: Server
    token: str
    root: Path


class ServerPool:
    """Fresh servers on free ports, one started ahead of need."""

    def __init__(self, name: str = CONTRACT_ACTOR, role: str = "responder", ahead: int = 1) -> None:
        self.name = name
        self.role = role
        self.depth = ahead
        self._ahead: list[tuple[Started, threading.Thread]] = []
        self._stopping: list[threading.Thread] = []
        self._roots: list[Path] = []
        self._lock = threading.Lock()

    def _launch(self) -> tuple[Started, threading.Thread]:
        root = Path(tempfile.mkdtemp(prefix="warroom-http-"))
        self._roots.append(root)
        db = root / "warroom.db"
        token = make_token(db, self.name, self.role)
        server = Server(db, root)
        starting = threading.Thread(target=server.start, daemon=True)
        starting.start()
        return Started(server, token, root), starting

    def take(self) -> Started:
        with self._lock:
            started, starting = self._ahead.pop(0) if self._ahead else self._launch()
            while len(self._ahead) < self.depth:
                self._ahead.append(self._launch())
        starting.join(60)
        if not started.server.port or started.server.proc is None:
            raise RuntimeError(f"warroom serve did not start:\n{started.server.log()}")
        return started

    def give_back(self, started: Started) -> None:
        stopper = threading.Thread(target=started.server.stop, daemon=True)
        stopper.start()
        self._stopping.append(stopper)

    def close(self) -> None:
        with self._lock:
            ahead, self._ahead = self._ahead, []
        for started, starting in ahead:
            starting.join(60)
            started.server.stop()
        for stopper in self._stopping:
            stopper.join(15)
        for root in self._roots:
            shutil.rmtree(root, ignore_errors=True)


POOL = ServerPool()
atexit.register(POOL.close)


@contextlib.contextmanager
def http_backend(folder: Path, clock: Clock) -> Iterator[HTTPStore]:
    """An http store over an empty server of its own (the contract's `store`)."""
    started = POOL.take()
    store = HTTPStore(started.server.url, started.token, folder / "outbox.db", clock)
    try:
        yield store
    finally:
        store.close()
        POOL.give_back(started)
