"""The Store contract: one protocol, several backends, one contract test suite."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar, runtime_checkable

from warroom.core.catalog import Catalog
from warroom.core.errors import NotFound
from warroom.core.events import Event
from warroom.core.incident import Incident

if TYPE_CHECKING:
    from typing import Any

    from warroom.core.alerts.model import AlertRecord, Ingested
    from warroom.store.outbox import OutboxEntry, SyncReport

T = TypeVar("T")
REF_HELP = "use INC-7, 7, or at least 6 hex characters of the incident's id"
_NUMBER_REF = re.compile(r"^(?:inc-?)?(\d+)$", re.IGNORECASE)
_HEX_REF = re.compile(r"^[0-9a-f][0-9a-f-]{5,35}$", re.IGNORECASE)


@runtime_checkable
class Store(Protocol):
    """Where incidents' events live.  Methods raise WarroomError subclasses."""

    catalog: Catalog

    def append(self, event: Event) -> Event:
        """Validate and store one event; return it as stored (seq, gseq set).

        Appending an id that is already stored returns the stored event and
        changes nothing; the same id with other content raises Conflict.  A
        refused event raises Refused and leaves no trace.
        """
        ...

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        """Append several events in one transaction: all are stored or none."""
        ...

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        """An incident's events with seq > after_seq, in seq order."""
        ...

    def events_before(
        self, incident_id: str, before_seq: int | None = None, limit: int = 1000
    ) -> list[Event]:
        """Up to `limit` of an incident's events with seq < before_seq (None: the
        newest), in seq order: a long timeline loads its newest screen first."""
        ...

    def events_after(
        self, after_gseq: int, incident_id: str | None = None, limit: int = 1000
    ) -> list[Event]:
        """Events with gseq > after_gseq (of one incident or all), in gseq order."""
        ...

    def incident(self, incident_id: str) -> Incident:
        """The current state of one incident; NotFound if there is none."""
        ...

    def incidents(self, include_closed: bool = False) -> list[Incident]:
        """Incidents, most severe first; open ones only unless include_closed."""
        ...

    def resolve(self, ref: str) -> str:
        """The incident id a reference (INC-7, 7, or an id prefix) names."""
        ...

    def last_gseq(self) -> int:
        """The newest gseq in the store (0 when empty)."""
        ...

    def watch(self, after_gseq: int = 0, incident_id: str | None = None) -> AsyncIterator[Event]:
        """New events after `after_gseq`, as they are committed, exactly once each."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class RemoteStore(Protocol):
    """What a store backed by a warroom server adds to the contract: a durable
    local outbox of events not yet stored by the server, a cache that may be
    stale, and the token's identity.  Check with `isinstance(store, RemoteStore)`."""

    @property
    def actor(self) -> str | None:
        """The token's name: the server writes every event as it."""
        ...

    @property
    def stale(self) -> bool:
        """Whether a read was answered from the cache (server unreachable)."""
        ...

    def whoami(self) -> dict[str, str] | None:
        """The token's name and role; None if the server was never reached."""
        ...

    def is_viewer(self) -> bool:
        """A viewer token reads and watches only."""
        ...

    def connection_state(self) -> tuple[str, int]:
        """("live" | "reconnecting" | "offline", how many events are pending)."""
        ...

    def cached_at(self) -> datetime | None:
        """When the server was last reached."""
        ...

    def outbox(self, states: Sequence[str] = ...) -> Sequence[OutboxEntry]:
        """The outbox entries in these states (pending and rejected by default)."""
        ...

    def pending_events(self, incident_id: str | None = None) -> list[Event]:
        """Events typed here and not yet stored by the server, oldest first."""
        ...

    def import_events(self, events: Sequence[Event]) -> tuple[list[Event], int]:
        """Import an export's events keeping their actors: (as stored, how many new)."""
        ...

    def sync(self, wait: float | None = None) -> SyncReport:
        """Deliver what is pending now and report what is still pending or rejected."""
        ...

    def dismiss_rejected(self) -> int:
        """Forget the rejected events."""
        ...

    def finish(self) -> list[str]:
        """Before a command exits: deliver what is pending, then say what a
        person should know, one line each."""
        ...

    def stale_note(self) -> str:
        """One line saying the data shown is cached, and from when."""
        ...

    def alert_inbox(self) -> AlertInbox:
        """The server's alert inbox (over /api/v1/alerts)."""
        ...


