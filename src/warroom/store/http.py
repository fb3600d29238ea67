"""The http store: the Store contract as a client of warroom's own server.

Every event is first committed to a local outbox (`warroom.store.outbox`:
SQLite, durable) and is pending until the server has stored it.  One sender
per outbox file at a time (an OS lock on a file beside it) delivers the
outbox in order, each event's `id` being its idempotency key, so an event
typed while the server is unreachable is delivered later exactly once, also
after the client was killed.  An event the server refuses on delivery is kept
as `rejected` with the server's reason; one the caller is still waiting for is
refused to the caller instead (Refused / Conflict), as every store does.

Reads bring the local cache up to date from the server's feed (`GET /events`
after the cache's cursor) and answer from it, so the same calls work, marked
stale, while the server is down.  A pending incident's state is the fold of
its pending events.  `watch` follows the server's Server-Sent Events streams
and resumes from its own cursor (`Last-Event-ID`) after any disconnect.

This module never imports the server package or a web framework.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.core.catalog import Catalog, build_catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import (
    Conflict,
    NotFound,
    Refused,
    StoreUnavailable,
    UsageError,
    WarroomError,
)
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.times import format_local, format_time, parse_wire_time
from warroom.core.validate import normalise, validate
from warroom.store import sse
from warroom.store.base import REF_HELP, parse_ref, sort_incidents
from warroom.store.outbox import PENDING, REJECTED, Group, LocalFile, OutboxEntry

# httpx imports its command-line tool (and with it rich, click and pygments)
# whenever they are installed.  The store needs none of it and a CLI command
# should not pay for it: that one optional import fails as if they were absent.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

try:  # POSIX; elsewhere one sender per process is all that is enforced
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

API = "/api/v1"
FLUSH_SECONDS = 2.0  # how long a command tries to deliver what is pending before it exits
CONNECT_TIMEOUT = 2.0
REQUEST_TIMEOUT = 15.0
FEED_PAGE = 5_000
SEND_EVENTS = 200  # events per delivery request (whole groups only)
OFFLINE_AFTER = 10.0  # seconds of failures before "reconnecting" becomes "offline"
READ_RETRY = (1.0, 10.0)  # after a failure, reads use the cache for this long (doubling)
SEND_RETRY = (0.1, 5.0)  # backoff between delivery attempts (doubling)
SENDER_IDLE = 5.0  # the background sender looks at the outbox at least this often

LIVE, RECONNECTING, OFFLINE = "live", "reconnecting", "offline"


class _Unreachable(Exception):
    """The server did not answer (or answered 5xx): use the cache, keep the outbox."""


class TokenRefused(StoreUnavailable):
    """The server refused the token (401) or its role (403)."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What `sync` did: delivered events, what is still pending or was rejected."""

    delivered: int
    pending: list[OutboxEntry]
    rejected: list[OutboxEntry]
    reachable: bool
    problem: str | None = None


def outbox_path(server_url: str, env: Mapping[str, str] | None = None) -> Path:
    """The outbox file for a server: WARROOM_OUTBOX, else one per server URL
    under the user's data folder (`outbox-<sha256(url)[:12]>.db`)."""
    env = os.environ if env is None else env
    if env.get("WARROOM_OUTBOX"):
        return Path(env["WARROOM_OUTBOX"]).expanduser()
    from platformdirs import user_data_dir

    digest = hashlib.sha256(normalise_url(server_url).encode()).hexdigest()[:12]
    return Path(user_data_dir("warroom")) / f"outbox-{digest}.db"


def normalise_url(url: str) -> str:
    text = url.strip().rstrip("/")
    if not text.startswith(("http://", "https://")):
        raise UsageError(f"--server {url!r}: give the server's URL, e.g. http://127.0.0.1:8080")
    return text.removesuffix(API)


