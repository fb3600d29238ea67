"""The SQL tables: the store's id, the event log, the incidents read model (snapshots),
the server's access tokens, and the alerts (instances, groups, throttle buckets).

The one definition of the schema: new files are made from these classes
(`warroom.store.schema`), the migrations' autogenerate compares against them,
and the PostgreSQL store will use them.  Imported only when a file is created
or upgraded: the store's statements run on the plain `sqlite3` connection.
Anything that must be unique is a constraint here, never process memory.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


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

    gseq: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    incident_id: str
    seq: int
    kind: str
    actor: str
    occurred_at: str
    recorded_at: str
    base_seq: int
    data: str


class IncidentRow(SQLModel, table=True):
    """The current state of one incident, kept in step with its log inside
    each append transaction; rebuilt from the log, never the other way."""

    __tablename__ = "incidents"

    id: str = Field(primary_key=True)
    number: int = Field(unique=True)
    last_seq: int
    last_gseq: int
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


metadata = SQLModel.metadata
TABLES = [
    StoreIdRow.__table__,
    EventRow.__table__,
    IncidentRow.__table__,
    TokenRow.__table__,
    AlertRow.__table__,
    AlertGroupRow.__table__,
    AlertBucketRow.__table__,
]