# Requests that arrived while a group waited for the store's write lock.
Latecomers = Callable[[], Sequence[Sequence[Event]]]


@runtime_checkable
class GroupAppender(Protocol):
    """A store that commits several independent requests in one transaction
    (the server's group commit).  Check with `isinstance(store, GroupAppender)`."""

    def append_group(
        self, requests: Sequence[Sequence[Event]], more: Latecomers | None = None
    ) -> list[list[Event] | Exception]:
        """Append each request like `append_many`, all in one commit.  A request
        that fails is rolled back alone and its exception returned in its place;
        StoreUnavailable if the transaction itself fails (nothing stored).
        `more()`, called once the transaction holds the store's write lock,
        gives requests that arrived while it waited for it: they join this
        commit, their outcomes after those of `requests`."""
        ...


@dataclass(frozen=True, slots=True)
class TokenRow:
    """One access token as the server keeps it: its SHA-256, never the token."""

    hash: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None


@runtime_checkable
class TokenTable(Protocol):
    """A store that keeps the server's access tokens beside the events (the
    server's own store: SQLite now, PostgreSQL later).  The policy (making,
    hashing, roles) is `warroom.server.tokens`'s; this is only the table.
    Check with `isinstance(store, TokenTable)`."""

    def add_token(self, row: TokenRow) -> None:
        """Store a new active token, durably; Conflict if an active token has its name."""
        ...

    def token_rows(self, include_revoked: bool = True) -> list[TokenRow]:
        """The tokens, oldest first."""
        ...

    def revoke_token(self, name: str, revoked_at: str) -> TokenRow | None:
        """Revoke the active token called `name`: its row as revoked, None if none."""
        ...

    def token_by_hash(self, digest: str) -> TokenRow | None:
        """The token whose hash is `digest`, revoked or not.  Runs on every
        request: one indexed read that sees the newest commit (a revocation in
        another process holds from the next request)."""
        ...


@dataclass(frozen=True, slots=True)
class OverrideRow:
    """An on-call override as the store keeps it (times are wire times)."""

    id: int
    schedule: str
    person: str
    starts_at: str
    ends_at: str
    created_by: str
    created_at: str
    removed_by: str | None = None
    removed_at: str | None = None


@runtime_checkable
class SecretTable(Protocol):
    """A store that keeps the server's own secrets (the ack links' signing
    key when none is configured).  Check with `isinstance(store, SecretTable)`."""

    def server_secret(self, name: str) -> str:
        """The secret `name`: made at random and stored on first use, durably;
        the same one for every process on the store afterwards."""
        ...


@runtime_checkable
class StoreIdentity(Protocol):
    """A store that knows its own id: random, made with the store, kept by
    copies of it, the same for every server on it (clients key their outboxes
    by it).  Check with `isinstance(store, StoreIdentity)`."""

    def store_id(self) -> str | None:
        """The store's id (None if it has none yet)."""
        ...


@runtime_checkable
class OverrideTable(Protocol):
    """A store that keeps on-call overrides (`warroom oncall override`).  The
    rules (known schedule and person, times) are the caller's; this is only the
    table.  Check with `isinstance(store, OverrideTable)`."""

    def add_override(
        self, schedule: str, person: str, starts_at: str, ends_at: str, actor: str, at: str
    ) -> OverrideRow:
        """Record an override, durably; the row with its new id."""
        ...

    def override_rows(self, ending_after: str | None = None) -> list[OverrideRow]:
        """The overrides not removed, oldest first (the later wins); with
        `ending_after`, only those ending after that wire time."""
        ...

    def remove_override(self, override_id: int, actor: str, at: str) -> OverrideRow | None:
        """Mark an override removed: its row as it was, None if there is no
        such override or it was removed already."""
        ...


