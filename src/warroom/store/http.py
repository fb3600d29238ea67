"""The http store: the Store contract as a client of warroom's own server.

Every event is first committed to a local outbox and is pending until the
server has stored it; reads are answered from a local replica of the
server's events, brought up to date from the server when it can be reached.
`HTTPStore` puts together the parts, one job each:

- `warroom.store.transport`: the calls to the server, their errors, the token;
- `warroom.store.delivery`: the sender that delivers the outbox in order,
  exactly once, one sender per outbox file (flush, sync, finish);
- `warroom.store.reads`: reads through the replica (stale while the server is
  down), and `watch`, which follows the server's Server-Sent Events;
- `warroom.store.remote_alerts`: the server's alert inbox (`alert_inbox()`);
- `warroom.store.outbox` and `warroom.store.replica`: the outbox and the
  replica, in one SQLite file (`warroom.store.localfile`), which belongs to
  one store (`warroom.store.owner`: the store id its servers answer with) and
  is found by that store id (`warroom.store.outboxes`).

The servers may be several replicas of one store (`--server URL1,URL2`): the
transport fails over between them, for plain calls, for delivering the
outbox and for live streams (which resume from their own cursor, so nothing
is lost or repeated).

It is a `RemoteStore` (`warroom.store.base`).  This module never imports the
server package or a web framework.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import Conflict, Refused, StoreUnavailable, UsageError
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.validate import normalise, validate
from warroom.store.base import OverrideRow
from warroom.store.delivery import FLUSH_SECONDS, Sender
from warroom.store.localfile import LocalFile
from warroom.store.outbox import PENDING, REJECTED, Outbox, OutboxEntry, SyncReport
from warroom.store.outboxes import Index
from warroom.store.owner import Owner
from warroom.store.reads import CachedReads
from warroom.store.remote_alerts import RemoteInbox
from warroom.store.remote_overrides import RemoteOverrides
from warroom.store.replica import Replica
from warroom.store.transport import (
    LIVE,
    RECONNECTING,
    TokenRefused,
    Transport,
    Unreachable,
    error_of,
    json_of,
    normalise_url,
    refusal,
    server_urls,
)

# The server takes request bodies of up to 1 MiB: an import goes in batches of
# about half that.
IMPORT_BATCH_BYTES = 512 * 1024

__all__ = [
    "FLUSH_SECONDS",
    "HTTPStore",
    "SyncReport",
    "TokenRefused",
    "normalise_url",
    "outbox_path",
    "server_urls",
]


def outbox_path(servers: str | Sequence[str], env: Mapping[str, str] | None = None) -> Path:
    """The outbox file for a server's URLs: WARROOM_OUTBOX, else its store's
    file in the user's data folder (`warroom.store.outboxes`)."""
    return _outbox_choice(servers, env)[0]


