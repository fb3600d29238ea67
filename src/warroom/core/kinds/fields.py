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

from warroom.core.kinds.base import NAME_MAX, TEXT_MAX, TITLE_MAX, URL_MAX, KindData
from warroom.core.kinds.followups import FOLLOWUP_ID
from warroom.core.statuspage.config import COMPONENT_STATES
from warroom.core.times import in_utc

__all__ = [
    "ComponentState",
    "ContentHash",
    "Due",
    "FollowupId",
    "Level",
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
