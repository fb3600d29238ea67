"""A receiver the tests run on 127.0.0.1: it records every request Apprise's
json:// and form:// targets make, can be taken down and brought back on the
same port, and can answer with an error status."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0  # seconds each request takes before it is recorded
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    body = json.loads(raw)
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.changed:
                    status = receiver.status
                    if status < 300:
                        receiver.received.append({"path": self.path, **body})
                        receiver.changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, scheme: str = "json", path: str = "/hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def messages(self) -> list[str]:
        with self._lock:
            return [item.get("message", "") for item in self.received]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[str]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.received) >= count, timeout)
            return [item.get("message", "") for item in self.received]


def until(check: Any, timeout: float = 60.0) -> Any:
    """`check()`'s first true value, asked every 50 ms; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def two_levels(receiver: Receiver, first_wait: float, second_wait: float) -> str:
    """On-call tables (TOML): dana paged first, gina `first_wait` minutes
    later, each through Apprise json:// to `receiver`."""
    return f"""
[people.dana]
apprise = ["{receiver.url("json", "/dana")}"]
[people.gina]
apprise = ["{receiver.url("json", "/gina")}"]
[escalation.default]
[[escalation.default.levels]]
targets = ["person:dana"]
wait_minutes = {first_wait}
[[escalation.default.levels]]
targets = ["person:gina"]
wait_minutes = {second_wait}
"""