DELIVERY_KINDS = ("page", "notify")  # the two queues: pages never wait behind notifications
DELIVERY_STATES = ("pending", "sent", "failed", "cancelled")  # cancelled: a page made moot


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message to send, as a sender (or the escalation runner) asks for it:
    one per (event, route, target); asking twice changes nothing.  `target` is
    an Apprise URL as configured (`env:NAME` / `file:PATH` references are
    revealed only when sending) or `command:` and the command line; `payload`
    the message's short plain text; `event` the event as JSON (what a command
    target reads on stdin; empty: the sender makes one from the fields);
    `due` a wire time before which it is not sent (None: now)."""

    event_id: str
    incident_id: str
    route: str
    target: str
    kind: str  # "page" | "notify"
    payload: str
    event: str = ""
    due: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """A delivery as the store keeps it (times are wire times)."""

    id: int
    event_id: str
    incident_id: str
    route: str
    target: str
    kind: str
    payload: str
    event: str
    state: str  # "pending" | "sent" | "failed" | "cancelled" (a page made moot, never sent)
    attempts: int
    last_error: str | None
    created_at: str
    next_try: str
    sent_at: str | None = None
    lease_owner: str | None = None
    lease_until: str | None = None
    digest: int | None = None


class DeliveryQueue(Protocol):
    """The deliveries table of a store, its routes' health and its sender's
    lease.  The policy (routing, backoff, rate limits, digests) is
    `warroom.services.notify`'s; this is only the table.  Times are wire times."""

    def enqueue(self, deliveries: Sequence[Delivery], at: str) -> int:
        """Add deliveries not yet known (by event, route, target), durably, as
        pending and due at `due` or `at`; how many were new."""
        ...

    def claim(
        self, kind: str, owner: str, now: str, lease_until: str, limit: int
    ) -> list[DeliveryRow]:
        """Take up to `limit` pending deliveries of queue `kind` due by `now`
        whose lease is free or expired (or `owner`'s): leased to `owner`
        until `lease_until`, oldest first."""
        ...

    def sent(self, ids: Sequence[int], owner: str, at: str, digest: int | None = None) -> int:
        """Mark `owner`'s claimed deliveries sent (carried by `digest` when
        several went as one); how many were."""
        ...

    def failed_attempt(
        self, ids: Sequence[int], owner: str, error: str, next_try: str, give_up: bool
    ) -> int:
        """Count a failed attempt of `owner`'s claimed deliveries: pending
        again from `next_try`, or failed for good with `give_up`."""
        ...

    def release(self, ids: Sequence[int], owner: str, next_try: str) -> int:
        """Give back claimed deliveries untried, due again at `next_try`."""
        ...

    def cancel(self, ids: Sequence[int], owner: str, reason: str) -> int:
        """Mark `owner`'s claimed deliveries cancelled, never to be sent (a
        page whose incident was acknowledged or closed meanwhile), `reason`
        kept as their last error; how many were."""
        ...

    def sent_since(self, route: str, target: str, since: str) -> list[str]:
        """The times of the messages sent to (route, target) after `since`
        (a digest counts once), oldest first."""
        ...

    def rows(
        self, states: Sequence[str] = DELIVERY_STATES, limit: int = 1000, kind: str | None = None
    ) -> list[DeliveryRow]:
        """Deliveries in these states, newest first."""
        ...

    def for_events(self, event_ids: Sequence[str]) -> list[DeliveryRow]:
        """The deliveries of these events (e.g. a page's), oldest first."""
        ...

    def sender(self) -> tuple[str, str] | None:
        """The sender lease as it stands: (owner, until), None if no sender ever ran."""
        ...

    def sender_active(self, now: str) -> bool:
        """Whether a sender holds the lease at `now` (the caller's clock; the
        lease is checked against the clock it was taken on, the database's
        where it has one)."""
        ...

    def route_failing(self, route: str, since: str, error: str) -> bool:
        """Mark the route failing from `since`; True if it was working until now."""
        ...

    def route_recovered(self, route: str) -> str | None:
        """Mark the route working; when it had been failing, since when."""
        ...

    def take_lease(self, owner: str, now: str, until: str) -> int | None:
        """Become (or stay) the store's active sender until `until` if the
        lease is free, expired or `owner`'s: its event cursor (gseq); None
        when another sender holds it."""
        ...

    def drop_lease(self, owner: str) -> None:
        """Let the lease go (a sender stopping cleanly): a standby takes over at once."""
        ...

    def set_cursor(self, owner: str, gseq: int) -> bool:
        """Record how far the active sender has routed the event log; False if
        `owner` no longer holds the lease."""
        ...


@runtime_checkable
class DeliveryStore(Protocol):
    """A store that keeps outbound deliveries beside the events (SQLite now,
    PostgreSQL later).  Check with `isinstance(store, DeliveryStore)`."""

    def deliveries(self) -> DeliveryQueue: ...


@dataclass(frozen=True, slots=True)
class InboxSummary:
    """The alert inbox at a glance: how many alerts wait in it, and the ids of
    the critical ones among them (newest first), so a face can announce a new one."""

    count: int
    critical: tuple[str, ...] = ()


