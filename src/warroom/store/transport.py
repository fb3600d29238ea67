"""The http store's transport: the calls to warroom's server, their errors, the
token, and whether the server is being reached.

The server may be several replicas of one store (`--server URL1,URL2`): each
call goes to the current URL; a connect error, a timeout or a 502/503/504
moves it on to the next URL (round robin), and the one that answered becomes
the current one.  A request that may have reached a server that then died
(its answer never came) goes on to the next URL only when repeating it is
harmless: a GET, or a call marked idempotent (a delivery of events, whose ids
are their idempotency keys); any other gets `Unreachable`, and the next call
starts at the next URL.  Before a URL is first used, its
`GET /me` says which store it serves; `owner` (`warroom.store.owner`)
compares that with the store the local file belongs to, and refuses a server
of another store.

A call that gets no answer from any URL (or a 5xx) raises `Unreachable`: the
caller uses the replica and keeps the outbox.  A refused token raises
`TokenRefused`.  After a failure, reads leave the servers alone for a while
(doubling up to `READ_RETRY[1]`), so a command against servers that are down
answers from the replica at once.

This module never imports the server package or a web framework.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

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
FAILOVER_STATUS = (502, 503, 504)  # answers that send a call on to the next URL

LIVE, RECONNECTING, OFFLINE = "live", "reconnecting", "offline"
STORAGE_FULL = "the server cannot store events (disk full)"
SERVER_HELP = "give the server's URL, e.g. http://127.0.0.1:8080 (several: URL1,URL2)"


class Unreachable(Exception):
    """The server did not answer (or answered 5xx): use the replica, keep the outbox."""


class TokenRefused(StoreUnavailable):
    """The server refused the token (401) or its role (403)."""


class Owner(Protocol):
    """Which store the servers must serve (`warroom.store.owner.Owner`)."""

    def knows(self, url: str) -> bool:
        """Whether `url` is known to serve the store (no need to ask it)."""
        ...

    def answered(self, url: str, store_id: str | None) -> None:
        """`url` says it serves `store_id`: learn it, or raise StoreUnavailable
        when it is another store's."""
        ...


def normalise_url(url: str) -> str:
    """One server's URL without a trailing slash or `/api/v1`; UsageError if it is not one."""
    text = url.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number
        valid = False
    if not valid or any(c.isspace() for c in text):
        raise UsageError(f"--server {url.strip()!r}: {SERVER_HELP}")
    return text.removesuffix(API)


def server_urls(servers: str | Sequence[str]) -> list[str]:
    """The URLs of `--server URL1,URL2` (or a list), normalised, each once, in
    the order given; UsageError naming the first bad one."""
    items = servers.split(",") if isinstance(servers, str) else list(servers)
    urls: list[str] = []
    for item in items:
        if not item.strip():
            raise UsageError(f"--server {servers!r}: an empty URL in the list; {SERVER_HELP}")
        url = normalise_url(item)
        if url not in urls:
            urls.append(url)
    if not urls:
        raise UsageError(f"--server: {SERVER_HELP}")
    return urls


