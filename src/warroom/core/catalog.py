"""The catalog: severities, roles, the status workflow, milestones and
audiences.  Defaults are the TOML files in `data/`; configuration may override
any field (see `warroom.config`)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from warroom.core.errors import UsageError, WarroomError

MILESTONES: tuple[str, ...] = ("started", "detected", "acknowledged", "mitigated", "resolved")
AUDIENCES: tuple[str, ...] = ("internal", "leadership", "customers", "support")


@dataclass(frozen=True, slots=True)
class Severity:
    level: int
    name: str
    description: str
    update_every_minutes: int
    color: str

    @property
    def label(self) -> str:
        return f"SEV{self.level}"


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    name: str
    single: bool
    description: str


@dataclass(frozen=True, slots=True)
class State:
    name: str
    open: bool
    to: tuple[str, ...]
    sets_milestone: str | None


@dataclass(frozen=True, slots=True)
class Catalog:
    severities: Mapping[int, Severity]
    roles: Mapping[str, Role]
    states: Mapping[str, State]
    initial_state: str
    milestones: tuple[str, ...] = MILESTONES
    audiences: tuple[str, ...] = AUDIENCES
    state_order: tuple[str, ...] = field(default=())
    # How far an event may be back-dated before its incident's impact start, and
    # the impact start before the declaration (`[workflow] backdate_window_days`).
    backdate_window: timedelta = timedelta(days=30)

    @staticmethod
    def default() -> Catalog:
        return _default_catalog()

    def severity(self, level: int) -> Severity:
        return self.severities[level]

    def check_severity(self, level: int, error: type[WarroomError] = UsageError) -> None:
        """Raise `error` (bad input by default; `validate` raises Refused) unless
        `level` is one of this catalog's severities."""
        if level not in self.severities:
            levels = list(self.severities)
            raise error(f"severity {level} is not defined; use {levels[0]}-{levels[-1]}")

    def allowed_moves(self, status: str) -> tuple[str, ...]:
        state = self.states.get(status)
        return state.to if state else ()

    def is_open(self, status: str) -> bool:
        state = self.states.get(status)
        return bool(state and state.open)

    def open_states(self) -> tuple[str, ...]:
        return tuple(name for name in self.state_order if self.states[name].open)


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` merged into a copy of `base`, table by table."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def build_catalog(
    severities: Mapping[str, Any],
    roles: Mapping[str, Any],
    workflow: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
) -> Catalog:
    """Build a catalog from the three data documents plus config overrides.

    `overrides` may hold `severities`, `roles` and `workflow` tables shaped like
    the data files; they are merged field by field over the defaults.
    Raises ValueError naming the bad entry.
    """
    overrides = overrides or {}
    sev_doc = deep_merge(dict(severities), {"severities": overrides.get("severities", {})})
    role_doc = deep_merge(dict(roles), {"roles": overrides.get("roles", {})})
    flow_doc = deep_merge(dict(workflow), overrides.get("workflow", {}))

    sevs: dict[int, Severity] = {}
    for key, entry in sev_doc.get("severities", {}).items():
        try:
            level = int(key)
            sevs[level] = Severity(
                level=level,
                name=str(entry["name"]),
                description=str(entry.get("description", "")),
                update_every_minutes=int(entry.get("update_every_minutes", 0)),
                color=str(entry.get("color", "#888888")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"severity {key!r}: {error}") from error
    if not sevs:
        raise ValueError("no severities defined")

    role_map: dict[str, Role] = {}
    for key, entry in role_doc.get("roles", {}).items():
        try:
            role_map[key] = Role(
                key=key,
                name=str(entry["name"]),
                single=bool(entry.get("single", False)),
                description=str(entry.get("description", "")),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"role {key!r}: {error}") from error

    states: dict[str, State] = {}
    for name, entry in flow_doc.get("states", {}).items():
        states[name] = State(
            name=name,
            open=bool(entry.get("open", False)),
            to=tuple(entry.get("to", ())),
            sets_milestone=entry.get("sets_milestone"),
        )
    initial = flow_doc.get("initial", "investigating")
    for state in states.values():
        for target in state.to:
            if target not in states:
                raise ValueError(f"workflow state {state.name!r} moves to unknown {target!r}")
    if initial not in states:
        raise ValueError(f"workflow initial state {initial!r} is not a state")
    days = flow_doc.get("backdate_window_days", 30)
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 3650:
        raise ValueError(f"workflow backdate_window_days must be 1 to 3650 days, not {days!r}")
    return Catalog(
        severities=dict(sorted(sevs.items())),
        roles=role_map,
        states=states,
        initial_state=initial,
        state_order=tuple(states),
        backdate_window=timedelta(days=days),
    )


def load_data_documents() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Read the shipped severities, roles and workflow TOML files."""
    from warroom.resources import data_path

    docs = []
    for name in ("severities.toml", "roles.toml", "workflow.toml"):
        with data_path(name).open("rb") as handle:
            docs.append(tomllib.load(handle))
    return docs[0], docs[1], docs[2]


@cache
def _default_catalog() -> Catalog:
    return build_catalog(*load_data_documents())
