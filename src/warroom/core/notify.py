"""Notification routes (`[[notify]]` in the config files) and the messages
they carry (pure).

```toml
[[notify]]
name = "sev1-2"
on = ["declared", "severity_changed", "status_changed", "comms_update",
      "role_assigned", "page", "update_overdue"]
severities = [1, 2]            # optional filters
services = ["checkout-api"]
audiences = ["customers"]      # for comms_update
apprise = ["json://chat.internal/hook", "env:SLACK_URL"]
command = ["/usr/local/bin/notify-pager", "--team", "payments"]
max_per_minute = 6             # the excess goes out as one digest

[notifier]
give_up_minutes = 60           # a delivery not made by then is marked failed
```

`load_routes(documents)` reads them from (source, document) pairs, lowest
layer first; a route named again in a later file replaces the earlier one.
A problem raises UsageError naming the file, the route and the key.
`route_matches` says whether an event (by its `on` name) on an incident goes
to a route; `message` is the short plain text it sends.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.oncall.secrets import Address
from warroom.core.text import clean_line

# What a route can be `on`: an event kind's name there (page_sent is "page"),
# and "update_overdue", the update rhythm's reminder (not an event).
ON_NAMES = {
    "declared": "declared",
    "severity_changed": "severity_changed",
    "status_changed": "status_changed",
    "comms_update": "comms_update",
    "role_assigned": "role_assigned",
    "page_sent": "page",
}
ON_CHOICES = (*ON_NAMES.values(), "update_overdue")
ROUTE_KEYS = (
    "name", "on", "severities", "services", "audiences", "apprise", "command", "max_per_minute",
)  # fmt: skip
COMMAND_PREFIX = "command:"
DEFAULT_MAX_PER_MINUTE = 6
DEFAULT_GIVE_UP_MINUTES = 60.0
MESSAGE_MAX = 1000  # characters of a message; chat targets cut longer ones anyway


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    on: frozenset[str]
    apprise: tuple[Address, ...] = ()
    command: tuple[str, ...] = ()
    severities: frozenset[int] | None = None  # None: any
    services: frozenset[str] | None = None
    audiences: frozenset[str] | None = None
    max_per_minute: int = DEFAULT_MAX_PER_MINUTE
    source: str = ""

    def targets(self) -> list[str]:
        """Where it sends, as a delivery names them: Apprise URLs (or their
        env:/file: references) and `command:` with the command line."""
        found = [address.raw for address in self.apprise]
        if self.command:
            found.append(COMMAND_PREFIX + shlex.join(self.command))
        return found


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    routes: Mapping[str, Route]
    give_up_minutes: float = DEFAULT_GIVE_UP_MINUTES

    def route(self, name: str) -> Route:
        if name not in self.routes:
            known = ", ".join(sorted(self.routes)) or "none are configured"
            raise UsageError(f"no [[notify]] route named {name!r} (known: {known})")
        return self.routes[name]


def on_name(kind: str) -> str | None:
    """The `on` name of an event kind (None: no route is ever on it)."""
    return ON_NAMES.get(kind)


def route_matches(
    route: Route, on: str, severity: int, service: str | None, audience: str | None = None
) -> bool:
    """Whether an event (`on`) of an incident of `severity` and `service` goes to `route`."""
    if on not in route.on:
        return False
    if route.severities is not None and severity not in route.severities:
        return False
    if route.services is not None and service not in route.services:
        return False
    return not (
        on == "comms_update" and route.audiences is not None and audience not in route.audiences
    )


def message(
    ref: str, severity: int, status: str, title: str, what: str, who: str, link: str | None = None
) -> str:
    """A notification's text: the incident on one line, what changed and who
    on the next, then the link.  Untrusted parts are cleaned (one line each)."""
    head = f"{ref} SEV{severity} {status}: {clean_line(title).strip()}"
    lines = [head, f"{clean_line(what).strip()} ({clean_line(who).strip()})"]
    if link:
        lines.append(clean_line(link))
    text = "\n".join(lines)
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def digest(route: str, messages: Sequence[str], shown: int = 20) -> str:
    """Several messages held back by a route's rate limit, as one."""
    lines = [f"{len(messages)} notifications on {route} (rate limited, sent together):"]
    lines += [f"- {text.splitlines()[0] if text else ''}" for text in messages[:shown]]
    if len(messages) > shown:
        lines.append(f"… and {len(messages) - shown} more")
    return "\n".join(lines)


