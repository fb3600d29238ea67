"""The SQL tables: the event log, and the incidents read model (snapshots)."""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


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
