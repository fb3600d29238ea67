"""The pydantic side of the registry, imported on the first validation only:
the field types the kinds' data models are written with, and `build_model`,
which makes a family's plain `KindData` declaration a pydantic model.

A family module names these types under `if TYPE_CHECKING:` (its annotations
are strings, `from __future__ import annotations`); they are resolved here,
when a kind's data is first checked.  A new field type goes in this module.
"""

from __future__ import annotations

import re
import sys
import typing
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    create_model,
)

from warroom.core.alerts.model import ALERT_ID_LENGTH
from warroom.core.kinds.alerts import (
    ANNOTATION_VALUE_MAX,
    LABEL_VALUE_MAX,
    SUMMARY_MAX,
    cut,
    cut_map,
)
from warroom.core.kinds.base import NAME_MAX, TEXT_MAX, TITLE_MAX, URL_MAX, KindData
from warroom.core.kinds.followups import FOLLOWUP_ID
from warroom.core.statuspage.config import COMPONENT_STATES
from warroom.core.text import is_web_link
from warroom.core.times import in_utc

__all__ = [
    "AlertId",
    "AlertSummary",
    "AnnotationMap",
    "ComponentState",
    "ContentHash",
    "Count",
    "Due",
    "FollowupId",
    "LabelMap",
    "Level",
    "Minute",
    "Moment",
    "Name",
    "OptionalName",
    "OptionalText",
    "Section",
    "StepId",
    "StrictBool",
    "Text",
    "Title",
    "Url",
    "WebUrl",
    "build_model",
]

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
OptionalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_MAX)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_MAX)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=URL_MAX)]
Level = Annotated[int, Field(strict=True)]
Moment = Annotated[AwareDatetime, AfterValidator(in_utc)]
Section = Annotated[str, StringConstraints(max_length=NAME_MAX)]  # a runbook's heading
StepId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ContentHash = Annotated[str, StringConstraints(min_length=1, max_length=128)]
FollowupId = Annotated[str, StringConstraints(pattern=FOLLOWUP_ID.pattern)]
Count = Annotated[int, Field(strict=True, ge=0)]
AlertId = Annotated[str, StringConstraints(pattern=f"^[0-9a-f]{{{ALERT_ID_LENGTH}}}$")]
Minute = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")]


def _web_url(value: str) -> str:
    if not is_web_link(value):
        raise ValueError("must be an http(s) URL")
    return value


WebUrl = Annotated[Url, AfterValidator(_web_url)]


def _cut_to(limit: int) -> Any:
    def cut_text(value: Any) -> Any:
        return cut(value.strip(), limit) if isinstance(value, str) else value

    return BeforeValidator(cut_text)


def _cut_map_to(value_max: int) -> Any:
    def cut_values(value: Any) -> Any:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return cut_map(value, value_max)
        return value

    return BeforeValidator(cut_values)


# An alert's text arrives at any length: what is over the limit is cut with "…".
AlertSummary = Annotated[str, StringConstraints(min_length=1), _cut_to(SUMMARY_MAX)]
LabelMap = Annotated[dict[str, str], _cut_map_to(LABEL_VALUE_MAX)]
AnnotationMap = Annotated[dict[str, str], _cut_map_to(ANNOTATION_VALUE_MAX)]
ComponentState = Literal[COMPONENT_STATES]  # a status page component's state
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


Due = Annotated[date, BeforeValidator(_iso_date)]

_WORD = re.compile(r"\w+")

# Every kind's data: no unknown fields, immutable.
_CONFIG = ConfigDict(extra="forbid", frozen=True)


@cache
def build_model(declaration: type[KindData]) -> type[BaseModel]:
    """The pydantic model of a kind's data declaration (built once, on first use).

    Its fields are the declaration's annotations, read in its family module
    with this module's types; a field typed with another declaration of the
    family (a runbook's steps) gets that declaration's model.
    """
    family = vars(sys.modules[declaration.__module__])
    words = {word for text in declaration.__annotations__.values() for word in _WORD.findall(text)}
    nested: dict[str, Any] = {
        word: build_model(family[word])
        for word in words
        if isinstance(family.get(word), type) and issubclass(family[word], KindData)
    }
    hints = typing.get_type_hints(declaration, localns={**globals(), **nested}, include_extras=True)
    fields: dict[str, Any] = {
        name: (hint, getattr(declaration, name, ...)) for name, hint in hints.items()
    }
    return create_model(
        declaration.__name__,
        __config__=_CONFIG,
        __doc__=declaration.__doc__,
        __module__=declaration.__module__,
        **fields,
    )