class _Where:
    def __init__(self, source: str, number: int, name: str | None) -> None:
        self.source, self.number, self.name = source, number, name

    def fail(self, key: str | None, problem: str) -> UsageError:
        named = f" ({self.name!r})" if self.name else ""
        where = f"[[notify]] #{self.number}{named}" + (f" key {key!r}" if key else "")
        return UsageError(f"bad configuration in {self.source}: {where}: {problem}")


def load_routes(documents: Sequence[tuple[str | Path, Mapping[str, Any]]]) -> NotifyConfig:
    """The `[[notify]]` routes and `[notifier]` settings of the documents."""
    routes: dict[str, Route] = {}
    give_up = DEFAULT_GIVE_UP_MINUTES
    for source, document in documents:
        tables = document.get("notify", [])
        if not isinstance(tables, list):
            raise UsageError(
                f"bad configuration in {source}: notify must be [[notify]] tables (a list)"
            )
        for number, body in enumerate(tables, start=1):
            route = _route(_Where(str(source), number, None), body)
            routes[route.name] = route
        settings = document.get("notifier", {})
        if not isinstance(settings, Mapping):
            raise UsageError(f"bad configuration in {source}: [notifier] must be a table")
        for key, value in settings.items():
            if key != "give_up_minutes":
                raise UsageError(
                    f"bad configuration in {source}: [notifier] key {key!r}: unknown key "
                    "(allowed: give_up_minutes)"
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise UsageError(
                    f"bad configuration in {source}: [notifier] key 'give_up_minutes': "
                    f"must be a number greater than 0, not {value!r}"
                )
            give_up = float(value)
    return NotifyConfig(routes, give_up)


def _route(where: _Where, body: Any) -> Route:
    if not isinstance(body, Mapping):
        raise where.fail(None, "must be a table")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.fail("name", f"must be a non-empty string, not {name!r}")
    where.name = name
    for key in body:
        if key not in ROUTE_KEYS:
            raise where.fail(key, f"unknown key (allowed: {', '.join(ROUTE_KEYS)})")
    on = _strings(where, "on", body.get("on"))
    for item in on:
        if item not in ON_CHOICES:
            raise where.fail("on", f"{item!r} is not one of {', '.join(ON_CHOICES)}")
    apprise = _strings(where, "apprise", body.get("apprise", []), empty=True)
    command = _strings(where, "command", body.get("command", []), empty=True)
    if not apprise and not command:
        raise where.fail(None, "sends nowhere: give `apprise` URLs or a `command`")
    limit = body.get("max_per_minute", DEFAULT_MAX_PER_MINUTE)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise where.fail("max_per_minute", f"must be a whole number of at least 1, not {limit!r}")
    severities = None
    if "severities" in body:
        values = body["severities"]
        if not isinstance(values, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            raise where.fail("severities", f"must be a list of numbers like [1, 2], not {values!r}")
        severities = frozenset(values)
    base = Path(where.source).parent
    return Route(
        name=name,
        on=frozenset(on),
        apprise=tuple(Address(url, base) for url in apprise),
        command=command,
        severities=severities,
        services=frozenset(_strings(where, "services", body["services"]))
        if "services" in body
        else None,
        audiences=frozenset(_strings(where, "audiences", body["audiences"]))
        if "audiences" in body
        else None,
        max_per_minute=limit,
        source=where.source,
    )


def _strings(where: _Where, key: str, value: Any, empty: bool = False) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list):
        raise where.fail(key, f'must be a list of strings, e.g. ["a", "b"], not {value!r}')
    if not value and not empty:
        raise where.fail(key, "must not be empty")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise where.fail(key, f"must hold non-empty strings, not {item!r}")
    return tuple(value)
