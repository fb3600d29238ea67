"""The SQL tables: the store's id, the event log, the incidents read model (snapshots),
the server's access tokens, the alerts (instances, groups, throttle buckets),
on-call overrides, and outbound deliveries (pages and notifications, the routes'
health, the one sender's lease), and the server's own secrets.

The one definition of the schema: new files are made from these classes
(`warroom.store.schema`), the migrations' autogenerate compares against them,
and the PostgreSQL store will use them.  Imported only when a file is created
or upgraded: the store's statements run on the plain `sqlite3` connection.
Anything that must be unique is a constraint here, never process memory.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Counters that grow with the store (gseq, seq, delivery ids): 64-bit.
# SQLite's INTEGER is already (and an INTEGER PRIMARY KEY is the row id, which
# a BIGINT would not be); PostgreSQL's INTEGER is 32-bit (migration 0008).
Counter = BigInteger().with_variant(Integer(), "sqlite")


class StoreIdRow(SQLModel, table=True):
    """The store's random id, one row (`only` = 1), made first in a new file
    (page 2) and updated (`touched`) by every write transaction, so every
    WAL file carries the id of the store it belongs to."""

    __tablename__ = "store_id"

    only: int | None = Field(default=None, primary_key=True)
    id: str
    touched: int = 0


class EventRow(SQLModel, table=True):
    """One stored event.  `gseq` is the row id: writes are serialised, so it
    increases in commit order."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("incident_id", "seq"),
        Index("events_incident_gseq", "incident_id", "gseq"),
    )

    gseq: int | None = Field(default=None, primary_key=True, sa_type=Counter)
    id: str = Field(unique=True)
    incident_id: str
    seq: int = Field(sa_type=Counter)
    kind: str
    actor: str
    occurred_at: str
    recorded_at: str
    base_seq: int = Field(sa_type=Counter)
    data: str


class IncidentRow(SQLModel, table=True):
    """The current state of one incident, kept in step with its log inside
    each append transaction; rebuilt from the log, never the other way."""

    __tablename__ = "incidents"

    id: str = Field(primary_key=True)
    number: int = Field(unique=True)
    last_seq: int = Field(sa_type=Counter)
    last_gseq: int = Field(sa_type=Counter)
    severity: int
    status: str
    is_open: bool = Field(index=True)
    snapshot: str


_ACTIVE = "revoked_at IS NULL"


class TokenRow(SQLModel, table=True):
    """A server access token: only its SHA-256 is kept.  One active token per
    name (a partial unique index); revoked ones stay, for the record."""

    __tablename__ = "tokens"
    __table_args__ = (
        Index(
            "tokens_active_name",
            "name",
            unique=True,
            sqlite_where=text(_ACTIVE),
            postgresql_where=text(_ACTIVE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    role: str
    hash: str = Field(unique=True)
    created_at: str
    revoked_at: str | None = None


class AlertRow(SQLModel, table=True):
    """One alert instance: (source, key, starts_at) is unique, `id` derived from
    it.  Maps (labels, annotations, extra) and links are JSON text, kept whole
    (events carry them cut to the event limits).  `decided_severity` is the SEV
    the rules gave it (an incident declared from the inbox gets it)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("source", "key", "starts_at"),
        Index("alerts_state_status", "state", "status"),
        Index("alerts_group", "group_key"),
        Index("alerts_incident", "incident_id"),
        Index("alerts_ends_at", "ends_at"),
    )

    id: str = Field(primary_key=True)
    source: str
    key: str
    starts_at: str
    status: str
    state: str
    summary: str
    group_key: str
    first_seen: str
    last_seen: str
    repeats: int = 0
    ends_at: str | None = None
    severity: str = ""
    service: str | None = None
    description: str = ""
    labels: str = "{}"
    annotations: str = "{}"
    links: str = "[]"
    incident_id: str | None = None
    acknowledged: bool = False
    rule: str = ""
    extra: str = "{}"
    decided_severity: int | None = None


class AlertGroupRow(SQLModel, table=True):
    """The incident of an alert group: one row per group, so one open incident
    per group is a constraint.  The transaction that declares an incident for
    the group (or attaches the group to one) sets it."""

    __tablename__ = "alert_groups"

    group_key: str = Field(primary_key=True)
    incident_id: str


class AlertBucketRow(SQLModel, table=True):
    """The throttle of one group in one minute of arrival: alert events shown,
    the ones hidden (counted instead), and whether their summary was written."""

    __tablename__ = "alert_buckets"

    group_key: str = Field(primary_key=True)
    minute: str = Field(primary_key=True)
    incident_id: str | None = None  # where the hidden ones went
    shown: int = 0
    hidden_fired: int = 0
    hidden_resolved: int = 0
    summarized: bool = False


class OverrideRow(SQLModel, table=True):
    """An on-call override: `person` is on call for `schedule` from `starts_at`
    to `ends_at` (wire times).  Removed ones stay, for the record."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("oncall_overrides_schedule", "schedule", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule: str
    person: str
    starts_at: str
    ends_at: str
    created_by: str
    created_at: str
    removed_by: str | None = None
    removed_at: str | None = None


_PENDING = "state = 'pending'"


class DeliveryRow(SQLModel, table=True):
    """One message to send: one row per (event, route, target), unique.  `kind`
    is its queue ("page" or "notify"); `state` pending, sent, failed or
    cancelled (a page made moot by an acknowledgement, never sent); a
    sender claims pending rows due by `next_try` with a lease (`lease_owner`
    until `lease_until`), so a dead sender's claims expire.  `digest` is the
    id of the row whose message carried it when several went as one."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "route", "target"),
        Index(
            "deliveries_due",
            "kind",
            "next_try",
            sqlite_where=text(_PENDING),
            postgresql_where=text(_PENDING),
        ),
        Index("deliveries_sent", "route", "target", "sent_at"),
        Index("deliveries_state", "state"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=Counter)
    event_id: str
    incident_id: str
    route: str
    target: str
    kind: str
    payload: str
    event: str = ""  # the event as JSON, for command targets
    state: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    created_at: str
    next_try: str
    sent_at: str | None = None
    lease_owner: str | None = None
    lease_until: str | None = None
    digest: int | None = Field(default=None, sa_type=Counter)


class DeliveryRouteRow(SQLModel, table=True):
    """A route's health: failing since when (None: working), for the one
    timeline entry when it starts failing and the one when it recovers."""

    __tablename__ = "delivery_routes"

    route: str = Field(primary_key=True)
    failing_since: str | None = None
    last_error: str | None = None


class SenderLeaseRow(SQLModel, table=True):
    """The store's one active sender (`only` = 1): who holds the lease until
    when, and how far it has read the event log (gseq) to route events."""

    __tablename__ = "delivery_sender"

    only: int | None = Field(default=None, primary_key=True)
    owner: str
    lease_until: str
    cursor: int = Field(default=0, sa_type=Counter)


class ServerSecretRow(SQLModel, table=True):
    """A secret the server made itself, once, by name (`ack`: signs the pages'
    ack links when no `ack_secret` is configured)."""

    __tablename__ = "server_secrets"

    name: str = Field(primary_key=True)
    value: str


metadata = SQLModel.metadata
TABLES = [
    StoreIdRow.__table__,
    EventRow.__table__,
    IncidentRow.__table__,
    TokenRow.__table__,
    AlertRow.__table__,
    AlertGroupRow.__table__,
    AlertBucketRow.__table__,
    OverrideRow.__table__,
    DeliveryRow.__table__,
    DeliveryRouteRow.__table__,
    SenderLeaseRow.__table__,
    ServerSecretRow.__table__,
]
