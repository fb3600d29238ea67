"""The http store's transport: the calls to warroom's server, their errors, the
token, and whether the server is being reached.

A call that gets no answer (or a 5xx) raises `Unreachable`: the caller uses
the replica and keeps the outbox.  A refused token raises `TokenRefused`.
After a failure, reads leave the server alone for a while (doubling up to
`READ_RETRY[1]`), so a command against a server that is down answers from the
replica at once.

This module never imports the server package or a web framework.
"""

from __future__ import annotations

import hashlib
import sys
import time
from datetime import datetime
from typing import Any

from warroom.core.clock import Clock
from warroom.core.errors import Conflict, Refused, StoreUnavailable, UsageError, WarroomError
from warroom.store import sse

# httpx imports its command-line tool (and with it rich, click and pygments)
# whenever they are installed.  The store needs none of it and a CLI command
# should not pay for it: that one optional import fails as if they were absent.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

API = "/api/v1"
CONNECT_TIMEOUT = 1.0  # a connect that gets no answer gives up after this long
REQUEST_TIMEOUT = 15.0
OFFLINE_AFTER = 10.0  # seconds of failures before "reconnecting" becomes "offline"
READ_RETRY = (1.0, 10.0)  # after a failure, reads use the replica for this long (doubling)

LIVE, RECONNECTING, OFFLINE = "live", "reconnecting", "offline"
STORAGE_FULL = "the server cannot store events (disk full)"


class Unreachable(Exception):
    """The server did not answer (or answered 5xx): use the replica, keep the outbox."""


class TokenRefused(StoreUnavailable):
    """The server refused the token (401) or its role (403)."""


def normalise_url(url: str) -> str:
    text = url.strip().rstrip("/")
    if not text.startswith(("http://", "https://")):
        raise UsageError(f"--server {url!r}: give the server's URL, e.g. http://127.0.0.1:8080")
    return text.removesuffix(API)


class Transport:
    """The HTTP client of one server and token, and the state of its connection."""

    def __init__(self, server_url: str, token: str | None, clock: Clock) -> None:
        self.server_url = normalise_url(server_url)
        self.clock = clock
        self.token_key = hashlib.sha256((token or "").encode()).hexdigest()[:16]
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(
            base_url=self.server_url + API,
            headers=self._headers,
            timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT),
        )
        self.contact: datetime | None = None  # when the server last answered
        self._failing_since: float | None = None
        self._retry_at = 0.0
        self._retry_delay = READ_RETRY[0]
        # Why the last call failed, when waiting will not help soon: no connection
        # at all (refused, a name that does not resolve, no answer to the
        # connect), or the server's disk is full.  None after any answer.
        self.hopeless: str | None = None

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; Unreachable without an answer (or on a 5xx), TokenRefused on 401."""
        try:
            answer = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self.failed(_describe(error))
            if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
                self.hopeless = "server unreachable"
            raise Unreachable(_describe(error)) from None
        if answer.status_code >= 500:
            full = answer.status_code == 503 and error_of(answer)[0] == "storage_full"
            reason = STORAGE_FULL if full else f"the server answered {answer.status_code}"
            self.failed(reason)
            self.hopeless = reason if full else None
            raise Unreachable(reason)
        self.succeeded()
        if answer.status_code == 401:
            raise TokenRefused(token_message(answer))
        return answer

    def get(self, path: str, **params: Any) -> Any:
        """The JSON of a GET that must answer 200."""
        return json_of(ok(self.call("GET", path, params=params or None)))

    def stream_client(self) -> httpx.AsyncClient:
        """A client for Server-Sent Events: read with a timeout longer than the heartbeat."""
        timeout = httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT, read=sse.READ_TIMEOUT)
        return httpx.AsyncClient(
            base_url=self.server_url + API, headers=self._headers, timeout=timeout
        )

    # -- the connection's state --------------------------------------------------------

    def may_try(self) -> bool:
        """Whether to ask the server now (not while backing off after a failure)."""
        return time.monotonic() >= self._retry_at

    @property
    def failing(self) -> bool:
        return self._failing_since is not None

    def state(self) -> str:
        """ "live" | "reconnecting" | "offline"."""
        if self._failing_since is None:
            return LIVE if self.contact else RECONNECTING
        failing = time.monotonic() - self._failing_since
        return RECONNECTING if failing < OFFLINE_AFTER else OFFLINE

    def succeeded(self) -> None:
        self.contact = self.clock.now()
        self.hopeless = None
        self._failing_since = None
        self._retry_at = 0.0
        self._retry_delay = READ_RETRY[0]

    def failed(self, reason: str) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self._retry_at = now + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, READ_RETRY[1])

    def close(self) -> None:
        self._client.close()


def ok(answer: httpx.Response) -> httpx.Response:
    """The answer if it is a 200; TokenRefused on 403, StoreUnavailable otherwise."""
    if answer.status_code == 200:
        return answer
    code, detail = error_of(answer)
    if answer.status_code == 403:
        raise TokenRefused(f"the server refused: {detail}")
    raise StoreUnavailable(f"the server answered {answer.status_code} {code}: {detail}")


def refusal(code: str | None, detail: str) -> WarroomError:
    """The error a caller gets for an event the server refused."""
    if code == "conflict":
        return Conflict(detail)
    return Refused(detail)


def json_of(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        raise Unreachable(f"the server answered {answer.status_code} without JSON") from None


def error_of(answer: httpx.Response) -> tuple[str, str]:
    """The server's `{"error": CODE, "detail": TEXT}`, or what can be made of the answer."""
    try:
        body = answer.json()
        return str(body["error"]), str(body["detail"])
    except (ValueError, KeyError, TypeError):
        return str(answer.status_code), answer.text[:200] or answer.reason_phrase


def token_message(answer: httpx.Response) -> str:
    _, detail = error_of(answer)
    return f"the server refused the token ({detail}); check --token or WARROOM_TOKEN"


def _describe(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if text != type(error).__name__ else text