def _outbox_choice(
    servers: str | Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[Path, Index | None]:
    env = os.environ if env is None else env
    if env.get("WARROOM_OUTBOX"):
        return Path(env["WARROOM_OUTBOX"]).expanduser(), None
    from platformdirs import user_data_dir

    index = Index(Path(user_data_dir("warroom")))
    return index.file_for(server_urls(servers)), index


class HTTPStore:
    """The Store contract against a warroom server (one store's replicas, one
    or more URLs), with a durable local outbox."""

    def __init__(
        self,
        servers: str | Sequence[str],
        token: str | None,
        outbox_path: str | os.PathLike[str] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        catalog: Catalog | None = None,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        """`servers`: one URL, or several replicas' (`URL1,URL2`);
        `outbox_path` None: WARROOM_OUTBOX, else the store's file in the
        user's data folder (`outbox_path()`)."""
        urls = server_urls(servers)
        index: Index | None = None
        if outbox_path is None:
            outbox_path, index = _outbox_choice(urls)
        self.clock = clock
        self.flush_seconds = flush_seconds
        self._file = LocalFile(Path(outbox_path).expanduser())
        self._outbox = Outbox(self._file)  # `outbox()` lists it (RemoteStore)
        self._index, self._urls = index, urls
        try:
            self.owner = Owner(self._file, urls, index, learned=self._learned)
        except StoreUnavailable:
            self._file.close()
            raise
        if self.owner.store_id is not None:
            self._adopt(self.owner.store_id)
        self.replica = Replica(self._file)
        self.transport = Transport(urls, token, clock, self.owner)
        self.reads = CachedReads(self.transport, self._file, self.replica, self._outbox, catalog)
        self.sender = Sender(self.transport, self._outbox, self.replica, lambda: self.catalog)
        self._inbox: RemoteInbox | None = None
        self._closed = False

    def _adopt(self, store_id: str) -> int:
        """Move in the store's events held in its other outbox files
        (`warroom.store.outboxes`); how many."""
        if self._index is None:
            return 0
        try:
            return self._index.adopt(self._outbox, store_id, self._urls)
        except (StoreUnavailable, OSError):
            return 0  # they stay where they are, adopted another time

    def _learned(self, store_id: str) -> None:
        """The file learnt its store (first contact): its other files' events
        move in and are delivered too."""
        if self._adopt(store_id):
            self.sender.wake()

    @property
    def server_url(self) -> str:
        """The server's URL in use (the one that answered last)."""
        return self.transport.server_url

    # -- who, what (RemoteStore) -------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The server's severities, roles and workflow (cached for offline use)."""
        return self.reads.catalog

    def whoami(self) -> dict[str, str] | None:
        """The token's name (the actor of what is written) and role, from
        `GET /me` (cached); None if the server was never reached."""
        return self.reads.whoami()

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
        """("live" | "reconnecting" | "offline", how many events are pending).
        "live" only once nothing is pending: after the server returns, what was
        queued is confirmed first."""
        state, pending = self.transport.state(), self._outbox.count(PENDING)
        return (RECONNECTING if state == LIVE and pending else state), pending

    def cached_at(self) -> datetime | None:
        """When the server was last reached (the age of the cached data)."""
        return self.reads.cached_at()

    @property
    def stale(self) -> bool:
        """Whether a read was answered from the cache because the server was unreachable."""
        return self.reads.stale

    def stale_note(self) -> str:
        return self.reads.stale_note()

    def alert_inbox(self) -> RemoteInbox:
        """The server's alert inbox (`AlertInbox` over /api/v1/alerts); one per
        store, so its `changed()` counts what this store's live streams receive."""
        if self._inbox is None:
            self._inbox = RemoteInbox(self.reads)
        return self._inbox

    # -- on-call overrides: OverrideTable (warroom.store.remote_overrides) ------

    def add_override(
        self, schedule: str, person: str, starts_at: str, ends_at: str, actor: str, at: str
    ) -> OverrideRow:
        return RemoteOverrides(self.transport).add_override(
            schedule, person, starts_at, ends_at, actor, at
        )

    def override_rows(self, ending_after: str | None = None) -> list[OverrideRow]:
        return RemoteOverrides(self.transport).override_rows(ending_after)

    def remove_override(self, override_id: int, actor: str, at: str) -> OverrideRow | None:
        return RemoteOverrides(self.transport).remove_override(override_id, actor, at)

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
            group = self._outbox.queue(list(fresh.values()), self.clock.now())
            self.sender.deliver(group, self.flush_seconds, self._check_locally)
        return [self._result(event.id) for event in events]

    def _known(self, event_id: str) -> Event | None:
        stored = self.replica.stored_event(event_id)
        if stored is not None:
            return stored
        entry = self._outbox.entry(event_id)
        return entry.event if entry is not None and entry.state == PENDING else None

    def _result(self, event_id: str) -> Event:
        found = self._known(event_id)
        if found is None:  # pragma: no cover - delivered or pending, never neither
            raise StoreUnavailable(
                f"event {event_id} is neither pending nor cached: the cache {self._file.path} "
                "is out of step with the server; remove it (after `warroom sync`)"
            )
        return found

    def _check_locally(self, group: int) -> None:
        """Validate a queued group against the cached state (server unreachable)."""
        states: dict[str, Incident | None] = {}
        now = self.clock.now()
        for entry in self._outbox.entries((PENDING,)):
            if entry.group != group:
                continue
            incident_id = entry.event.incident_id
            if incident_id not in states:
                states[incident_id] = self.reads.view(incident_id, before_group=group)
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
        keeping their actors; (the events as stored, how many were new).  A
        large file goes in batches, in order, each within the server's body
        limit (importing again changes nothing, so a batch that failed can be
        retried by importing the file again)."""
        stored: list[Event] = []
        new = 0
        for batch in _import_batches(events):
            try:
                answer = self.transport.call(
                    "POST", "/import", idempotent=True, json={"events": batch}
                )
            except Unreachable as error:
                raise StoreUnavailable(
                    f"import needs the server, unreachable now: {error}"
                ) from None
            if answer.status_code != 201:
                code, detail = error_of(answer)
                if answer.status_code == 403:
                    raise UsageError(f"import needs an admin token ({detail})")
                raise refusal(code, detail)
            document = json_of(answer)
            batch_stored = [Event.from_dict(raw) for raw in document["events"]]
            self.replica.ingest(batch_stored, self.catalog)
            stored += batch_stored
            new += int(document["new"])
        return stored, new

    # -- the outbox (RemoteStore) ------------------------------------------------------

    def sync(self, wait: float | None = None) -> SyncReport:
        """Deliver what is pending now (retrying for up to `wait` s), refresh the
        cache, and report what is still pending or was rejected."""
        report = self.sender.sync(
            self.flush_seconds if wait is None else wait,
            lambda: self.reads.refresh(force=True),
        )
        self.reads.stale = False
        return report

    def dismiss_rejected(self) -> int:
        """Forget the rejected events (after a person has seen them)."""
        return self._outbox.dismiss_rejected()

    def pending_events(self, incident_id: str | None = None) -> list[Event]:
        """Events typed here and not yet stored by the server, oldest first."""
        return [entry.event for entry in self._outbox.entries((PENDING,), incident_id)]

    def outbox(self, states: Sequence[str] = (PENDING, REJECTED)) -> list[OutboxEntry]:
        return self._outbox.entries(states)

    def finish(self) -> list[str]:
        """Before a command exits: try to deliver what is pending (for about
        `flush_seconds`), and say what a person should know, one line each."""
        return self.sender.finish(
            self.flush_seconds, lambda: self.reads.stale_note() if self.reads.stale else None
        )

    # -- reading ---------------------------------------------------------------------

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        return self.reads.events(incident_id, after_seq)

    def events_before(
        self, incident_id: str, before_seq: int | None = None, limit: int = 1000
    ) -> list[Event]:
        return self.reads.events_before(incident_id, before_seq, limit)

    def events_after(
        self, after_gseq: int, incident_id: str | None = None, limit: int = 1000
    ) -> list[Event]:
        return self.reads.events_after(after_gseq, incident_id, limit)

    def incident(self, incident_id: str) -> Incident:
        return self.reads.incident(incident_id)

    def incidents(self, include_closed: bool = False) -> list[Incident]:
        return self.reads.incidents(include_closed)

    def resolve(self, ref: str) -> str:
        return self.reads.resolve(ref)

    def last_gseq(self) -> int:
        return self.reads.last_gseq()

    def watch(self, after_gseq: int = 0, incident_id: str | None = None) -> AsyncIterator[Event]:
        """Every event stored after `after_gseq` (of one incident or all), once,
        in order, live, by Server-Sent Events; resumes from its own cursor after
        any disconnect.  While it is connected, pending events are delivered."""
        return self.reads.watch(after_gseq, incident_id, self.sender.wake_if_pending)

    # -- closing ---------------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self.sender.stop()
        self._closed = True
        self.reads.save_contact()
        self.transport.close()
        self._file.close()

    def __enter__(self) -> HTTPStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _import_batches(events: Sequence[Event]) -> list[list[dict[str, object]]]:
    """The events as `/import` bodies of at most IMPORT_BATCH_BYTES each (one
    event, at most 256 kB of data, always fits)."""
    batches: list[list[dict[str, object]]] = []
    size = IMPORT_BATCH_BYTES
    for event in events:
        raw = event.to_dict()
        length = len(json.dumps(raw)) + 2
        if size + length > IMPORT_BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(raw)
        size += length
    return batches


def _same_or_conflict(known: Event, candidate: Event) -> None:
    with contextlib.suppress(Refused):
        known, candidate = normalise(known), normalise(candidate)
    if candidate.content_key() != known.content_key():
        raise Conflict(f"event {known.id} is already stored with different content")