class Transport:
    """The HTTP client of one store's servers (one or more URLs) and a token,
    and the state of the connection."""

    def __init__(
        self,
        servers: str | Sequence[str],
        token: str | None,
        clock: Clock,
        owner: Owner | None = None,
    ) -> None:
        self.urls = server_urls(servers)
        self.clock = clock
        self.owner = owner
        self.token_key = hashlib.sha256((token or "").encode()).hexdigest()[:16]
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        # One TLS context for every client: loading the CA certificates is
        # the costly part of making one (done now, not on the first call).
        self._tls = httpx.create_ssl_context()
        self._clients: dict[int, httpx.Client] = {}
        self._current = 0  # the URL that answered last
        self._checked: set[int] = set()  # URLs whose store was checked in this process
        self._stream_failures = 0  # streams that failed since one last connected
        self.contact: datetime | None = None  # when a server last answered
        self._failing_since: float | None = None
        self._retry_at = 0.0
        self._retry_delay = READ_RETRY[0]
        # Why the last call failed, when waiting will not help soon: no connection
        # at all (refused, a name that does not resolve, no answer to the
        # connect), or the server's disk is full.  None after any answer.
        self.hopeless: str | None = None

    @property
    def server_url(self) -> str:
        """The URL in use: the one that answered last."""
        return self.urls[self._current]

    @property
    def _client(self) -> httpx.Client:
        return self._client_of(self._current)

    def _client_of(self, index: int) -> httpx.Client:
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = httpx.Client(
                base_url=self.urls[index] + API,
                headers=self._headers,
                timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT),
                verify=self._tls,
            )
        return client

    def _order(self) -> list[int]:
        """The URLs' indexes, the current one first, then round robin."""
        count = len(self.urls)
        return [(self._current + step) % count for step in range(count)]

    def call(
        self, method: str, path: str, *, idempotent: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One request, failing over between the URLs; Unreachable without an
        answer (or on a 5xx), TokenRefused on 401, StoreUnavailable from a
        server of another store.  `idempotent`: repeating it changes nothing
        (events carry their ids), so a POST whose answer never came is sent
        to the next URL too, as a GET is."""
        reason = "server unreachable"
        connect_only, full = True, False
        for index in self._order():
            sent = False
            try:
                answer = self._check(index)
                if answer is None:
                    sent = True
                    answer = self._client_of(index).request(method, path, **kwargs)
            except httpx.HTTPError as error:
                reason = _describe(error)
                connect_only = connect_only and isinstance(error, _NOT_SENT)
                if not sent or isinstance(error, _NOT_SENT) or idempotent or method == "GET":
                    continue  # the next URL
                # It may have reached a server that died before answering: the
                # caller retries it (idempotently), beginning with the next URL.
                self._current = (index + 1) % len(self.urls)
                break
            if answer.status_code in FAILOVER_STATUS:
                full = full or (answer.status_code == 503 and _storage_full(answer))
                reason = STORAGE_FULL if full else f"the server answered {answer.status_code}"
                connect_only = False
                continue
            self._current = index
            if answer.status_code >= 500:
                reason = f"the server answered {answer.status_code}"
                self.failed(reason)
                self.hopeless = None
                raise Unreachable(reason)
            self.succeeded()
            if answer.status_code == 401:
                raise TokenRefused(token_message(answer))
            return answer
        self.failed(reason)
        self.hopeless = STORAGE_FULL if full else ("server unreachable" if connect_only else None)
        raise Unreachable(self._all(reason))

    def _all(self, reason: str) -> str:
        return reason if len(self.urls) == 1 else f"no server answered ({reason})"

    def _check(self, index: int) -> httpx.Response | None:
        """Before a URL's first use: which store it serves (`GET /me`), for
        the owner to accept or refuse (StoreUnavailable).  The answer if it
        was a 5xx (the server cannot say now); httpx errors; TokenRefused on
        401.  A server that answers without a store id is taken at its word."""
        if index in self._checked:
            return None
        url = self.urls[index]
        if self.owner is None or self.owner.knows(url):
            self._checked.add(index)
            return None
        answer = self._client_of(index).get("/me")
        if answer.status_code >= 500:
            return answer
        if answer.status_code == 401:
            raise TokenRefused(token_message(answer))
        store_id = None
        with contextlib.suppress(ValueError, AttributeError):
            store_id = answer.json().get("store_id") if answer.status_code == 200 else None
        self.owner.answered(url, str(store_id) if store_id else None)
        self._checked.add(index)
        return None

    def get(self, path: str, **params: Any) -> Any:
        """The JSON of a GET that must answer 200."""
        return json_of(ok(self.call("GET", path, params=params or None)))

    # -- streams ---------------------------------------------------------------------

    def stream_client(self) -> httpx.AsyncClient:
        """A client for Server-Sent Events (absolute URLs, from `stream_base`):
        read with a timeout longer than the heartbeat."""
        timeout = httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT, read=sse.READ_TIMEOUT)
        return httpx.AsyncClient(headers=self._headers, timeout=timeout, verify=self._tls)

    def stream_base(self) -> str:
        """Where the next stream connects (blocking: the URL's store is
        checked before its first use): the current URL's API, or the next
        one's if the current cannot be checked."""
        for index in self._order():
            try:
                if self._check(index) is not None:
                    continue
            except httpx.HTTPError:
                continue
            self._current = index
            break
        return self.urls[self._current] + API

    def stream_failed(self, base: str, reason: str) -> None:
        """A stream from `base` failed: the next connects to the next URL.
        Once every URL failed in turn, the connection is failing."""
        if self.urls[self._current] + API == base:
            self._current = (self._current + 1) % len(self.urls)
        self._stream_failures += 1
        if self._stream_failures >= len(self.urls):
            self.failed(reason)

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
        self._stream_failures = 0

    def failed(self, reason: str) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self._retry_at = now + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, READ_RETRY[1])

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


_NOT_SENT = httpx.ConnectError | httpx.ConnectTimeout  # the request never reached a server


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


def _storage_full(answer: httpx.Response) -> bool:
    return error_of(answer)[0] == "storage_full"


def _describe(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if text != type(error).__name__ else text
