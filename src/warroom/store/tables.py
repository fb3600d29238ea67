"""The SQL tables: the store's id, the event log, the incidents read model (snapshots), and
the server's access tokens.

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


metadata = SQLModel.metadata
TABLES = [StoreIdRow.__table__, EventRow.__table__, IncidentRow.__table__, TokenRow.__table__]
