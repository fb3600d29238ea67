"""A real `warroom serve` in a subprocess on 127.0.0.1, and what tests need to talk to it."""

from __future__ import annotations

import json
import re
import resource
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import isolated_environ
from warroom.server.tokens import TokenStore
from warroom.store.sqlite import SQLiteStore

HEARTBEAT = 0.2
_READY = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
# `warroom serve` with options the command line does not offer.
_LAUNCH = str(Path(__file__).with_name("launch.py"))


def server_env(root: Path) -> dict[str, str]:
    """An environment that reads no real configuration (the store: `--db`)."""
    return isolated_environ(root, user="server-user", db=False)


@dataclass
class Server:
    """One `warroom serve` process; its output goes to `log_path`."""

    db: Path | str  # the store: an SQLite file, or a PostgreSQL URL
    root: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)
    options: dict[str, Any] | None = None  # keyword arguments of `serve` (see launch.py)
    nofile: int | None = None  # the server's limit on open file descriptors
    args: list[str] = field(default_factory=list)  # more `warroom serve` arguments

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        log_path = self.root / f"server-{len(self.logs)}.log"
        self.logs.append(log_path)
        if self.options is None:
            command = [sys.executable, "-m", "warroom", "serve", "--db", str(self.db)]
            command += ["--port", str(self.port), "--heartbeat", str(HEARTBEAT), *self.args]
        else:
            options = json.dumps({"heartbeat": HEARTBEAT, **self.options})
            command = [sys.executable, _LAUNCH, str(self.db), str(self.port), options]
        nofile = self.nofile

        def limit() -> None:
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        with log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=server_env(self.root),
                cwd=self.root,
                preexec_fn=limit if nofile is not None else None,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ports = [int(port) for port in _READY.findall(log_path.read_text(errors="replace"))]
            if ports and (not self.port or self.port in ports):  # (a given port: that one)
                self.port = self.port or ports[0]
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"warroom serve exited:\n{log_path.read_text()}")
            time.sleep(0.05)
        raise RuntimeError(f"warroom serve did not start:\n{log_path.read_text()}")

    def log(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.logs)

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def make_token(db: Path, name: str, role: str) -> str:
    """A token made straight in the server's SQLite file, as `warroom token create` does."""
    with SQLiteStore(db) as store:
        return TokenStore.for_store(store).create(name, role)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5))


def declare_body(title: str = "Checkout API 502s", severity: int = 2) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "incident_id": str(uuid.uuid4()),
        "kind": "declared",
        "occurred_at": now_text(),
        "data": {"title": title, "severity": severity},
    }


def note_body(text: str, event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or str(uuid.uuid4()),
        "kind": "note",
        "occurred_at": now_text(),
        "data": {"text": text},
    }


def declare(client: httpx.Client, token: str, title: str = "Checkout API 502s") -> str:
    """Declare an incident through the API; returns its id."""
    answer = client.post("/api/v1/incidents", json=declare_body(title), headers=auth(token))
    assert answer.status_code == 201, answer.text
    return answer.json()["incident"]["id"]


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str | None, Any]]:
    """(id, data) per SSE event; ("", None) per heartbeat comment."""
    ident: str | None = None
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield ident, json.loads("\n".join(data))
            ident, data = None, []
        elif line.startswith(":"):
            if "heartbeat" in line:
                yield "", None
        elif line.startswith("id:"):
            ident = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


@dataclass
class Running:
    server: Server
    admin: str
    responder: str
    viewer: str
    client: httpx.Client


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One server per test module, with an admin, a responder and a viewer token."""
    root = tmp_path_factory.mktemp("server")
    db = root / "warroom.db"
    tokens = {role: make_token(db, f"{role}-1", role) for role in ("admin", "responder", "viewer")}
    server = Server(db, root).start()
    client = httpx.Client(base_url=server.url, timeout=10)
    try:
        yield Running(server, tokens["admin"], tokens["responder"], tokens["viewer"], client)
    finally:
        client.close()
        server.stop()
