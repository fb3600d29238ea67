"""The rules that decide what an alert does: declare an incident, wait in the
inbox, or be dropped; with what severity and service, grouped with which
other alerts.

Rules come from the config files' `[[alert_rules]]` (the user's file before
the site's), then `data/alert_rules.toml` (critical declares SEV2, the rest
goes to the inbox); the first rule that matches decides.  A rule:

    name = "db-pages"                      # optional; else "<file>:<n>"
    match = { team = "db" }                # label = exact value
    match_re = { alertname = "Disk.*" }    # label = regular expression, full match
    source = "alertmanager"                # or a list of sources
    action = "declare"                     # "declare" | "inbox" | "drop"
    severity = 1                           # or severity_from = { critical = 1, warning = 3 }
    group_by = ["alertname", "cluster"]    # labels: one incident per value combination
    service = "app"                        # the label that names the service

A label the alert lacks matches as "" (as in Prometheus); `severity` falls
back to the source's own severity word (PagerDuty's, the generic body's).
Settings: `[alerts] reopen_window_minutes = 60`, `retention_days = 30`
(`alert_settings`).  A config error is a UsageError naming the file, the rule
and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from warroom.core.alerts import SOURCES
from warroom.core.alerts.model import ACTIONS, Alert, Decision
from warroom.core.errors import UsageError

DEFAULT_SEVERITY = 3  # when a rule names none (or severity_from has no entry)
REOPEN_WINDOW_MINUTES = 60
RETENTION_DAYS = 30
RULE_KEYS: tuple[str, ...] = (
    "name",
    "match",
    "match_re",
    "source",
    "action",
    "severity",
    "severity_from",
    "group_by",
    "service",
)
ALERTS_KEYS: tuple[str, ...] = ("reopen_window_minutes", "retention_days")
DEFAULTS_FILE = "alert_rules.toml"

Document = tuple[str | Path, Mapping[str, Any]]
"""One config file: (its path, its parsed TOML)."""
Fail = Callable[[str], UsageError]  # a problem with one key -> the error naming it


@dataclass(frozen=True, slots=True)
class Rule:
    """One `[[alert_rules]]` entry, checked and with its regexes compiled."""

    name: str  # its `name`, else "<file>:<n>" (n from 1)
    action: str
    match: Mapping[str, str] = field(default_factory=dict)
    match_re: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    sources: frozenset[str] = frozenset()  # empty: any source
    severity: int | None = None
    severity_from: Mapping[str, int] = field(default_factory=dict)  # keys lowercased
    group_by: tuple[str, ...] = ()
    service: str | None = None  # the label naming the service

    def matches(self, alert: Alert) -> bool:
        if self.sources and alert.source not in self.sources:
            return False
        if any(label_value(alert, name) != value for name, value in self.match.items()):
            return False
        return all(
            pattern.fullmatch(label_value(alert, name)) for name, pattern in self.match_re.items()
        )

    def decide(self, alert: Alert) -> Decision:
        return Decision(
            action=self.action,
            severity=self._severity(alert),
            service=self._service(alert),
            group_key=self._group_key(alert),
            rule=self.name,
        )

    def _severity(self, alert: Alert) -> int:
        word = label_value(alert, "severity").strip().lower()
        if word in self.severity_from:
            return self.severity_from[word]
        return self.severity if self.severity is not None else DEFAULT_SEVERITY

    def _service(self, alert: Alert) -> str | None:
        names = ((self.service,) if self.service else ()) + ("service", "job")
        for name in names:
            value = alert.labels.get(name, "").strip()
            if value:
                return value
        return alert.service_hint.strip() or None

    def _group_key(self, alert: Alert) -> str:
        if self.group_by:
            values = ",".join(
                f"{name}={label_value(alert, name)}" for name in sorted(self.group_by)
            )
            return f"{alert.source}:rule:{self.name}:{values}"
        if alert.group:
            return f"{alert.source}:{alert.group}"
        return f"{alert.source}:{alert.key}"


@dataclass(frozen=True, slots=True)
class Rules:
    """The rules in order: the first that matches an alert decides."""

    rules: tuple[Rule, ...]

    def decide(self, alert: Alert) -> Decision:
        for rule in self.rules:
            if rule.matches(alert):
                return rule.decide(alert)
        return _FALLBACK.decide(alert)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


# What decides when no rule matched (the shipped defaults end with a catch-all).
_FALLBACK = Rule(name="default", action="inbox")


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """`[alerts]`: how long after its incident's resolution a group's alert goes
    back to that incident (`reopen_window`), how long resolved alerts are kept."""

    reopen_window: timedelta = timedelta(minutes=REOPEN_WINDOW_MINUTES)
    retention: timedelta = timedelta(days=RETENTION_DAYS)


def label_value(alert: Alert, name: str) -> str:
    """A label as the rules see it: missing is ""; `severity` falls back to the
    source's own severity word."""
    value = alert.labels.get(name)
    if value is None and name == "severity":
        return alert.severity
    return value or ""


