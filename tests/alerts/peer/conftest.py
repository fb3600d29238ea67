"""Fixtures for the tests against a real Prometheus Alertmanager."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.alerts.peer.alertmanager import Alertmanager, Route, require_alertmanager

StartAlertmanager = Callable[..., Alertmanager]


@pytest.fixture
def start_alertmanager(tmp_path: Path) -> Iterator[StartAlertmanager]:
    """`start(url, token, route=Route())`: a running Alertmanager whose webhook
    receiver posts to `url` with `Authorization: Bearer <token>`; stopped at
    the end.  Skips without the binary (fails under CI=true)."""
    binary = require_alertmanager()
    started: list[Alertmanager] = []

    def start(url: str, token: str, route: Route | None = None) -> Alertmanager:
        root = tmp_path / f"alertmanager-{len(started)}"
        manager = Alertmanager(binary, root, url, token, route or Route())
        started.append(manager)
        return manager.start()

    yield start
    for manager in started:
        manager.stop()