class HTTPStore:
    """The Store contract against a warroom server, with a durable local outbox."""

    def __init__(
        self,
        server_url: str,
        token: str | None,
        outbox_path: str | os.PathLike[str],
        clock: Clock = SYSTEM_CLOCK,
        *,
        catalog: Catalog | None = None,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.server_url = normalise_url(server_url)
        self.clock = clock
        self.flush_seconds = flush_seconds
        self.local = LocalFile(Path(outbox_path).expanduser())
        self._check_owner()
        self._fallback_catalog = catalog
        self._catalog: Catalog | None = None
        self._catalog_checked = False
        self._token_key = hashlib.sha256((token or "").encode()).hexdigest()[:16]
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(
            base_url=self.server_url + API,
            headers=self._headers,
            timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT),
        )
        self._lock_path = self.local.path.with_name(self.local.path.name + ".lock")
        self._me: dict[str, str] | None = None
        # connection state
        self._contact: datetime | None = None
        self._contact_saved: datetime | None = None
        self._failing_since: float | None = None
        self._retry_at = 0.0
        self._retry_delay = READ_RETRY[0]
        self._served_stale = False
        self._token_problem: str | None = None
        # delivery
        self._queued_here: set[int] = set()
        self._delivered = 0
        self._synced = False
        self._sender: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._closed = False

    def _check_owner(self) -> None:
        owner = self.local.get("server")
        if owner is None:
            self.local.put("server", self.server_url)
        elif owner != self.server_url:
            self.local.close()
            raise StoreUnavailable(
                f"the outbox {self.local.path} belongs to the server {owner}, not "
                f"{self.server_url}; give another file with WARROOM_OUTBOX"
            )

    # -- who, what -------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The server's severities, roles and workflow (cached for offline use)."""
        if self._catalog is None:
            raw = self.local.get("catalog")
            if raw is not None:
                self._catalog = _build_catalog(json.loads(raw))
            elif self._may_try():
                with contextlib.suppress(_Unreachable):
                    self._refresh_catalog()
            if self._catalog is None:
                self._catalog = self._fallback_catalog or Catalog.default()
        return self._catalog

    def whoami(self) -> dict[str, str] | None:
        """The token's name (the actor of what is written) and role, from
        `GET /me` (cached); None if the server was never reached."""
        if self._me is None:
            key = f"me:{self._token_key}"
            raw = self.local.get(key)
            if raw is not None:
                self._me = json.loads(raw)
            elif self._may_try():
                with contextlib.suppress(_Unreachable):
                    answer = self._call("GET", "/me")
                    if answer.status_code == 200:
                        self._me = {k: str(v) for k, v in _json(answer).items()}
                        self.local.put(key, json.dumps(self._me))
        return self._me

    @property
    def actor(self) -> str | None:
        """The token's name: the server writes every event as it (`--as` is ignored)."""
        me = self.whoami()
        return me.get("name") if me else None

    @property
    def role(self) -> str | None:
        me = self.whoami()
        return me.get("role") if me else None

    def is_viewer(self) -> bool:
        """A viewer token reads and watches only (the TUI opens in wall mode)."""
        return self.role == "viewer"

    def connection_state(self) -> tuple[str, int]:
        """("live" | "reconnecting" | "offline", how many events are pending)."""
        pending = self.local.count(PENDING)
        if self._failing_since is None:
            return (LIVE if self._contact else RECONNECTING), pending
        failing = time.monotonic() - self._failing_since
        return (RECONNECTING if failing < OFFLINE_AFTER else OFFLINE), pending

    def cached_at(self) -> datetime | None:
        """When the server was last reached (the age of the cached data)."""
        if self._contact is not None:
            return self._contact
        raw = self.local.get("last_contact")
        return parse_wire_time(raw) if raw else None

    @property
    def stale(self) -> bool:
        """Whether a read was answered from the cache because the server was unreachable."""
        return self._served_stale

    # -- writing ---------------------------------------------------------------

    def append(self, event: Event) -> Event:
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        """Commit the events to the outbox, then deliver them (all or none).

        Returns them as stored; or, when the server cannot be reached, as
        pending (seq None) after checking them against the cached state."""
        events = list(events)
        if not events:
            return []
        me = self.whoami()
        if me is not None and me.get("role") == "viewer":
            raise UsageError(
                f"the token of {me.get('name')} is a viewer token: it can read and watch, not write"
            )
        actor = me.get("name") if me else None
        fresh: dict[str, Event] = {}
        given: dict[str, Event] = {}
        for event in events:
            known = given.get(event.id) or self._known(event.id)
            if known is not None:
                _same_or_conflict(known, event)
                continue
            given[event.id] = event
            fresh[event.id] = normalise(replace(event, actor=actor) if actor else event)
        if fresh:
            group = self.local.queue(list(fresh.values()), self.clock.now())
            self._deliver_group(group)
        return [self._result(event.id) for event in events]

    def _known(self, event_id: str) -> Event | None:
        stored = self.local.stored_event(event_id)
        if stored is not None:
            return stored
        entry = self.local.entry(event_id)
        return entry.event if entry is not None and entry.state == PENDING else None

    def _result(self, event_id: str) -> Event:
        found = self._known(event_id)
        if found is None:  # pragma: no cover - delivered or pending, never neither
            raise StoreUnavailable(
                f"event {event_id} is neither pending nor cached: the cache {self.local.path} "
                "is out of step with the server; remove it (after `warroom sync`)"
            )
        return found

    def _deliver_group(self, group: int) -> None:
        def done() -> bool:
            return self.local.group_state(group)[0] == 0

        outcome = "skipped"
        if self._may_try():
            outcome = self._flush(self.flush_seconds, retry=False, until=done)
        pending, rejected = self.local.group_state(group)
        if rejected is not None:
            self.local.drop_group(group)
            raise _refusal(rejected.code, rejected.reason or "refused by the server")
        if pending == 0:
            return
        if outcome == "auth":
            self.local.drop_group(group)
            raise TokenRefused(self._token_problem or "the server refused the token")
        try:
            self._check_locally(group)
        except Refused:
            pending, rejected = self.local.group_state(group)
            if pending == 0 and rejected is None:
                return  # another sender delivered it meanwhile
            self.local.drop_group(group)
            raise
        self._queued_here.add(group)
        self._wake_sender()

    def _check_locally(self, group: int) -> None:
        """Validate a queued group against the cached state (server unreachable)."""
        states: dict[str, Incident | None] = {}
        now = self.clock.now()
        for entry in self.local.entries((PENDING,)):
            if entry.group != group:
                continue
            incident_id = entry.event.incident_id
            if incident_id not in states:
                states[incident_id] = self._view(incident_id, before_group=group)
            state = states[incident_id]
            try:
                checked = validate(state, entry.event, self.catalog, now)
            except Refused as error:
                raise Refused(
                    f"{error} (checked against cached data: the server is unreachable)"
                ) from None
            if state is None:
                state = states[incident_id] = Incident(id=incident_id)
            apply(state, checked, self.catalog)

    def import_events(self, events: Sequence[Event]) -> tuple[list[Event], int]:
        """Import an export file's events through the admin-only `/import`,
        keeping their actors; (the events as stored, how many were new)."""
        body = {"events": [event.to_dict() for event in events]}
        try:
            answer = self._call("POST", "/import", json=body)
        except _Unreachable as error:
            raise StoreUnavailable(f"import needs the server, unreachable now: {error}") from None
        if answer.status_code != 201:
            code, detail = _error_of(answer)
            if answer.status_code == 403:
                raise UsageError(f"import needs an admin token ({detail})")
            raise _refusal(code, detail)
        document = _json(answer)
        stored = [Event.from_dict(raw) for raw in document["events"]]
        self.local.ingest(stored, self.catalog)
        return stored, int(document["new"])

    # -- delivering --------------------------------------------------------------

    def _flush(self, wait: float, retry: bool, until: Callable[[], bool] | None = None) -> str:
        """Deliver the outbox, in order, as the one sender of this file.

        "empty": nothing is left pending; "unreachable"; "auth": the token was
        refused; "busy": another sender held the file all along.  With `retry`,
        keep trying (with backoff) for up to `wait` seconds."""
        deadline = time.monotonic() + wait
        delay = SEND_RETRY[0]
        while True:
            outcome = "busy"
            lock = self._lock_sender(deadline, until)
            if lock is not None:
                try:
                    outcome = self._send_all()
                finally:
                    _unlock(lock)
            if outcome in ("empty", "auth") or (until is not None and until()):
                return outcome
            remaining = deadline - time.monotonic()
            if (not retry and outcome != "busy") or remaining <= 0:
                return outcome
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, SEND_RETRY[1])

    def _lock_sender(self, deadline: float, until: Callable[[], bool] | None) -> int | None:
        """Take the outbox's sender lock (a new descriptor each time, so threads
        of this process exclude each other too); None if it stayed taken."""
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is None:  # pragma: no cover
            return fd
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline or (until is not None and until()):
                    os.close(fd)
                    return None
                time.sleep(0.02)

    def _send_all(self) -> str:
        while True:
            groups = self.local.pending_groups(SEND_EVENTS)
            if not groups:
                return "empty"
            try:
                self._post(groups)
            except _Unreachable:
                return "unreachable"
            except TokenRefused as error:
                self._token_problem = str(error)
                return "auth"

    def _post(self, groups: list[Group]) -> None:
        events = [event for group in groups for event in group.events]
        body = {"events": [_wire(event) for event in events]}
        try:
            answer = self._call("POST", "/events/batch", json=body)
            if answer.status_code == 409:  # a retry of an id still being written
                raise _Unreachable("the server is still writing an earlier attempt")
        except _Unreachable as error:
            self.local.attempted([group.id for group in groups], str(error))
            raise
        if answer.status_code == 201:
            stored = [Event.from_dict(raw) for raw in _json(answer)["events"]]
            self.local.delivered([event.id for event in events], stored, self.catalog)
            self._delivered += len(events)
            return
        code, detail = _error_of(answer)
        if answer.status_code == 403:
            raise TokenRefused(f"the server refused to store events with this token: {detail}")
        if len(groups) > 1:  # find which group it was: each on its own
            for group in groups:
                self._post([group])
            return
        self.local.reject(groups[0].id, code, detail)

    def _wake_sender(self) -> None:
        """Keep delivering in the background (with backoff) while events are pending."""
        self._wake.set()
        if self._closed or self._stop.is_set():
            return
        if self._sender is None or not self._sender.is_alive():
            self._sender = threading.Thread(target=self._send_loop, name="warroom-sender")
            self._sender.daemon = True
            self._sender.start()

    def _send_loop(self) -> None:
        delay = SEND_RETRY[0]
        while not self._stop.is_set():
            try:
                if self.local.count(PENDING) == 0:
                    self._wake.wait(SENDER_IDLE)
                    self._wake.clear()
                    continue
                outcome = self._flush(0, retry=False)
            except Exception:  # never kill the app over a background retry
                outcome = "error"
            if outcome == "empty":
                delay = SEND_RETRY[0]
                continue
            self._wake.wait(delay)
            self._wake.clear()
            delay = min(delay * 2, SEND_RETRY[1])

    def _stop_sender(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._sender is not None:
            self._sender.join(REQUEST_TIMEOUT)
            self._sender = None

    def sync(self, wait: float | None = None) -> SyncReport:
        """Deliver what is pending now (retrying for up to `wait` s), refresh the
        cache, and report what is still pending or was rejected."""
        before = self._delivered
        outcome = self._flush(self.flush_seconds if wait is None else wait, retry=True)
        reachable = self._sync(force=True) and outcome != "unreachable"
        problem = self._token_problem if outcome == "auth" else None
        self._synced = True  # the report says it all: `finish` adds nothing
        self._served_stale = False
        return SyncReport(
            delivered=self._delivered - before,
            pending=self.local.entries((PENDING,)),
            rejected=self.local.entries((REJECTED,)),
            reachable=reachable,
            problem=problem,
        )

    def dismiss_rejected(self) -> int:
        """Forget the rejected events (after a person has seen them)."""
        return self.local.dismiss_rejected()

    def pending_events(self, incident_id: str | None = None) -> list[Event]:
        """Events typed here and not yet stored by the server, oldest first."""
        return [entry.event for entry in self.local.entries((PENDING,), incident_id)]

    def outbox(self, states: Sequence[str] = (PENDING, REJECTED)) -> list[OutboxEntry]:
        return self.local.entries(states)

    def finish(self) -> list[str]:
        """Before a command exits: try to deliver what is pending (for about
        `flush_seconds`), and say what a person should know, one line each."""
        self._stop_sender()
        if self._synced:
            return []
        if self.local.count(PENDING):
            self._flush(self.flush_seconds, retry=True)
        notes: list[str] = []
        mine = [self.local.group_state(group) for group in sorted(self._queued_here)]
        rejected = [entry for _, entry in mine if entry is not None]
        for entry in rejected:
            notes.append(f"rejected by the server: {entry.reason} (kept; `warroom sync` lists it)")
        if any(pending for pending, _ in mine):
            why = "server unreachable"
            if self._token_problem:
                why = f"server refused the token ({self._token_problem})"
            notes.append(f"queued: {why}, {self.local.count(PENDING)} pending")
        elif self._served_stale:
            notes.append(self.stale_note())
        return notes

    def stale_note(self) -> str:
        when = self.cached_at()
        if when is None:
            return "server unreachable, and nothing is cached from it yet"
        return f"server unreachable: showing cached data from {format_local(when)}"

    # -- reading -------------------------------------------------------------------

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        self._sync()
        return self.local.events(incident_id, after_seq)

    def events_before(
        self, incident_id: str, before_seq: int | None = None, limit: int = 1000
    ) -> list[Event]:
        self._sync()
        return self.local.events_before(incident_id, before_seq, limit)

    def events_after(
        self, after_gseq: int, incident_id: str | None = None, limit: int = 1000
    ) -> list[Event]:
        self._sync()
        return self.local.events_after(after_gseq, incident_id, limit)

    def incident(self, incident_id: str) -> Incident:
        self._sync()
        state = self._view(incident_id)
        if state is None:
            raise NotFound(f"no incident {incident_id}{self._offline_hint()}")
        return state

    def incidents(self, include_closed: bool = False) -> list[Incident]:
        self._sync()
        states = {state.id: state for state in self.local.snapshots()}
        for entry in self.local.entries((PENDING,)):
            incident_id = entry.event.incident_id
            state = states.setdefault(incident_id, Incident(id=incident_id))
            apply(state, entry.event, self.catalog)
        found = [s for s in states.values() if s.declared_by]  # a pending view needs its declare
        if not include_closed:
            found = [state for state in found if state.is_open(self.catalog)]
        return sort_incidents(found)

    def resolve(self, ref: str) -> str:
        self._sync()
        number, prefix = parse_ref(ref)
        if number is not None:
            found = self.local.id_for_number(number)
            if found is not None:
                return found
        if prefix is not None:
            matches = self.local.ids_with_prefix(prefix)
            if len(matches) > 1:
                raise NotFound(f"{ref!r} matches more than one incident; give more characters")
            if matches:
                return matches[0]
        raise NotFound(
            f"no incident {ref}; `warroom list --all` shows them ({REF_HELP}){self._offline_hint()}"
        )

    def last_gseq(self) -> int:
        self._sync()
        return self.local.last_gseq()

    def _view(self, incident_id: str, before_group: int | None = None) -> Incident | None:
        """The cached state with the pending events applied (None if neither)."""
        state = self.local.snapshot(incident_id)
        pending = [
            entry
            for entry in self.local.entries((PENDING,), incident_id)
            if before_group is None or entry.group < before_group
        ]
        if state is None and not pending:
            return None
        state = state or Incident(id=incident_id)
        for entry in pending:
            apply(state, entry.event, self.catalog)
        return state

    def _offline_hint(self) -> str:
        if self._failing_since is None:
            return ""
        return " (the server is unreachable: only cached incidents can be found)"

    def _sync(self, force: bool = False) -> bool:
        """Bring the cache up to date from the server's feed; False if unreachable."""
        if not force and not self._may_try():
            self._served_stale = True
            return False
        try:
            if not self._catalog_checked:
                self._refresh_catalog()
            catalog = self.catalog
            cursor = self.local.cursor()
            while True:
                answer = self._ok(
                    self._call("GET", "/events", params={"after_gseq": cursor, "limit": FEED_PAGE})
                )
                document = _json(answer)
                events = [Event.from_dict(raw) for raw in document["events"]]
                if not events and int(document["last_gseq"]) < cursor:
                    self.local.reset_cache()  # the server's store was replaced
                    cursor = 0
                    continue
                contact = self._contact if events else None
                self.local.ingest(events, catalog, follows=cursor, contact=contact)
                if contact is not None:
                    self._contact_saved = contact
                if len(events) < FEED_PAGE:
                    break
                cursor = events[-1].gseq or cursor
            if self.local.missing_numbers():
                self._fetch_numbers()
            return True
        except _Unreachable:
            self._served_stale = True
            return False

    def _fetch_numbers(self) -> None:
        answer = self._ok(self._call("GET", "/incidents", params={"all": "true"}))
        numbers: dict[str, int] = {}
        for item in _json(answer):
            ref = str(item.get("ref", ""))
            if ref.startswith("INC-") and ref[4:].isdigit():
                numbers[str(item["id"])] = int(ref[4:])
        self.local.set_numbers(numbers)

    def _refresh_catalog(self) -> None:
        self._catalog_checked = True
        document = _json(self._ok(self._call("GET", "/catalog")))
        text = json.dumps(document, sort_keys=True)
        if text == self.local.get("catalog"):
            return
        catalog = _build_catalog(document)
        previous = self._catalog
        self.local.put("catalog", text)
        self._catalog = catalog
        if previous is not None or self.local.snapshots():
            self.local.refold(catalog)

    # -- watching --------------------------------------------------------------------

    async def watch(
        self, after_gseq: int = 0, incident_id: str | None = None
    ) -> AsyncIterator[Event]:
        """Every event stored after `after_gseq` (of one incident or all), once,
        in order, live, by Server-Sent Events; reconnects (with backoff) after
        any disconnect and resumes from its own cursor (`Last-Event-ID`).
        What arrives is cached too."""
        if self.local.count(PENDING):
            self._wake_sender()
        cursor = after_gseq
        seq_cursor: int | None = None
        unsaved: list[Event] = []
        saved_to = cursor  # unsaved events are every event after this (all-incidents stream)

        async def where() -> tuple[str, str]:
            nonlocal seq_cursor
            if incident_id is None:
                return "/stream", str(cursor)
            if seq_cursor is None:  # an incident's stream counts in seqs
                seq_cursor = await asyncio.to_thread(self._seq_cursor, incident_id, cursor)
            return f"/incidents/{incident_id}/stream", str(seq_cursor)

        def connected() -> None:
            self._succeeded()
            if self.local.count(PENDING):
                self._wake_sender()

        def save_now() -> tuple[list[Event], int | None]:
            nonlocal unsaved, saved_to
            batch, start = unsaved, saved_to
            unsaved, saved_to = [], cursor
            return batch, (start if incident_id is None else None)

        timeout = httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT, read=sse.READ_TIMEOUT)
        client = httpx.AsyncClient(
            base_url=self.server_url + API, headers=self._headers, timeout=timeout
        )
        stream = sse.follow(client, where, connected, self._failed)
        try:
            async for message in stream:
                event = _event_or_none(message.data) if message.data is not None else None
                if event is None:  # a quiet moment: cache what arrived
                    if unsaved:
                        batch, follows = save_now()
                        await asyncio.to_thread(self._cache, batch, follows)
                    continue
                if (event.gseq or 0) <= cursor:
                    continue
                cursor = event.gseq or cursor
                if incident_id is not None:
                    seq_cursor = event.seq or seq_cursor
                unsaved.append(event)
                if len(unsaved) >= SEND_EVENTS:
                    batch, follows = save_now()
                    await asyncio.to_thread(self._cache, batch, follows)
                yield event
        except sse.StreamRefused as refused:
            raise TokenRefused(_token_message(refused.answer)) from None
        finally:
            if unsaved:
                self._cache(*save_now())
            with contextlib.suppress(Exception):
                await stream.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()

    def _cache(self, events: list[Event], follows: int | None) -> None:
        with contextlib.suppress(Exception):  # a cache that cannot be written is only a cache
            self.local.ingest(events, self.catalog, follows=follows)

    def _seq_cursor(self, incident_id: str, after_gseq: int) -> int:
        """The incident's seq matching `after_gseq` (its stream's ids are seqs)."""
        self._sync()
        return self.local.seq_at(incident_id, after_gseq)

    # -- talking to the server ----------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self._failed(_describe(error))
            raise _Unreachable(_describe(error)) from None
        if answer.status_code >= 500:
            self._failed(f"the server answered {answer.status_code}")
            raise _Unreachable(f"the server answered {answer.status_code}")
        self._succeeded()
        if answer.status_code == 401:
            raise TokenRefused(_token_message(answer))
        return answer

    def _ok(self, answer: httpx.Response) -> httpx.Response:
        if answer.status_code == 200:
            return answer
        code, detail = _error_of(answer)
        if answer.status_code == 403:
            raise TokenRefused(f"the server refused: {detail}")
        raise StoreUnavailable(f"the server answered {answer.status_code} {code}: {detail}")

    def _may_try(self) -> bool:
        return time.monotonic() >= self._retry_at

    def _succeeded(self) -> None:
        self._contact = self.clock.now()
        self._failing_since = None
        self._retry_at = 0.0
        self._retry_delay = READ_RETRY[0]

    def _failed(self, reason: str) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self._retry_at = now + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, READ_RETRY[1])

    # -- closing ---------------------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._stop_sender()
        self._closed = True
        if self._contact is not None and self._contact != self._contact_saved:
            with contextlib.suppress(Exception):
                self.local.put("last_contact", format_time(self._contact))
        self._client.close()
        self.local.close()

    def __enter__(self) -> HTTPStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _same_or_conflict(known: Event, candidate: Event) -> None:
    with contextlib.suppress(Refused):
        known, candidate = normalise(known), normalise(candidate)
    if candidate.content_key() != known.content_key():
        raise Conflict(f"event {known.id} is already stored with different content")