def load_rules(documents: Iterable[Document] = (), defaults: bool = True) -> Rules:
    """The rules of the config files, in the order given (the user's file before
    the site's), then the shipped defaults (`data/alert_rules.toml`)."""
    documents = list(documents)
    if defaults:
        documents.append(default_document())
    rules: list[Rule] = []
    for path, document in documents:
        entries = document.get("alert_rules", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise UsageError(f"{path}: alert_rules must be an array of tables ([[alert_rules]])")
        rules += [_rule(path, index, entry) for index, entry in enumerate(entries, start=1)]
    return Rules(tuple(rules))


def default_document() -> Document:
    """The shipped defaults, as a (path, parsed TOML) pair."""
    from warroom.resources import data_path

    path = data_path(DEFAULTS_FILE)
    with path.open("rb") as handle:
        return path, tomllib.load(handle)


def alert_settings(documents: Iterable[Document] = ()) -> AlertSettings:
    """`[alerts]` of the config files; the first file (the user's) that names a key wins."""
    found: dict[str, int] = {}
    for path, document in documents:
        table = document.get("alerts", {})
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [alerts] must be a table")
        for key, value in table.items():
            where = f"{path}: [alerts] {key}"
            if key not in ALERTS_KEYS:
                raise UsageError(f"{where}: unknown key; keys: {', '.join(ALERTS_KEYS)}")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError(f"{where}: must be a whole number, 0 or more")
            if key == "retention_days" and value < 1:
                raise UsageError(f"{where}: must be at least 1")
            found.setdefault(key, value)
    return AlertSettings(
        reopen_window=timedelta(minutes=found.get("reopen_window_minutes", REOPEN_WINDOW_MINUTES)),
        retention=timedelta(days=found.get("retention_days", RETENTION_DAYS)),
    )


# -- reading one rule ------------------------------------------------------------


def _rule(path: str | Path, index: int, entry: Mapping[str, Any]) -> Rule:
    name = entry.get("name")
    label = f"{path}: alert rule {index}" + (f" ({name!r})" if isinstance(name, str) else "")

    def fail(key: str, problem: str) -> UsageError:
        return UsageError(f"{label}: {key}: {problem}")

    for key in entry:
        if key not in RULE_KEYS:
            raise fail(key, f"unknown key; keys: {', '.join(RULE_KEYS)}")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise fail("name", "must be a non-empty string")
    action = entry.get("action")
    if action not in ACTIONS:
        raise fail("action", f"must be one of {', '.join(ACTIONS)}, not {action!r}")
    if "severity" in entry and "severity_from" in entry:
        raise fail("severity_from", "give severity or severity_from, not both")
    match = _strings(entry.get("match", {}), lambda p: fail("match", p))
    patterns = _strings(entry.get("match_re", {}), lambda p: fail("match_re", p))
    match_re: dict[str, re.Pattern[str]] = {}
    for label_name, pattern in patterns.items():
        try:
            match_re[label_name] = re.compile(pattern)
        except re.error as error:
            raise fail(
                f"match_re.{label_name}", f"bad regular expression {pattern!r}: {error}"
            ) from None
    return Rule(
        name=name.strip() if isinstance(name, str) else f"{path}:{index}",
        action=action,
        match=match,
        match_re=match_re,
        sources=_sources(entry.get("source"), lambda p: fail("source", p)),
        severity=_level(entry["severity"], lambda p: fail("severity", p))
        if "severity" in entry
        else None,
        severity_from=_severity_from(entry.get("severity_from", {}), fail),
        group_by=_names(entry.get("group_by", []), lambda p: fail("group_by", p)),
        service=_service(entry.get("service"), lambda p: fail("service", p)),
    )


def _strings(value: Any, fail: Fail) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise fail('must be a table of label = "value"')
    return dict(value)


def _sources(value: Any, fail: Fail) -> frozenset[str]:
    if value is None:
        return frozenset()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise fail("must be a source or a list of sources")
    for source in names:
        if source not in SOURCES:
            raise fail(f"unknown source {source!r}; sources: {', '.join(SOURCES)}")
    return frozenset(names)


def _level(value: Any, fail: Fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(f"must be a severity number (SEV1 is 1), not {value!r}")
    return value


def _severity_from(value: Any, fail: Callable[[str, str], UsageError]) -> dict[str, int]:
    if not isinstance(value, dict):
        raise fail("severity_from", "must be a table of severity word = number")
    levels: dict[str, int] = {}
    for word, level in value.items():
        key = f"severity_from.{word}"
        levels[str(word).strip().lower()] = _level(
            level, lambda problem, key=key: fail(key, problem)
        )
    return levels


def _names(value: Any, fail: Fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(n, str) and n.strip() for n in value):
        raise fail("must be a list of label names")
    return tuple(dict.fromkeys(value))


def _service(value: Any, fail: Fail) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail("must be a label name")
    return value.strip()
