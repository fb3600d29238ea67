"""A real `warroom serve` taking alerts, for the Alertmanager and storm tests:
the server with an `alerts` token (what a monitor is given) and a responder
token (to read what arrived), and reads of what it stored."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.server.conftest import Server, auth, make_token
from warroom.core.alerts.model import AlertRecord
from warroom.core.alerts.wire import records_from_json

ALERTMANAGER_PATH = "/api/v1/alerts/alertmanager"
PAGERDUTY_PATH = "/v2/enqueue"
T = TypeVar("T")


@dataclass
class AlertServer:
    server: Server
    alerts_token: str  # role alerts: posts alerts, nothing else
    reader: str  # role responder: reads incidents and the alerts
    client: httpx.Client

    @property
    def url(self) -> str:
        return self.server.url

    def alerts(self, state: str = "all", limit: int = 10_000) -> list[AlertRecord]:
        """GET /api/v1/alerts: what the server stored, newest first."""
        answer = self.client.get(
            "/api/v1/alerts", params={"state": state, "limit": limit}, headers=auth(self.reader)
        )
        assert answer.status_code == 200, answer.text
        raw = answer.json()
        return records_from_json(raw["alerts"] if isinstance(raw, dict) else raw)

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident, open or not (GET /api/v1/incidents?all=true)."""
        answer = self.client.get(
            "/api/v1/incidents", params={"all": "true"}, headers=auth(self.reader)
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def events(self, ref: str) -> list[dict[str, Any]]:
        """An incident's whole timeline."""
        events: list[dict[str, Any]] = []
        while True:
            answer = self.client.get(
                f"/api/v1/incidents/{ref}/events",
                params={"after_seq": len(events), "limit": 10_000},
                headers=auth(self.reader),
            )
            assert answer.status_code == 200, answer.text
            page = answer.json()["events"]
            if not page:
                return events
            events += page


def start_alert_server(root: Path, config: str = "") -> AlertServer:
    """A `warroom serve` on a fresh SQLite file in `root`; `config`: the
    text of its config.toml (e.g. `[[alert_rules]]`)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(config)
    db = root / "warroom.db"
    alerts_token = make_token(db, "monitoring", "alerts")
    reader = make_token(db, "reader", "responder")
    server = Server(db, root).start()
    return AlertServer(server, alerts_token, reader, httpx.Client(base_url=server.url, timeout=30))


@contextmanager
def running_alert_server(root: Path, config: str = "") -> Iterator[AlertServer]:
    """A started server (`start_alert_server`), stopped at the end."""
    served = start_alert_server(root, config)
    try:
        yield served
    finally:
        served.client.close()
        served.server.stop()


def eventually(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 30.0) -> T:
    """`read()` until `done(value)`, for up to `timeout` seconds; the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def stored_alerts(db: Path) -> list[tuple[str, str, str, str]]:
    """(source, key, starts_at, status) of every row of the alerts table, read
    straight from the SQLite file (no limit, no server)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT source, key, starts_at, status FROM alerts").fetchall()


class KillAndRestart:
    """A `during` callback of `paced`: when body `at` is due, SIGKILL the
    server, and start it again on the same port a second later (in a thread:
    the storm goes on meanwhile)."""

    def __init__(self, served: AlertServer, at: int) -> None:
        self.served = served
        self.at = at
        self.thread = threading.Thread(target=self._restart)

    def __call__(self, index: int) -> None:
        if index == self.at:
            self.served.server.signal(signal.SIGKILL)
            self.served.server.wait(10)
            self.thread.start()

    def _restart(self) -> None:
        time.sleep(1.0)
        self.served.server.start()

    def join(self) -> None:
        self.thread.join(60)
        assert len(self.served.server.logs) == 2, "the server was not restarted"


class Freeze:
    """A `during` callback of `paced`: when body `at` is due, stop the server
    (SIGSTOP) for `seconds`, so that the requests in flight time out at the
    sender and are sent again, then let it go on (SIGCONT): it then answers
    the first copies too, and the second copies are duplicates."""

    def __init__(self, served: AlertServer, at: int, seconds: float) -> None:
        self.served = served
        self.at = at
        self.seconds = seconds
        self.thread = threading.Thread(target=self._resume)

    def __call__(self, index: int) -> None:
        if index == self.at:
            self.served.server.signal(signal.SIGSTOP)
            self.thread.start()

    def _resume(self) -> None:
        time.sleep(self.seconds)
        self.served.server.signal(signal.SIGCONT)

    def join(self) -> None:
        self.thread.join(60)