def _unlock(fd: int) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _wire(event: Event) -> dict[str, Any]:
    raw = event.to_dict()
    return {key: raw[key] for key in ("id", "incident_id", "kind", "actor", "occurred_at",
                                      "base_seq", "data")}  # fmt: skip


def _refusal(code: str | None, detail: str) -> WarroomError:
    if code == "conflict":
        return Conflict(detail)
    return Refused(detail)


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        raise _Unreachable(f"the server answered {answer.status_code} without JSON") from None


def _error_of(answer: httpx.Response) -> tuple[str, str]:
    """The server's `{"error": CODE, "detail": TEXT}`, or what can be made of the answer."""
    try:
        body = answer.json()
        return str(body["error"]), str(body["detail"])
    except (ValueError, KeyError, TypeError):
        return str(answer.status_code), answer.text[:200] or answer.reason_phrase


def _token_message(answer: httpx.Response) -> str:
    _, detail = _error_of(answer)
    return f"the server refused the token ({detail}); check --token or WARROOM_TOKEN"


def _event_or_none(data: str) -> Event | None:
    try:
        return Event.from_dict(json.loads(data))
    except ValueError:
        return None


def _describe(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if text != type(error).__name__ else text


def _build_catalog(document: dict[str, Any]) -> Catalog:
    """The catalog from `GET /catalog` (shaped like the data files)."""
    return build_catalog(document["severities"], document["roles"], document["workflow"])
