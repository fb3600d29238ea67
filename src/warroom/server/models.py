"""The API's request and response bodies, as pydantic models (they make the
OpenAPI document).  The envelope itself is `warroom.core.events.Event`; these
models only carry it over the wire."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from warroom.core.catalog import Catalog
from warroom.core.events import Event
from warroom.core.kinds import NAME_MAX
from warroom.server.limits import BATCH_MAX, DATA_DEPTH_MAX

KIND_PATTERN = r"^[a-z_]+$"
SEQ_MAX = 2**62  # SQLite integers are 64-bit signed
Time = Field(json_schema_extra={"format": "date-time"})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _wire_time(value: datetime) -> datetime:
    """A time the store can keep: convertible to UTC, from 1970 on."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None
    if utc < EPOCH:
        raise ValueError("the time is before 1970")
    return utc


def _plain_json(value: dict[str, Any]) -> dict[str, Any]:
    """`data` must be plain JSON: no NaN or Infinity, text that is valid
    Unicode, and at most DATA_DEPTH_MAX levels deep."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > DATA_DEPTH_MAX:
            raise ValueError(f"nested more than {DATA_DEPTH_MAX} levels deep")
        if isinstance(item, dict):
            for key, inner in item.items():
                _text(key)
                pending.append((inner, depth + 1))
        elif isinstance(item, list):
            pending.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            _text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("NaN and Infinity are not JSON")
    return value


def _text(value: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000), which text cannot hold")
    return value


WireTime = Annotated[AwareDatetime, AfterValidator(_wire_time)]
PlainData = Annotated[dict[str, Any], AfterValidator(_plain_json)]


class ErrorBody(BaseModel):
    """Every error: a stable code and one line for a person."""

    error: str = Field(description="a stable code, e.g. not_found, conflict, refused, invalid")
    detail: str


class EventIn(BaseModel):
    """An event to append.  `actor` is ignored: the token's name is the actor.
    `seq`, `gseq` and `recorded_at` are assigned by the store and ignored."""

    model_config = ConfigDict(extra="forbid")

    id: UUID | None = Field(
        None, description="the idempotency key; or give it as the Idempotency-Key header"
    )
    incident_id: UUID | None = Field(None, description="optional; must match the path")
    kind: str = Field(pattern=KIND_PATTERN, max_length=64)
    actor: str | None = Field(None, description="ignored: the token's name is the actor")
    occurred_at: WireTime
    base_seq: int = Field(0, ge=0, le=SEQ_MAX)
    data: PlainData = Field(default_factory=dict)
    seq: int | None = Field(None, description="ignored")
    gseq: int | None = Field(None, description="ignored")
    recorded_at: str | None = Field(None, description="ignored")

    def to_event(self, incident_id: str, actor: str, event_id: str) -> Event:
        return Event(
            id=event_id,
            incident_id=incident_id,
            kind=self.kind,
            actor=actor,
            occurred_at=self.occurred_at,
            data=self.data,
            base_seq=self.base_seq,
        )


class DeclareIn(EventIn):
    """The `declared` event that creates an incident (the client makes both ids)."""

    incident_id: UUID  # type: ignore[assignment]
    kind: str = Field("declared", pattern=r"^declared$")


class BatchEventIn(EventIn):
    """One event of a batch: its own id and incident_id are required."""

    id: UUID  # type: ignore[assignment]
    incident_id: UUID  # type: ignore[assignment]


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[BatchEventIn] = Field(min_length=1, max_length=BATCH_MAX)


class ImportEventIn(BatchEventIn):
    """An event of an export file: its actor is kept."""

    actor: Annotated[str, AfterValidator(_no_nul)] = Field(  # type: ignore[assignment]
        min_length=1, max_length=NAME_MAX
    )


class ImportIn(BaseModel):
    """An export file's events (`warroom export`); other keys of the file are ignored."""

    model_config = ConfigDict(extra="ignore")

    events: list[ImportEventIn] = Field(min_length=1, max_length=BATCH_MAX)


class EventOut(BaseModel):
    id: str
    incident_id: str
    seq: int
    gseq: int
    kind: str
    actor: str
    occurred_at: str = Time
    recorded_at: str = Time
    base_seq: int
    data: dict[str, Any]


class Participant(BaseModel):
    name: str
    joined_at: str = Time


class LinkOut(BaseModel):
    url: str
    label: str


class StepOut(BaseModel):
    id: str
    text: str
    checked_by: str | None
    checked_at: str | None


class RunbookOut(BaseModel):
    steps: list[StepOut]


class IncidentOut(BaseModel):
    """`Incident.to_public(catalog)`: the same object as `warroom show --json`."""

    model_config = ConfigDict(extra="allow")

    ref: str
    id: str
    title: str
    severity: int
    status: str
    service: str | None
    summary: str
    roles: dict[str, list[str]]
    participants: list[Participant]
    milestones: dict[str, str]
    links: list[LinkOut]
    last_update_at: str | None
    next_update_due: str | None
    last_seq: int
    drill: bool
    declared_by: str
    declared_at: str | None
    duplicate_of: str | None
    runbook: RunbookOut


class DeclaredOut(BaseModel):
    incident: IncidentOut
    event: EventOut


class EventsOut(BaseModel):
    events: list[EventOut]
    last_seq: int = Field(description="the incident's newest seq when read")


class FeedOut(BaseModel):
    events: list[EventOut]
    last_gseq: int = Field(description="the store's newest gseq when read")


class BatchOut(BaseModel):
    events: list[EventOut]


class ImportOut(BaseModel):
    events: list[EventOut]
    new: int = Field(description="how many were not stored before")


class TokenCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    role: str = Field(pattern=r"^(viewer|responder|admin|alerts)$")


class TokenOut(BaseModel):
    name: str
    role: str
    created_at: str = Time
    revoked_at: str | None = None


class NewTokenOut(TokenOut):
    token: str = Field(description="shown once: only its hash is kept")


class WhoAmIOut(BaseModel):
    name: str
    role: str
    store_id: str | None = Field(
        None, description="the store's id: the same on every replica of one store"
    )


class HealthOut(BaseModel):
    status: str = Field(description="ok, or degraded")
    reason: str | None = Field(None, description="why it is degraded (no paths)")
    db: str = Field(
        "ok", description="ok, or unreachable: whether the store's database answers a read now"
    )


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    """The catalog in the shape of the data files, so a client can rebuild it
    exactly with `build_catalog(doc["severities"], doc["roles"], doc["workflow"])`."""
    return {
        "severities": {
            "severities": {
                str(level): {
                    "name": sev.name,
                    "description": sev.description,
                    "update_every_minutes": sev.update_every_minutes,
                    "color": sev.color,
                }
                for level, sev in catalog.severities.items()
            }
        },
        "roles": {
            "roles": {
                key: {"name": role.name, "single": role.single, "description": role.description}
                for key, role in catalog.roles.items()
            }
        },
        "workflow": {
            "initial": catalog.initial_state,
            "states": {
                name: {
                    "open": state.open,
                    "to": list(state.to),
                    **({"sets_milestone": state.sets_milestone} if state.sets_milestone else {}),
                }
                for name, state in catalog.states.items()
            },
        },
    }
