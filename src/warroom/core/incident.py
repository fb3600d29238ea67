"""The current state of one incident, as `fold` derives it from its events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.times import format_time, parse_wire_time


@dataclass(slots=True)
class Step:
    """One runbook step and who checked it."""

    id: str
    text: str
    section: str = ""
    command: str | None = None
    runbook: str = ""
    added_by: str | None = None
    checked_by: str | None = None
    checked_at: datetime | None = None


@dataclass(slots=True)
class Link:
    url: str
    label: str
    actor: str
    at: datetime


IMPACT_ENDS: tuple[str, ...] = ("mitigated", "resolved")  # the first one set ends it
FOLLOWUP_STATES: tuple[str, ...] = ("open", "done", "verified")


@dataclass(slots=True)
class Followup:
    """An action item from the review (the guide's "Implement Action Items"):
    open, then done, then verified (the fix was checked to work)."""

    id: str
    text: str
    owner: str
    due: date
    state: str = "open"
    added_by: str = ""
    added_at: datetime | None = None
    done_by: str | None = None
    done_at: datetime | None = None
    done_note: str | None = None
    verified_by: str | None = None
    verified_at: datetime | None = None
    verified_note: str | None = None

    def overdue(self, today: date) -> bool:
        """Still open after its due date (`today` in the reader's local time)."""
        return self.state == "open" and self.due < today

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "owner": self.owner,
            "due": self.due.isoformat(),
            "state": self.state,
            "added_by": self.added_by,
            "added_at": _text(self.added_at),
            "done_by": self.done_by,
            "done_at": _text(self.done_at),
            "done_note": self.done_note,
            "verified_by": self.verified_by,
            "verified_at": _text(self.verified_at),
            "verified_note": self.verified_note,
        }

    @staticmethod
    def from_public(raw: dict[str, Any]) -> Followup:
        values = dict(raw)
        values["due"] = date.fromisoformat(values["due"])
        for name in ("added_at", "done_at", "verified_at"):
            values[name] = _time(values.get(name))
        return Followup(**values)


@dataclass(slots=True)
class Incident:
    """Folded state.  `number` (INC-n) is assigned by the store, not the log."""

    id: str
    number: int | None = None
    title: str = ""
    severity: int = 3
    status: str = "investigating"
    service: str | None = None
    summary: str = ""
    drill: bool = False
    declared_by: str = ""
    declared_at: datetime | None = None
    duplicate_of: str | None = None
    roles: dict[str, list[str]] = field(default_factory=dict)
    participants: dict[str, datetime] = field(default_factory=dict)
    milestones: dict[str, datetime] = field(default_factory=dict)
    explicit_milestones: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    runbooks: list[dict[str, str]] = field(default_factory=list)
    steps: dict[str, Step] = field(default_factory=dict)
    followups: dict[str, Followup] = field(default_factory=dict)
    last_update_at: datetime | None = None
    last_audience: str | None = None  # of the last stakeholder update (the form's default)
    public: bool = False  # on the public status page (a customers update was posted)
    public_title: str | None = None  # its title there (None: the default title)
    last_seq: int = 0
    last_gseq: int = 0
    updated_at: datetime | None = None
    field_seq: dict[str, int] = field(default_factory=dict)
    concurrent: list[int] = field(default_factory=list)
    event_count: int = 0
    alerts_total: int = 0  # alerts recorded on the incident (alert_fired, summarized ones)
    alerts_firing: int = 0  # of those, still firing
    paged_at: datetime | None = None  # the first page of its escalation policy
    acked_by: str | None = None  # who acknowledged the page (stops the escalation)
    acked_at: datetime | None = None
    exhausted_at: datetime | None = None  # every level paged, nobody acknowledged
    nobody_paged: bool = False  # no escalation policy: the timeline says so
    drill_pages: bool = False  # a drill whose declaration asks for real pages
    # Routes whose deliveries for this incident are failing now ("ROUTE TARGET",
    # the target masked), from the sender's delivery_failing/recovered entries.
    failing_deliveries: list[str] = field(default_factory=list)

    @property
    def unacknowledged(self) -> bool:
        """Paged and nobody has acknowledged yet."""
        return self.paged_at is not None and self.acked_by is None

    @property
    def ref(self) -> str:
        return f"INC-{self.number}" if self.number is not None else self.id[:8]

    @property
    def lead(self) -> str | None:
        holders = self.roles.get("lead")
        return holders[0] if holders else None

    def is_open(self, catalog: Catalog) -> bool:
        return catalog.is_open(self.status)

    def next_update_due(self, catalog: Catalog) -> datetime | None:
        """When the next stakeholder update is due by the severity's cadence."""
        if not self.is_open(catalog) or self.severity not in catalog.severities:
            return None
        minutes = catalog.severities[self.severity].update_every_minutes
        since = self.last_update_at or self.declared_at
        if not minutes or since is None:
            return None
        return since + timedelta(minutes=minutes)

    def update_overdue(self, catalog: Catalog, now: datetime) -> bool:
        due = self.next_update_due(catalog)
        return due is not None and now > due

    def impact_window(self) -> tuple[datetime | None, datetime | None, str | None]:
        """(impact start, when it ended, what ended it): the one definition of the
        impact the header, the postmortem and the metrics use.  It ends when the
        incident was mitigated, else (it skipped mitigated) when it was resolved;
        until then it is ongoing (end None)."""
        started = self.milestones.get("started")
        for name in IMPACT_ENDS:
            if name in self.milestones:
                return started, self.milestones[name], name
        return started, None, None

    def impact_seconds(self, now: datetime) -> float | None:
        """How long users were (or are, while ongoing) affected; None without a start."""
        started, ended, _ = self.impact_window()
        if started is None:
            return None
        return max(0.0, ((ended or now) - started).total_seconds())

    def steps_done(self) -> tuple[int, int]:
        done = sum(1 for step in self.steps.values() if step.checked_by)
        return done, len(self.steps)

    # -- snapshot (de)serialisation -------------------------------------

    def to_snapshot(self) -> dict[str, Any]:
        """Every field as JSON values (times as wire text), in field order, sharing
        no list or dict with the incident (`from_snapshot` reads it back).
        Written out, not `dataclasses.asdict`: its deep copies were ~18% of an append."""
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "service": self.service,
            "summary": self.summary,
            "drill": self.drill,
            "declared_by": self.declared_by,
            "declared_at": _text(self.declared_at),
            "duplicate_of": self.duplicate_of,
            "roles": {role: list(holders) for role, holders in self.roles.items()},
            "participants": {name: format_time(at) for name, at in self.participants.items()},
            "milestones": {name: format_time(at) for name, at in self.milestones.items()},
            "explicit_milestones": list(self.explicit_milestones),
            "links": [
                {
                    "url": link.url,
                    "label": link.label,
                    "actor": link.actor,
                    "at": format_time(link.at),
                }
                for link in self.links
            ],
            "runbooks": [dict(runbook) for runbook in self.runbooks],
            "steps": {key: _step_snapshot(step) for key, step in self.steps.items()},
            "followups": {key: item.to_public() for key, item in self.followups.items()},
            "last_update_at": _text(self.last_update_at),
            "last_audience": self.last_audience,
            "public": self.public,
            "public_title": self.public_title,
            "last_seq": self.last_seq,
            "last_gseq": self.last_gseq,
            "updated_at": _text(self.updated_at),
            "field_seq": dict(self.field_seq),
            "concurrent": list(self.concurrent),
            "event_count": self.event_count,
            "alerts_total": self.alerts_total,
            "alerts_firing": self.alerts_firing,
            "paged_at": _text(self.paged_at),
            "acked_by": self.acked_by,
            "acked_at": _text(self.acked_at),
            "exhausted_at": _text(self.exhausted_at),
            "nobody_paged": self.nobody_paged,
            "drill_pages": self.drill_pages,
            "failing_deliveries": list(self.failing_deliveries),
        }

    @staticmethod
    def from_snapshot(raw: dict[str, Any]) -> Incident:
        values = dict(raw)
        for name in (
            "declared_at", "last_update_at", "updated_at", "paged_at", "acked_at", "exhausted_at"
        ):  # fmt: skip
            values[name] = _time(values.get(name))
        values["participants"] = {k: _time(v) for k, v in values["participants"].items()}
        values["milestones"] = {k: _time(v) for k, v in values["milestones"].items()}
        values["links"] = [Link(**{**link, "at": _time(link["at"])}) for link in values["links"]]
        values["steps"] = {
            key: Step(**{**step, "checked_at": _time(step.get("checked_at"))})
            for key, step in values["steps"].items()
        }
        values["followups"] = {
            key: Followup.from_public(item) for key, item in values.get("followups", {}).items()
        }
        return Incident(**values)

    def to_public(self, catalog: Catalog) -> dict[str, Any]:
        """The `show --json` object (the CLI and API contract)."""
        due = self.next_update_due(catalog)
        return {
            "ref": self.ref,
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "service": self.service,
            "summary": self.summary,
            "roles": {role: list(names) for role, names in self.roles.items() if names},
            "participants": [
                {"name": name, "joined_at": format_time(at)}
                for name, at in self.participants.items()
            ],
            "milestones": {name: format_time(at) for name, at in self.milestones.items()},
            "links": [{"url": link.url, "label": link.label} for link in self.links],
            "last_update_at": format_time(self.last_update_at) if self.last_update_at else None,
            "next_update_due": format_time(due) if due else None,
            "last_seq": self.last_seq,
            "drill": self.drill,
            "declared_by": self.declared_by,
            "declared_at": format_time(self.declared_at) if self.declared_at else None,
            "duplicate_of": self.duplicate_of,
            "runbook": {
                "steps": [
                    {
                        "id": step.id,
                        "text": step.text,
                        "checked_by": step.checked_by,
                        "checked_at": format_time(step.checked_at) if step.checked_at else None,
                    }
                    for step in self.steps.values()
                ],
            },
            "followups": [followup.to_public() for followup in self.followups.values()],
            "alerts": {"total": self.alerts_total, "firing": self.alerts_firing},
            "paging": {
                "paged_at": format_time(self.paged_at) if self.paged_at else None,
                "acknowledged_by": self.acked_by,
                "acknowledged_at": format_time(self.acked_at) if self.acked_at else None,
                "exhausted_at": format_time(self.exhausted_at) if self.exhausted_at else None,
            },
            "failing_deliveries": list(self.failing_deliveries),  # "ROUTE TARGET" (masked)
        }


def _time(value: str | None) -> datetime | None:
    return parse_wire_time(value) if value else None


def _text(moment: datetime | None) -> str | None:
    return format_time(moment) if moment is not None else None


def _step_snapshot(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "text": step.text,
        "section": step.section,
        "command": step.command,
        "runbook": step.runbook,
        "added_by": step.added_by,
        "checked_by": step.checked_by,
        "checked_at": _text(step.checked_at),
    }
