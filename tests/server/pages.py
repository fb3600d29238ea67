"""A real `warroom serve` with a configured public status page (and its
public port), and a responder writing to it: for the server and browser tests."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import Server, auth, make_token, now_text

CONFIG = """
public_url = "https://status.example.com"
[statuspage]
title = "Example status"
time_zone = "Europe/Paris"
components = [
  {id = "api", name = "API", description = "The public API", group = "Core"},
  {id = "web", name = "Website"},
]
"""
HOSTILE = (
    '<script>alert(1)</script> "><img src=x onerror=alert(1)> </title> '
    "javascript:alert(1) [@click=app.quit]x[/] \x1b]0;pwned\x07 \u202eevil"
)
INTERNAL = ("db-7 disk full", "internal note", "for leadership only", "responder-1")
JSON_PATHS = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Page:
    """A server with a configured status page, and a responder writing to it."""

    def __init__(self, root: Path, public_port: int) -> None:
        (root / "config.toml").write_text(CONFIG)
        self.root = root
        self.db = root / "warroom.db"
        self.token = make_token(self.db, "responder-1", "responder")
        self.public_port = public_port
        args = ["--public-port", str(public_port)]
        self.server = Server(self.db, root, port=free_port(), args=args).start()
        self.client = httpx.Client(base_url=self.server.url, timeout=10)
        self.public = httpx.Client(base_url=f"http://127.0.0.1:{public_port}", timeout=10)

    def declare(self, title: str = "db-7 disk full") -> str:
        body = {
            "id": str(uuid.uuid4()),
            "incident_id": str(uuid.uuid4()),
            "kind": "declared",
            "occurred_at": now_text(),
            "data": {"title": title, "severity": 1},
        }
        answer = self.client.post("/api/v1/incidents", json=body, headers=auth(self.token))
        assert answer.status_code == 201, answer.text
        return answer.json()["incident"]["id"]

    def write(self, incident: str, kind: str, data: dict[str, Any]) -> None:
        body = {"id": str(uuid.uuid4()), "kind": kind, "occurred_at": now_text(), "data": data}
        answer = self.client.post(
            f"/api/v1/incidents/{incident}/events", json=body, headers=auth(self.token)
        )
        assert answer.status_code == 201, answer.text

    def close(self) -> None:
        self.client.close()
        self.public.close()
        self.server.stop()


def published_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """A module's server, with one incident published (and internal entries)."""
    running = Page(tmp_path_factory.mktemp("statuspage"), free_port())
    try:
        incident = running.declare()
        running.write(incident, "note", {"text": "internal note"})
        running.write(
            incident, "comms_update", {"text": "for leadership only", "audience": "leadership"}
        )
        running.write(
            incident,
            "comms_update",
            {
                "text": "We are investigating errors on the API.",
                "audience": "customers",
                "public_title": "API errors",
                "components": {"api": "partial_outage"},
            },
        )
        yield running
    finally:
        running.close()