@runtime_checkable
class AlertInbox(Protocol):
    """The alerts of a store, the same for every face: the store's own file
    (`warroom.services.alerts.LocalInbox`) or a warroom server
    (`warroom.store.http`, over /api/v1/alerts).  ALERT is an alert id or a
    prefix of one (as `warroom alerts` shows it)."""

    def list(
        self, state: str = "inbox", incident: str | None = None, limit: int = 100
    ) -> list[AlertRecord]:
        """Alerts, newest first: the inbox (firing, not routed, not ignored), or
        "all"; only those of one incident (a REF) when `incident` is given."""
        ...

    def get(self, alert: str) -> AlertRecord:
        """One alert by id or prefix; NotFound (also when ambiguous)."""
        ...

    def declare(
        self, alert: str, actor: str, severity: int | None = None, title: str | None = None
    ) -> Incident:
        """Declare an incident from an alert (and the rest of its group in the inbox)."""
        ...

    def attach(self, alert: str, incident: str, actor: str) -> Incident:
        """Record an alert (and its group) on an existing incident (a REF)."""
        ...

    def ignore(self, alert: str, actor: str) -> AlertRecord:
        """Take an alert out of the inbox without an incident."""
        ...

    def ingest(self, source: str, payload: Any) -> Ingested:
        """One payload as `source` sends it (parsed JSON), as the endpoint takes it."""
        ...

    def summary(self) -> InboxSummary:
        """The inbox count and its critical alerts."""
        ...

    def changed(self) -> int:
        """A number that changes when the inbox may have changed; free to call
        often (no request, no query beyond a cheap one)."""
        ...


@dataclass(slots=True)
class AlertBucket:
    """The throttle of one alert group in one minute of arrival (`minute` like
    "2026-12-05T07:14Z"): alert events shown on the timeline, and those hidden
    (counted) to be summed up in one `alerts_summarized` once the minute is over."""

    group_key: str
    minute: str
    incident_id: str | None = None
    shown: int = 0
    hidden_fired: int = 0
    hidden_resolved: int = 0
    summarized: bool = False

    @property
    def hidden(self) -> int:
        return self.hidden_fired + self.hidden_resolved


class StoredAlert(NamedTuple):
    """What deciding a re-sent alert needs of its stored instance (its maps
    are not read): from `AlertTransaction.stored_alerts`."""

    status: str
    state: str
    incident_id: str | None


class AlertTransaction(Protocol):
    """One alert request inside a store's write transaction: the alert rows,
    the group rows, the throttle buckets and the incidents' events, all
    committed together (or, for this request, not at all).  Reads see what
    this transaction wrote.  Used by `warroom.services.alerts` only."""

    @property
    def now(self) -> datetime:
        """The transaction's time: recorded_at of its events."""
        ...

    @property
    def catalog(self) -> Catalog: ...

    def alert(self, alert_id: str) -> AlertRecord | None:
        """The instance with this exact id."""
        ...

    def find(self, prefix: str) -> AlertRecord:
        """The instance whose id starts with `prefix`; NotFound (also when ambiguous)."""
        ...

    def latest(self, source: str, key: str, status: str | None = None) -> AlertRecord | None:
        """The newest instance (by starts_at) of (source, key), of `status` if given."""
        ...

    def group_alerts(self, group_key: str, state: str, status: str) -> list[AlertRecord]:
        """The group's instances in `state` and `status`, oldest first."""
        ...

    def put_alert(self, record: AlertRecord, decided_severity: int | None = None) -> None:
        """Insert or replace an instance (by id); `decided_severity` None keeps the stored one."""
        ...

    def stored_alerts(self, alert_ids: Sequence[str]) -> dict[str, StoredAlert]:
        """Of these ids, the stored instances' status, state and incident (one look-up)."""
        ...

    def route_alert(self, alert_id: str, incident_id: str) -> None:
        """The instance now on that incident (state "incident"); the rest of its row unchanged."""
        ...

    def seen_again(self, sightings: Sequence[tuple[str, int]]) -> None:
        """Each (id, repeats) seen again now: last_seen now, `repeats` more
        repeats counted (1 for a re-sent firing); the rest of each row
        unchanged.  An id may come more than once (each counts)."""
        ...

    def decided_severity(self, alert_id: str) -> int | None:
        """The SEV the rules gave the instance when it arrived."""
        ...

    def group_incident(self, group_key: str) -> str | None:
        """The incident the group's alerts go to (the last one declared or attached)."""
        ...

    def set_group_incident(self, group_key: str, incident_id: str) -> None: ...

    def incident(self, incident_id: str) -> Incident | None:
        """An incident as this transaction left it (None: there is none)."""
        ...

    def resolve(self, ref: str) -> str:
        """The incident id a reference names (`Store.resolve`)."""
        ...

    def append(self, events: Sequence[Event]) -> list[Event]:
        """Validate and store events (as `Store.append_many`); raises Refused..."""
        ...

    def bucket(self, group_key: str, minute: str) -> AlertBucket:
        """The group's bucket of that minute (a new, empty one if none)."""
        ...

    def put_bucket(self, bucket: AlertBucket) -> None: ...

    def finished_buckets(self, before_minute: str) -> list[AlertBucket]:
        """Buckets of minutes before `before_minute` with hidden alerts and no summary yet."""
        ...


