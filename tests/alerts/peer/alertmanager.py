"""A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) in a
subprocess on 127.0.0.1, for tests: its own config (one route to one webhook
receiver with bearer authorization) and data folder under a temporary folder.

Outside CI a test without the binary skips with the reason; under CI=true
(`.ci/run` installs it) a missing binary is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

BINARIES = ("prometheus-alertmanager", "alertmanager")  # Debian's name, upstream's name
WHY_MISSING = (
    "Prometheus Alertmanager is not installed "
    "(apt-get install prometheus-alertmanager; .ci/run installs it)"
)


def alertmanager_binary() -> str | None:
    """The Alertmanager program on PATH (or Debian's /usr/bin one), None when absent."""
    for name in BINARIES:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/local/bin")
        if found:
            return found
    return None


def require_alertmanager() -> str:
    """The binary; skips the test without it, but fails it under CI=true."""
    binary = alertmanager_binary()
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{WHY_MISSING}: CI=true, so the peer test fails", pytrace=False)
        pytest.skip(WHY_MISSING)
    return binary


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the caller binds it soon after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    return json.dumps(text)


@dataclass
class Route:
    """The one route to warroom: what Alertmanager groups by and how often it sends."""

    group_by: Sequence[str] = ("alertname",)
    group_wait: str = "1s"
    group_interval: str = "1s"
    repeat_interval: str = "1h"
    max_alerts: int = 0  # alerts per webhook body; 0 = all (Alertmanager's default)


def config_text(url: str, token: str, route: Route) -> str:
    """alertmanager.yml: every alert to one webhook receiver posting to `url`
    with `Authorization: Bearer <token>`."""
    group_by = ", ".join(_quoted(label) for label in route.group_by)
    return f"""\
route:
  receiver: warroom
  group_by: [{group_by}]
  group_wait: {route.group_wait}
  group_interval: {route.group_interval}
  repeat_interval: {route.repeat_interval}
receivers:
  - name: warroom
    webhook_configs:
      - url: {_quoted(url)}
        send_resolved: true
        max_alerts: {route.max_alerts}
        http_config:
          authorization:
            type: Bearer
            credentials: {_quoted(token)}
"""


def am_time(moment: datetime) -> str:
    """A time as Alertmanager's API takes it (RFC 3339, UTC)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Alertmanager:
    """One Alertmanager process; `post` sends alerts to its own API
    (POST /api/v2/alerts), as Prometheus does."""

    binary: str
    root: Path
    url_to: str  # where the webhook receiver posts
    token: str  # the bearer credential it sends
    route: Route = field(default_factory=Route)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.root / "alertmanager.log"

    def start(self, timeout: float = 30.0, attempts: int = 3) -> Alertmanager:
        """Start on a free port and wait until /-/ready answers 200."""
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "alertmanager.yml"
        config.write_text(config_text(self.url_to, self.token, self.route))
        for _ in range(attempts):
            self.port = free_port()
            if self._launch(config, timeout):
                return self
            self.stop()  # the port was taken in between: try another
        raise RuntimeError(f"alertmanager did not start:\n{self.log()}")

    def _launch(self, config: Path, timeout: float) -> bool:
        command = [
            self.binary,
            f"--config.file={config}",
            f"--storage.path={self.root / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",  # no HA gossip port
            "--log.level=debug",
        ]
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, cwd=self.root
            )
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    return False
                try:
                    if client.get("/-/ready").status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise RuntimeError(f"alertmanager did not become ready:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def post(self, alerts: Sequence[Mapping[str, Any]], client: httpx.Client | None = None) -> None:
        """Post alerts to Alertmanager's own API, as Prometheus does."""
        body = list(alerts)
        if client is None:
            answer = httpx.post(f"{self.url}/api/v2/alerts", json=body, timeout=30)
        else:
            answer = client.post(f"{self.url}/api/v2/alerts", json=body)
        assert answer.status_code == 200, answer.text

    def alerts(self) -> list[dict[str, Any]]:
        """What Alertmanager holds now (GET /api/v2/alerts)."""
        answer = httpx.get(f"{self.url}/api/v2/alerts", timeout=10)
        answer.raise_for_status()
        return answer.json()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def prom_alert(
    name: str,
    labels: Mapping[str, str] | None = None,
    *,
    summary: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    generator_url: str = "http://prometheus.example.org:9090/graph?g0.expr=up+%3D%3D+0",
) -> dict[str, Any]:
    """One alert as Prometheus posts it to Alertmanager (the v2 API's postableAlert)."""
    alert: dict[str, Any] = {
        "labels": {"alertname": name, **(labels or {})},
        "annotations": {"summary": summary or f"{name} is firing"},
        "generatorURL": generator_url,
    }
    if starts_at is not None:
        alert["startsAt"] = am_time(starts_at)
    if ends_at is not None:
        alert["endsAt"] = am_time(ends_at)
    return alert
