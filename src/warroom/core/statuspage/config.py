"""The status page's configuration: `[statuspage]` (title, description, url,
time_zone, components) and the top-level `public_url`.

    public_url = "https://status.example.com"
    [statuspage]
    title = "Example status"
    time_zone = "Europe/Paris"
    components = [{id = "api", name = "API", description = "...", group = "Core"}]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

COMPONENT_STATES: tuple[str, ...] = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)
"""A component's states, from the best to the worst."""

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    name: str
    description: str = ""
    group: str | None = None


@dataclass(frozen=True, slots=True)
class PageConfig:
    """What the page says about itself and the components it lists."""

    title: str = "Status"
    description: str = ""
    url: str = ""
    time_zone: str = "UTC"
    components: tuple[Component, ...] = field(default_factory=tuple)

    @property
    def page_id(self) -> str:
        """A stable id for the page (Statuspage's `page.id`), from its title and url."""
        return hashlib.sha256(f"{self.title}\n{self.url}".encode()).hexdigest()[:12]

    def component(self, key: str) -> Component | None:
        """The component a customers update names: by id, else by name (any case)."""
        for component in self.components:
            if component.id == key:
                return component
        folded = key.strip().casefold()
        for component in self.components:
            if component.name.casefold() == folded or component.id.casefold() == folded:
                return component
        return None

    def component_states(self, settings: Iterable[str]) -> dict[str, str]:
        """`NAME=state` settings (`--component`, the TUI's field) as {component
        id: state}; ValueError naming an unknown component or state."""
        states: dict[str, str] = {}
        for text in settings:
            name, state = parse_component_setting(text)
            component = self.component(name)
            if component is None:
                known = ", ".join(c.name for c in self.components) or "none in [statuspage]"
                raise ValueError(f"no component {name!r}; components: {known}")
            states[component.id] = state
        return states

    @staticmethod
    def from_settings(table: Mapping[str, Any] | None, public_url: str | None) -> PageConfig:
        """The page from the `[statuspage]` table; ValueError naming a bad entry."""
        table = dict(table or {})
        for key in ("title", "description", "url", "time_zone"):
            if key in table and not isinstance(table[key], str):
                raise ValueError(f"[statuspage] {key} must be a string")
        raw = table.get("components", [])
        if not isinstance(raw, list):
            raise ValueError("[statuspage] components must be a list of {id, name} tables")
        components: list[Component] = []
        for number, entry in enumerate(raw, 1):
            components.append(_component(number, entry))
        ids = [component.id for component in components]
        if len(set(ids)) != len(ids):
            raise ValueError("[statuspage] components: two components have the same id")
        time_zone = table.get("time_zone", "UTC")
        _check_zone(time_zone)
        return PageConfig(
            title=table.get("title", "Status"),
            description=table.get("description", ""),
            url=table.get("url") or public_url or "",
            time_zone=time_zone,
            components=tuple(components),
        )


def _component(number: int, entry: Any) -> Component:
    where = f"[statuspage] components[{number}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be a table {{id, name}}")
    ident, name = entry.get("id"), entry.get("name")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise ValueError(f"{where}: id must be 1-64 letters, digits, - or _")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: name must be a non-empty string")
    description, group = entry.get("description", ""), entry.get("group")
    if not isinstance(description, str) or (group is not None and not isinstance(group, str)):
        raise ValueError(f"{where}: description and group must be strings")
    return Component(ident, name.strip(), description, group or None)


def _check_zone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"[statuspage] time_zone {name!r} is not a time zone") from None


def parse_component_setting(text: str) -> tuple[str, str]:
    """`NAME=state` -> (NAME, state); ValueError if malformed."""
    name, sep, state = text.rpartition("=")
    name, state = name.strip(), state.strip()
    if not sep or not name:
        raise ValueError(f"{text!r}: write NAME=STATE, e.g. api=partial_outage")
    if state not in COMPONENT_STATES:
        raise ValueError(
            f"{text!r}: unknown state {state!r}; states: {', '.join(COMPONENT_STATES)}"
        )
    return name, state


def proposed_state(severity: int) -> str:
    """The component state a severity suggests (shown as a proposal only:
    only a person's customers update sets a state)."""
    return {1: "major_outage", 2: "partial_outage"}.get(severity, "degraded_performance")
