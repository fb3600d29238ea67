"""Fixtures for the http store: a real server of the test's own, and the real
`warroom` command pointed at it with an outbox file of its own.

The module-wide server with admin, responder and viewer tokens is
`tests.server.conftest.running`, imported here as a fixture.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Result, isolated_environ
from tests.server.conftest import Running, Server, auth, make_token, running
from warroom.core.events import Event

__all__ = ["running"]  # a fixture, shared with tests/server

WRITER = Path(__file__).with_name("writer.py")
TOKEN_NAME = "alice"
# How long each command tries to deliver before it exits (default 2 s): shorter
# here to keep the suite fast; one test checks the default.
FLUSH_SECONDS = "0.5"


@dataclass
class Served:
    """A `warroom serve` of the test's own, which the test may stop and restart."""

    server: Server
    token: str

    @property
    def url(self) -> str:
        return self.server.url

    def events(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's events as the server holds them."""
        with httpx.Client(base_url=self.url, timeout=10) as client:
            answer = client.get(
                f"/api/v1/incidents/{incident_id}/events",
                params={"limit": 10_000},
                headers=auth(self.token),
            )
        answer.raise_for_status()
        return answer.json()["events"]

    def post(self, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            answer = client.post(f"/api/v1{path}", json=body, headers=auth(token or self.token))
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A server with a responder token named alice; stopped at the end."""
    root = tmp_path / "server"
    root.mkdir()
    db = root / "warroom.db"
    token = make_token(db, TOKEN_NAME, "responder")
    server = Server(db, root).start()
    try:
        yield Served(server, token)
    finally:
        server.stop()


@dataclass
class Cli:
    """`python -m warroom ...` against a server, with one outbox file."""

    env: dict[str, str]
    cwd: Path
    calls: list[Result] = field(default_factory=list)

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "warroom", *args],
            capture_output=True,
            text=True,
            input=input,
            cwd=self.cwd,
            env={**self.env, **env},
            timeout=60,
        )
        result = Result(done.returncode, done.stdout, done.stderr)
        self.calls.append(result)
        return result


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "client" / "outbox.db"


@pytest.fixture
def cli(served: Served, outbox: Path, tmp_path: Path) -> Cli:
    """The real command, as alice, against `served`."""
    env = {
        **isolated_environ(tmp_path, db=False),
        "WARROOM_SERVER": served.url,
        "WARROOM_TOKEN": served.token,
        "WARROOM_OUTBOX": str(outbox),
        "WARROOM_FLUSH_SECONDS": FLUSH_SECONDS,
    }
    return Cli(env, tmp_path)


def running_cli(running: Running, token: str, folder: Path) -> Cli:
    """The real command against the module's shared server, with a given token."""
    env = {
        **isolated_environ(folder, db=False),
        "WARROOM_SERVER": running.server.url,
        "WARROOM_TOKEN": token,
        "WARROOM_OUTBOX": str(folder / "outbox.db"),
        "WARROOM_FLUSH_SECONDS": FLUSH_SECONDS,
    }
    return Cli(env, folder)


def notes_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["kind"] == "note"]


def seqs(events: list[dict[str, Any]] | list[Event]) -> list[int]:
    return [e["seq"] if isinstance(e, dict) else e.seq for e in events]  # type: ignore[misc]