@runtime_checkable
class AlertTable(Protocol):
    """A store that keeps alerts beside the events, writing them in the same
    transaction as the events they cause (SQLite now, PostgreSQL later).  The
    algorithm is `warroom.services.alerts`'s; this is the table and its
    transaction.  Check with `isinstance(store, AlertTable)`."""

    def alert_requests(
        self, requests: Sequence[Callable[[AlertTransaction], T]], now: datetime | None = None
    ) -> list[T | Exception]:
        """Run each request in one write transaction, one commit for all (the
        server's group commit).  A request that raises is rolled back alone
        (its alert rows and events) and its exception returned in its place;
        StoreUnavailable if the transaction itself fails (nothing stored).
        Watchers are woken after the commit."""
        ...

    def alert_rows(
        self, state: str = "inbox", incident_id: str | None = None, limit: int = 100
    ) -> list[AlertRecord]:
        """Alerts, newest first: "inbox" (firing, in the inbox), "all", or a
        state of STATES; only one incident's when `incident_id` is given."""
        ...

    def find_alert(self, prefix: str) -> AlertRecord:
        """One alert by id or id prefix; NotFound (also when ambiguous)."""
        ...

    def inbox_summary(self) -> InboxSummary:
        """How many alerts wait in the inbox, and its critical ones."""
        ...

    def purge_alerts(self, resolved_before: datetime) -> int:
        """Delete alerts resolved before that time (and spent throttle
        buckets); how many alerts were deleted."""
        ...

    def alerts_version(self) -> int:
        """A number that changes when any process may have changed the alerts
        (one pragma on a kept connection: cheap to call often)."""
        ...


@runtime_checkable
class AlertInboxSource(Protocol):
    """A store whose alerts live elsewhere (a warroom server): it hands out
    its `AlertInbox`.  Check with `isinstance(store, AlertInboxSource)`."""

    def alert_inbox(self) -> AlertInbox: ...


def parse_ref(ref: str) -> tuple[int | None, str | None]:
    """Split a reference into (INC number, lowercase id prefix to try next).

    Six or more bare digits could be either: the number is tried first, then
    the prefix (about 6% of ids start with six digits)."""
    text = ref.strip()
    number = _NUMBER_REF.match(text)
    if number:
        digits_prefix = text if text.isdigit() and len(text) >= 6 else None
        return int(number[1]), digits_prefix
    if _HEX_REF.match(text):
        return None, text.lower()
    raise NotFound(f"{ref!r} is not an incident reference; {REF_HELP}")


def resolve_ref(
    ref: str, by_number: Callable[[int], list[str]], by_prefix: Callable[[str], list[str]]
) -> str:
    """The incident id `ref` names: by INC number first, then by id prefix
    (`by_prefix` returns up to two ids); NotFound when none, or several, match."""
    number, prefix = parse_ref(ref)
    ids = by_number(number) if number is not None else []
    if not ids and prefix is not None:
        ids = by_prefix(prefix)
        if len(ids) > 1:
            raise NotFound(f"{ref!r} matches more than one incident; give more characters")
    if not ids:
        raise NotFound(f"no incident {ref}; `warroom list --all` shows them ({REF_HELP})")
    return ids[0]


def sort_incidents(incidents: list[Incident]) -> list[Incident]:
    """Most severe first, then newest first."""
    return sorted(incidents, key=lambda inc: (inc.severity, -(inc.number or 0)))
