"""The event envelope: every change to an incident is one of these."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from warroom.core.times import format_time, parse_wire_time

ENVELOPE_FIELDS = (
    "id", "incident_id", "seq", "gseq", "kind", "actor",
    "occurred_at", "recorded_at", "base_seq", "data",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Event:
    """One fact in an incident's log.

    `id` is made by the client and is the idempotency key; `seq`, `gseq` and
    `recorded_at` are assigned by the store (None until stored).
    """

    id: str
    incident_id: str
    kind: str
    actor: str
    occurred_at: datetime
    data: dict[str, Any]
    base_seq: int = 0
    seq: int | None = None
    gseq: int | None = None
    recorded_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """The envelope as JSON-ready values (times as ISO-8601 UTC with Z)."""
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "seq": self.seq,
            "gseq": self.gseq,
            "kind": self.kind,
            "actor": self.actor,
            "occurred_at": format_time(self.occurred_at),
            "recorded_at": format_time(self.recorded_at) if self.recorded_at else None,
            "base_seq": self.base_seq,
            "data": self.data,
        }

    @staticmethod
    def from_dict(raw: Any) -> Event:
        """Read an envelope from JSON values; raises ValueError naming the bad field."""
        if not isinstance(raw, dict):
            raise ValueError("an event must be a JSON object")
        unknown = set(raw) - set(ENVELOPE_FIELDS)
        if unknown:
            raise ValueError(f"unknown event field {sorted(unknown)[0]!r}")

        def text(name: str) -> str:
            value = raw.get(name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"event field {name!r} must be a non-empty string")
            return value

        def optional_int(name: str) -> int | None:
            value = raw.get(name)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"event field {name!r} must be an integer")
            return value

        def when(name: str, required: bool = True) -> datetime | None:
            value = raw.get(name)
            if value is None and not required:
                return None
            if not isinstance(value, str):
                raise ValueError(f"event field {name!r} must be an ISO-8601 time")
            try:
                return parse_wire_time(value)
            except ValueError as error:
                raise ValueError(f"event field {name!r}: {error}") from None

        data = raw.get("data", {})
        if not isinstance(data, dict):
            raise ValueError("event field 'data' must be a JSON object")
        occurred = when("occurred_at")
        assert occurred is not None
        return Event(
            id=normalise_uuid(text("id"), "id"),
            incident_id=normalise_uuid(text("incident_id"), "incident_id"),
            kind=text("kind"),
            actor=text("actor"),
            occurred_at=occurred,
            data=data,
            base_seq=optional_int("base_seq") or 0,
            seq=optional_int("seq"),
            gseq=optional_int("gseq"),
            recorded_at=when("recorded_at", required=False),
        )

    def content_key(self) -> str:
        """What must match for a re-sent event to be the same event."""
        return json.dumps(
            [
                self.incident_id,
                self.kind,
                self.actor,
                format_time(self.occurred_at),
                self.base_seq,
                self.data,
            ],
            sort_keys=True,
            separators=(",", ":"),
        )

    def stored(self, seq: int, gseq: int, recorded_at: datetime) -> Event:
        return replace(self, seq=seq, gseq=gseq, recorded_at=recorded_at)

    @property
    def backdated(self) -> bool:
        """Whether the event happened noticeably before it was recorded."""
        if self.recorded_at is None:
            return False
        return (self.recorded_at - self.occurred_at).total_seconds() > 60


def new_id() -> str:
    return str(uuid.uuid4())


def normalise_uuid(value: str, field: str = "id") -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        raise ValueError(f"event field {field!r} must be a UUID, not {value!r}") from None


def make_event(
    incident_id: str,
    kind: str,
    actor: str,
    data: dict[str, Any],
    occurred_at: datetime,
    base_seq: int = 0,
) -> Event:
    """A new event, ready to append, with a fresh id."""
    return Event(
        id=new_id(),
        incident_id=incident_id,
        kind=kind,
        actor=actor,
        occurred_at=occurred_at,
        data=data,
        base_seq=base_seq,
    )
