"""A small builder for an incident's log: events made with `make_event`,
checked by `validate` as a store would, and numbered like a store numbers them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.core.catalog import Catalog
from warroom.core.events import Event, make_event, new_id
from warroom.core.fold import fold
from warroom.core.incident import Incident
from warroom.core.validate import validate

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=1)  # "now" for validation: after every event built here


def minutes(n: float) -> datetime:
    """T0 plus n minutes."""
    return T0 + timedelta(minutes=n)


class Log:
    """One incident's events, in seq order, with seq and gseq assigned here.

    Each event is first checked with `validate` against the folded state so
    far (pass `check=False` to skip that), so the fold sees what a store
    would have stored.
    """

    def __init__(self, catalog: Catalog | None = None, incident_id: str | None = None) -> None:
        self.catalog = catalog or Catalog.default()
        self.incident_id = incident_id or new_id()
        self.events: list[Event] = []

    def add(
        self,
        kind: str,
        data: dict[str, Any],
        actor: str = "alice",
        at: datetime | None = None,
        base_seq: int | None = None,
        check: bool = True,
    ) -> Event:
        """Append an event; by default it happens one minute after the last one
        and its author has seen every event before it."""
        seq = len(self.events) + 1
        occurred = at or minutes(seq - 1)
        base = seq - 1 if base_seq is None else base_seq
        event = make_event(self.incident_id, kind, actor, data, occurred, base)
        if check:
            state = self.state() if self.events else None
            event = validate(state, event, self.catalog, LATER)
        stored = event.stored(seq=seq, gseq=1000 + seq, recorded_at=max(occurred, minutes(seq)))
        self.events.append(stored)
        return stored

    def declare(
        self,
        actor: str = "alice",
        title: str = "Checkout API 502s",
        severity: int = 2,
        at: datetime | None = None,
        **extra: Any,
    ) -> Event:
        return self.add(
            "declared", {"title": title, "severity": severity, **extra}, actor=actor, at=at
        )

    def state(self) -> Incident:
        return fold(self.events, self.catalog)

    @property
    def last_seq(self) -> int:
        return len(self.events)


RUNBOOK = {
    "name": "checkout-502",
    "content_hash": "sha256:abc",
    "steps": [
        {"id": "s1", "text": "Check the load balancer", "section": "Triage"},
        {"id": "s2", "text": "Roll back the deploy", "command": "deploy rollback checkout"},
    ],
}

# One valid example of each kind, after `declared` (+ a runbook where needed).
SAMPLES: dict[str, dict[str, Any]] = {
    "declared": {"title": "x", "severity": 3},
    "title_changed": {"title": "Checkout down"},
    "service_changed": {"service": "payments"},
    "summary_set": {"text": "impact / hypothesis / next step"},
    "severity_changed": {"severity": 1},
    "status_changed": {"to": "identified"},
    "role_assigned": {"role": "responder", "person": "bob"},
    "role_released": {"role": "lead", "person": "alice"},
    "participant_joined": {"person": "bob"},
    "participant_left": {"person": "alice"},
    "note": {"text": "a note"},
    "finding": {"text": "a finding"},
    "action": {"text": "an action"},
    "decision": {"text": "a decision"},
    "comms_update": {"text": "we are on it", "audience": "customers"},
    "milestone": {"name": "acknowledged"},
    "link_added": {"url": "https://chat.example/room"},
    "runbook_attached": RUNBOOK,
    "step_checked": {"step": "s1"},
    "step_unchecked": {"step": "s1"},
    "step_added": {"step": {"id": "s9", "text": "Page the DBA"}},
    "followup_added": {"id": "f00d01", "text": "Alert on 502", "owner": "bob", "due": "2026-12-10"},
    "followup_done": {"id": "f00d01"},
    "followup_verified": {"id": "f00d01"},
    "alert_fired": {
        "alert": "0123456789abcdef",
        "source": "alertmanager",
        "summary": "BlackBox Probe Failure: https://server.example.org",
        "severity": "critical",
        "service": "http_checks",
        "group": 'alertmanager:{}:{alertname="ProbeFailure"}',
        "starts_at": "2026-11-26T02:58:00.000000Z",
        "labels": {"alertname": "ProbeFailure", "severity": "critical"},
        "annotations": {"summary": "BlackBox Probe Failure: https://server.example.org"},
        "links": [{"url": "http://prometheus.example.org:9090/graph", "label": "source"}],
    },
    "alert_resolved": {
        "alert": "0123456789abcdef",
        "summary": "BlackBox Probe Failure: https://server.example.org",
        "ends_at": "2026-11-26T03:20:00.000000Z",
    },
    "alerts_summarized": {
        "group": 'alertmanager:{}:{alertname="ProbeFailure"}',
        "minute": "2026-11-26T03:14Z",
        "fired": 180,
        "resolved": 2,
    },
    "page_sent": {
        "person": "dana",
        "target": "schedule:payments-primary",
        "policy": "payments",
        "level": 1,
        "round": 1,
        "step": 0,
        "reachable": True,
        "cause": "declared",
    },
    "page_acknowledged": {"person": "dana", "via": "cli"},
    "escalation_exhausted": {"policy": "payments", "pages": 4},
    "nobody_paged": {"service": "checkout-api"},
    "delivery_failing": {
        "route": "sev1-2",
        "target": "json://***",
        "error": "A Connection error occurred sending JSON notification to 127.0.0.1.",
    },
    "delivery_recovered": {"route": "sev1-2", "target": "json://***"},
}


def ready_for(kind: str) -> Log:
    """A declared incident (lead alice, a runbook with steps s1 and s2) where an
    event of `kind` with its SAMPLES data may be appended next."""
    log = Log()
    log.declare(lead="alice")
    log.add("runbook_attached", RUNBOOK)
    if kind == "step_unchecked":
        log.add("step_checked", {"step": "s1"})
    if kind in ("followup_done", "followup_verified"):
        log.add("followup_added", SAMPLES["followup_added"])
    if kind == "followup_verified":
        log.add("followup_done", SAMPLES["followup_done"])
    if kind == "alert_resolved":
        log.add("alert_fired", SAMPLES["alert_fired"], actor="alerts:alertmanager")
    if kind == "delivery_recovered":
        log.add("delivery_failing", SAMPLES["delivery_failing"], actor="notifier")
    return log
