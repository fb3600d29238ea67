"""The registry of event kinds: one `KindSpec` per kind, each declaring its
data model, label, one-line description, presentation category, validation
check, fold step and line of text.  `fold`, `validate`, `describe`, the
reports and the TUI all read it.

Adding a kind is one entry in one family's `SPECS` (`incident`, `people`,
`entries`, `runbook`, `followups`, `alerts`, `delivery`, `paging`, or a new
family listed in `_FAMILIES`),
with its data model declared next to it; a new presentation category also
needs its look in the TUI's timeline, a new field type its line in `fields`.

Only validation imports pydantic.  A family declares each data model as a
plain `KindData` class, its fields annotated (as strings, `from __future__
import annotations`) with the types of `warroom.core.kinds.fields`, imported
there under `if TYPE_CHECKING:`.  On the first `check_data` of a kind,
`data_model(kind)` imports `fields` and builds the pydantic model from the
declaration (once).  So opening a store, folding, describing and drawing
events load no pydantic; `warroom log` and the server load it to validate.

A kind not in the registry is still a valid event (kept and shown, never
dropped) as long as its name is `[a-z_]+` and its data is a JSON object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.errors import Refused
from warroom.core.kinds import (
    alerts,
    delivery,
    entries,
    followups,
    incident,
    paging,
    people,
    runbook,
)
from warroom.core.kinds.base import (
    CATEGORIES,
    KIND_NAME,
    LABEL_MAX,
    NAME_MAX,
    TEXT_MAX,
    TITLE_MAX,
    URL_MAX,
    Check,
    Describe,
    FoldStep,
    KindData,
    KindSpec,
)
from warroom.core.kinds.followups import FOLLOWUP_ID
from warroom.core.limits import check_event_data

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

__all__ = [
    "CATEGORIES",
    "FOLLOWUP_ID",
    "KINDS",
    "KIND_LABELS",
    "KIND_NAME",
    "LABEL_MAX",
    "LOG_KINDS",
    "NAME_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "URL_MAX",
    "Check",
    "Describe",
    "FoldStep",
    "KindData",
    "KindSpec",
    "check_data",
    "data_model",
    "kind_label",
    "kinds_in",
]

_FAMILIES = (incident, people, entries, runbook, followups, alerts, delivery, paging)


def _registry() -> dict[str, KindSpec]:
    registry: dict[str, KindSpec] = {}
    for family in _FAMILIES:
        for spec in family.SPECS:
            if spec.name in registry:
                raise ValueError(f"kind {spec.name!r} is declared twice")
            registry[spec.name] = spec
    return registry


KINDS: dict[str, KindSpec] = _registry()
"""Every known kind, by name."""

LOG_KINDS: tuple[str, ...] = tuple(name for name, spec in KINDS.items() if spec.loggable)
"""The free-text entries: what `warroom log --kind` takes and the entry line offers."""

KIND_LABELS: dict[str, str] = {name: spec.label for name, spec in KINDS.items()}
"""Each known kind's label (`kind_label` also answers for unknown kinds)."""


def kind_label(kind: str) -> str:
    """The kind's label; an unknown kind is labelled with its own name (uncleaned)."""
    spec = KINDS.get(kind)
    return spec.label if spec is not None else kind


def kinds_in(*categories: str) -> frozenset[str]:
    """The known kinds presented in any of these categories."""
    return frozenset(name for name, spec in KINDS.items() if spec.category in categories)


def data_model(kind: str) -> type[BaseModel]:
    """The pydantic model of a known kind's data (imports pydantic; built once)."""
    from warroom.core.kinds.fields import build_model

    return build_model(KINDS[kind].model)


def check_data(kind: str, data: Any) -> dict[str, Any]:
    """Check `data` against the kind's model; return it normalised (JSON-ready).

    Raises Refused naming the first bad field.
    """
    if not KIND_NAME.match(kind):
        raise Refused(f"kind {kind!r} is not a valid kind name (lowercase letters and _)")
    if not isinstance(data, dict):
        raise Refused(f"data of a {kind} event must be a JSON object")
    check_event_data(data)
    spec = KINDS.get(kind)
    if spec is None:
        return data
    from pydantic import ValidationError

    try:
        parsed = data_model(kind).model_validate(data)
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
