"""The kinds of event and the shape of each one's `data`: one table, shared by
the stores, the server, the fold and the tests.

A kind not in the table is still a valid event (kept and shown, never
dropped) as long as its name is `[a-z_]+` and its data is a JSON object.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
)

from warroom.core.errors import Refused
from warroom.core.limits import check_event_data
from warroom.core.times import in_utc

KIND_NAME = re.compile(r"^[a-z_]+$")

TITLE_MAX = 300
NAME_MAX = 100
TEXT_MAX = 65_536
URL_MAX = 2_048

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_MAX)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=URL_MAX)]
Level = Annotated[int, Field(strict=True)]
Moment = Annotated[AwareDatetime, AfterValidator(in_utc)]

FOLLOWUP_ID = re.compile(r"^[a-z0-9]{4,32}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """A calendar date written `YYYY-MM-DD` (or a `date`); nothing else."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a date in the calendar") from None
    raise ValueError("must be a date written YYYY-MM-DD")


FollowupId = Annotated[str, StringConstraints(pattern=FOLLOWUP_ID.pattern)]
Due = Annotated[date, BeforeValidator(_iso_date)]


class KindData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Declared(KindData):
    title: Title
    severity: Level
    service: Name | None = None
    started_at: Moment | None = None
    detected_at: Moment | None = None
    drill: StrictBool = False
    lead: Name | None = None


class TitleChanged(KindData):
    title: Title


class ServiceChanged(KindData):
    service: Name | None


class SummarySet(KindData):
    text: OptionalText


class SeverityChanged(KindData):
    severity: Level
    note: OptionalText | None = None


class StatusChanged(KindData):
    to: Name
    reason: OptionalText | None = None
    duplicate_of: str | None = None


class RoleChange(KindData):
    role: Name
    person: Name


class ParticipantChange(KindData):
    person: Name


class TextEntry(KindData):
    text: Text


class CommsUpdate(KindData):
    text: Text
    audience: Name = "internal"


class Milestone(KindData):
    name: Name


class LinkAdded(KindData):
    url: Url
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_MAX)] = ""


class RunbookStep(KindData):
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    text: Text
    section: Annotated[str, StringConstraints(max_length=NAME_MAX)] = ""
    command: str | None = None


class RunbookAttached(KindData):
    name: Name
    content_hash: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    steps: list[RunbookStep]


class StepChange(KindData):
    step: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    text: OptionalText | None = None  # the step's text, so the timeline reads on its own


class StepAdded(KindData):
    step: RunbookStep


class FollowupAdded(KindData):
    """An action item from the review: what, who owns it, by when."""

    id: FollowupId
    text: Text
    owner: Name
    due: Due


class FollowupChange(KindData):
    """A follow-up marked done, or verified (the fix was checked to work)."""

    id: FollowupId
    text: OptionalText | None = None  # the follow-up's text, so the timeline reads on its own
    note: OptionalText | None = None


KINDS: dict[str, type[KindData]] = {
    "declared": Declared,
    "title_changed": TitleChanged,
    "service_changed": ServiceChanged,
    "summary_set": SummarySet,
    "severity_changed": SeverityChanged,
    "status_changed": StatusChanged,
    "role_assigned": RoleChange,
    "role_released": RoleChange,
    "participant_joined": ParticipantChange,
    "participant_left": ParticipantChange,
    "note": TextEntry,
    "finding": TextEntry,
    "action": TextEntry,
    "decision": TextEntry,
    "comms_update": CommsUpdate,
    "milestone": Milestone,
    "link_added": LinkAdded,
    "runbook_attached": RunbookAttached,
    "step_checked": StepChange,
    "step_unchecked": StepChange,
    "step_added": StepAdded,
    "followup_added": FollowupAdded,
    "followup_done": FollowupChange,
    "followup_verified": FollowupChange,
}


def check_data(kind: str, data: Any) -> dict[str, Any]:
    """Check `data` against the kind's model; return it normalised (JSON-ready).

    Raises Refused naming the first bad field.
    """
    if not KIND_NAME.match(kind):
        raise Refused(f"kind {kind!r} is not a valid kind name (lowercase letters and _)")
    if not isinstance(data, dict):
        raise Refused(f"data of a {kind} event must be a JSON object")
    check_event_data(data)
    model = KINDS.get(kind)
    if model is None:
        return data
    try:
        parsed = model.model_validate(data)
    except ValidationError as error:
        raise Refused(f"{kind}: {_explain(error)}") from None
    return parsed.model_dump(mode="json", exclude_none=True)


def _explain(error: ValidationError) -> str:
    """The first problem, in words a person at a terminal can act on."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "data"
    context = first.get("ctx") or {}
    if first["type"] == "string_too_short":
        return f"{where} must not be empty"
    if first["type"] == "string_too_long":
        return (
            f"{where} is too long ({len(str(first.get('input', '')))} characters; "
            f"at most {context.get('max_length')})"
        )
    if first["type"] == "missing":
        return f"{where} is missing"
    if first["type"] == "extra_forbidden":
        return f"{where} is not a field of this kind"
    if first["type"] == "string_pattern_mismatch" and where == "id":
        return "id must be 4 to 32 lowercase letters and digits"
    if first["type"] == "value_error" and where == "due":
        return f"{where} {first['msg'].removeprefix('Value error, ')}"
    return f"{where}: {first['msg']}"
