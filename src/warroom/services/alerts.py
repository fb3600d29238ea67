"""Alerts in: what an alert does to the store, the same for every face (the
server's webhooks, `warroom alert ingest`, the inbox in the CLI and the TUI).

Each payload's alerts are handled in one alert transaction of the store
(`warroom.store.base.AlertTable`): alert rows, the group's row and the
incidents' events commit together.  Per alert:

- the rules decide (`Rules.decide`); "drop" stores nothing;
- a PagerDuty `acknowledge` marks the latest firing instance acknowledged, nothing else;
- a firing of a known instance (same source, key and starts_at; without a
  starts_at, the latest firing one) only counts a repeat and its last-seen time;
- a new instance goes to its group's open incident (`alert_fired`), or to the
  group's incident resolved less than the reopen window ago (`alert_fired` with
  `after_resolution`), else, when the rule says declare, to a new incident
  (actor `alerts:<source>`, the detected milestone at the alert's start, its
  links, a note "follows INC-n" when the group had an older incident), else to
  the inbox;
- a resolution resolves its instance (`alert_resolved` on its incident); an
  unknown instance is stored resolved, so a late firing of it shows nothing.

The inbox (`LocalInbox`, the `AlertInbox` of a store's own file): a person
declares an incident from an alert or attaches it to one, and the rest of its
group's inbox alerts go along (the group row then names that incident); or
ignores it.  A resolved alert leaves the inbox; `purge` deletes alerts
resolved longer than the retention ago.

A group shows at most ALERT_EVENTS_PER_MINUTE alert events per minute of
arrival; the rest are counted and summed up, once the minute is over, in one
`alerts_summarized` (`flush_summaries`; every ingest flushes finished minutes
first).  Event ids are derived from their cause, so a retried request makes
the same events.  An incident declared from alerts gets its service's runbook
after the commit (as `declare_with_runbook` does).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from warroom.core.alerts.events import (
    alert_event_id,
    fired_data,
    minute_of,
    resolved_data,
    summarized_data,
)
from warroom.core.alerts.model import STATES, Alert, AlertRecord, Decision, Ingested, alert_id
from warroom.core.alerts.rules import AlertSettings
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import NotFound, Refused, UsageError, WarroomError
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.kinds import NAME_MAX, TITLE_MAX, URL_MAX
from warroom.core.kinds.alerts import cut
from warroom.core.text import is_web_link
from warroom.core.times import format_time, parse_wire_time
from warroom.store.base import (
    AlertBucket,
    AlertInbox,
    AlertInboxSource,
    AlertTable,
    AlertTransaction,
    InboxSummary,
    RemoteStore,
    Store,
    StoredAlert,
)

if TYPE_CHECKING:
    from warroom.config import Settings
    from warroom.core.runbook_library import Library

LIST_STATES: tuple[str, ...] = ("inbox", "all", *STATES)  # what `AlertInbox.list` takes
ALERT_EVENTS_PER_MINUTE = 20  # alert events a group shows per minute; the rest are summed up
_TIME_MARGIN = timedelta(minutes=1)


@runtime_checkable
class Decides(Protocol):
    """What decides an alert: the rules (`warroom.core.alerts.rules.Rules`)."""

    def decide(self, alert: Alert) -> Decision: ...


class Windows(Protocol):
    """The alert settings (`warroom.core.alerts.rules.AlertSettings`)."""

    @property
    def reopen_window(self) -> timedelta: ...

    @property
    def retention(self) -> timedelta: ...


@dataclass(slots=True)
class Outcome:
    """What one alert request did in its transaction: the answer for the
    sender, and the incidents it declared (their runbooks come after the commit)."""

    ingested: Ingested = field(default_factory=Ingested)
    declared: list[str] = field(default_factory=list)  # incident ids
    actor: str = ""


# -- ingesting ------------------------------------------------------------


def ingest(
    table: AlertTable,
    alerts: Sequence[Alert],
    rules: Decides,
    settings: Windows,
    clock: Clock = SYSTEM_CLOCK,
    runbooks: Callable[[], Library] | None = None,
) -> Ingested:
    """Handle one payload's alerts in one transaction; then attach the runbooks
    of the incidents it declared.  Raises what the store raised (nothing stored)."""
    [outcome] = table.alert_requests([ingest_request(alerts, rules, settings)], clock.now())
    if isinstance(outcome, Exception):
        raise outcome
    attach_runbooks(table, outcome, clock, runbooks)
    return outcome.ingested


def ingest_request(
    alerts: Sequence[Alert], rules: Decides, settings: Windows
) -> Callable[[AlertTransaction], Outcome]:
    """One payload as a request for `AlertTable.alert_requests` (the server
    puts several in one transaction).  The rules run here, outside it."""
    decided = [(alert, rules.decide(alert), instance_of(alert)) for alert in alerts]

    def run(tx: AlertTransaction) -> Outcome:
        work = _Work(tx, settings)
        work.flush()
        work.look_up(
            instance
            for alert, decision, instance in decided
            if instance is not None
            and decision.action != "drop"
            and alert.event_action != "acknowledge"
        )
        for alert, decision, instance in decided:
            work.one(alert, decision, instance)
        work.settle()
        work.outcome.ingested.accepted = len(decided)
        pagerduty = [alert.key for alert in alerts if alert.source == "pagerduty"]
        work.outcome.ingested.dedup_key = pagerduty[-1] if pagerduty else None
        return work.outcome

    return run


def attach_runbooks(
    store: Any, outcome: Outcome, clock: Clock, runbooks: Callable[[], Library] | None
) -> None:
    """After the commit: each declared incident gets its service's runbook
    (`services.runbooks.attach_for_service`); a library that cannot be read
    leaves the incident without one."""
    if runbooks is None or not outcome.declared:
        return
    from warroom.services.runbooks import attach_for_service

    try:
        found = runbooks()
    except Exception:
        return
    for incident_id in outcome.declared:
        try:
            incident = store.incident(incident_id)
            attach_for_service(store, incident, outcome.actor, clock, found)
        except Exception:
            continue  # declared all the same, as with declare_with_runbook


def flush_summaries(table: AlertTable, now: datetime) -> int:
    """Write one `alerts_summarized` per finished minute with hidden alerts; how many."""

    def run(tx: AlertTransaction) -> int:
        return _Work(tx, AlertSettings()).flush()

    [written] = table.alert_requests([run], now)
    if isinstance(written, Exception):
        raise written
    return written


def purge(table: AlertTable, now: datetime, settings: Windows | None = None) -> int:
    """Delete the alerts resolved longer than the retention ago; how many."""
    retention = (settings or AlertSettings()).retention
    return table.purge_alerts(now - retention)


class _Work:
    """The algorithm, on one alert transaction.

    A payload is mostly alerts sent before (Alertmanager sends the whole group
    each time): which of its instances are stored is looked up at once
    (`look_up`), and a re-sent one is only noted (`sightings`) and written
    with the others in one statement (`settle`), before anything reads alert
    rows again.  `stored` follows this request's own writes.
    """

    def __init__(self, tx: AlertTransaction, settings: Windows) -> None:
        self.tx = tx
        self.now = tx.now
        self.minute = minute_of(self.now)  # of arrival, for the throttle
        self.settings = settings
        self.outcome = Outcome()
        self.stored: dict[str, StoredAlert | None] = {}  # by alert id; None: not stored
        self.sightings: list[tuple[str, int]] = []  # (alert id, repeats) not yet written
        # What this request read or wrote of the groups' incidents and the
        # throttle buckets, and the incidents it went to (outcome.ingested)
        self.groups: dict[str, str | None] = {}
        self.buckets: dict[tuple[str, str], AlertBucket] = {}
        self.gone_to: set[str] = set()

    # -- per alert ------------------------------------------------------

    def one(self, alert: Alert, decision: Decision, instance: str | None) -> None:
        """`instance`: the alert's id when it has a start (`instance_of`)."""
        if decision.action == "drop":
            return
        if alert.event_action == "acknowledge":
            self.acknowledge(alert)
        elif alert.status == "resolved":
            self.resolved(alert, decision, instance)
        else:
            self.firing(alert, decision, instance)

    def acknowledge(self, alert: Alert) -> None:
        record = self.rows().latest(alert.source, alert.key, "firing")
        if record is None:
            return
        self.put(replace(record, acknowledged=True, last_seen=self.now))
        self.went(record.incident_id)

    def firing(self, alert: Alert, decision: Decision, instance: str | None) -> None:
        if instance is not None:
            stored = self.instance(instance)
            # A re-send (or a late firing of a resolved instance) of an alert
            # out of the inbox: counted without reading its row.  An inbox
            # alert is written whole, through put_alert (which the server
            # watches for inbox changes).
            if stored is not None and stored.state != "inbox":
                self.sightings.append((instance, 1))
                self.went(stored.incident_id)
                return
            known = self.rows().alert(instance) if stored is not None else None
        else:
            known = self.rows().latest(alert.source, alert.key, "firing")
        if known is not None:  # a re-send (or a late firing of a resolved instance)
            self.put(replace(known, repeats=known.repeats + 1, last_seen=self.now))
            self.went(known.incident_id)
            return
        record = self.new_record(alert, decision, "firing")
        group = decision.group_key
        incident_id = self.group_incident(group)
        state = self.tx.incident(incident_id) if incident_id else None
        actor = source_actor(alert.source)
        self.put(record, decision.severity)
        if state is not None and state.is_open(self.tx.catalog):
            self.record_on(state, [record], actor)
        elif state is not None and self.reopenable(state):
            self.record_on(state, [record], actor, after_resolution=True)
        elif decision.action == "declare":
            self.declare(record, actor, decision.severity, None, state)

    def resolved(self, alert: Alert, decision: Decision, instance: str | None) -> None:
        if instance is not None:
            known = self.instance(instance) is not None
            record = self.rows().alert(instance) if known else None
        else:
            record = self.rows().latest(alert.source, alert.key, "firing")
        ends = alert.ends_at or self.now
        if record is None:  # never seen firing: kept resolved, so a late firing shows nothing
            stored = self.new_record(alert, decision, "resolved")
            self.put(replace(stored, ends_at=ends), decision.severity)
            return
        if record.status == "resolved":
            self.put(replace(record, last_seen=self.now))
            self.went(record.incident_id)
            return
        record = replace(record, status="resolved", ends_at=ends, last_seen=self.now)
        self.put(record)
        if record.incident_id is not None and record.state == "incident":
            state = self.tx.incident(record.incident_id)
            if state is not None:
                self.resolve_on(state, record, source_actor(alert.source))

    # -- the inbox's commands ---------------------------------------------

    def declare_from(self, ref: str, actor: str, severity: int | None, title: str | None) -> str:
        record = self.rows().find(ref)
        self.not_routed(record)
        incident_id = self.group_incident(record.group_key)
        state = self.tx.incident(incident_id) if incident_id else None
        if state is not None and state.is_open(self.tx.catalog):
            raise Refused(
                f"alert {record.id}'s group already has an open incident, {state.ref}; "
                f"attach the alert to it (`warroom alert attach {record.id} {state.ref}`)"
            )
        decided = self.tx.decided_severity(record.id)
        level = severity if severity is not None else decided or 3
        return self.declare(record, actor, level, title, state)

    def attach_to(self, ref: str, incident: str, actor: str) -> str:
        record = self.rows().find(ref)
        self.not_routed(record)
        state = self.tx.incident(self.tx.resolve(incident))
        if state is None:
            raise NotFound(f"no incident {incident}")
        self.record_on(state, self.with_group(record), actor)
        if state.is_open(self.tx.catalog):
            self.set_group_incident(record.group_key, state.id)
        return state.id

    def ignore(self, ref: str) -> AlertRecord:
        record = self.rows().find(ref)
        if record.state == "ignored":
            return record
        self.not_routed(record)
        record = replace(record, state="ignored")
        self.put(record)
        return record

    def not_routed(self, record: AlertRecord) -> None:
        if record.state == "incident" and record.incident_id is not None:
            state = self.tx.incident(record.incident_id)
            where = state.ref if state is not None else record.incident_id
            raise Refused(f"alert {record.id} is already on {where}")

    # -- incidents ----------------------------------------------------------

    def declare(
        self,
        record: AlertRecord,
        actor: str,
        severity: int,
        title: str | None,
        previous: Incident | None,
    ) -> str:
        """A new incident for the record's group (the group's other inbox
        alerts go along); the group row names it, in this transaction."""
        # A new id each time (an alert is declared at most once; a retried
        # request finds its alert stored and declares nothing).
        incident_id = alert_event_id(f"{record.id}\x00{format_time(self.now)}", "incident")
        data: dict[str, Any] = {
            "title": cut((title or record.summary).strip(), TITLE_MAX)
            or cut(f"{record.source} alert {record.key}", TITLE_MAX),
            "severity": severity,
            "detected_at": self.clamp(detected_at(record)).isoformat(),
        }
        if record.service:
            data["service"] = cut(record.service, NAME_MAX)
        events = [self.event(incident_id, "declared", actor, data, self.now, record.id)]
        for index, (label, url) in enumerate(record.links):
            if len(url) <= URL_MAX and is_web_link(url):
                link = {"url": url, "label": cut(label, NAME_MAX)}
                events.append(
                    self.event(incident_id, "link_added", actor, link, self.now, record.id, index)
                )
        if previous is not None:
            note = {"text": f"follows {previous.ref} (the same alert group fired again)"}
            events.append(self.event(incident_id, "note", actor, note, self.now, record.id))
        self.tx.append(events)
        state = self.tx.incident(incident_id)
        assert state is not None
        self.record_on(state, self.with_group(record), actor, first_shown=True)
        self.set_group_incident(record.group_key, incident_id)
        self.outcome.declared.append(incident_id)
        self.outcome.actor = actor
        return incident_id

    def with_group(self, record: AlertRecord) -> list[AlertRecord]:
        """The record and the rest of its group's alerts waiting in the inbox."""
        others = self.rows().group_alerts(record.group_key, "inbox", "firing")
        return [record, *(other for other in others if other.id != record.id)]

    def record_on(
        self,
        state: Incident,
        records: Iterable[AlertRecord],
        actor: str,
        after_resolution: bool = False,
        first_shown: bool = False,
    ) -> None:
        for record in records:
            routed = replace(record, state="incident", incident_id=state.id)
            self.route(routed)
            if self.show(record.group_key, state.id, fired=True, force=first_shown):
                data = fired_data(routed, after_resolution)
                at = self.clamp(routed.starts_at)
                self.append_on(state, "alert_fired", actor, data, at, routed.id)
            first_shown = False
            if routed.status == "resolved":
                self.resolve_on(self.tx.incident(state.id) or state, routed, actor)
            self.went(state.id)

    def resolve_on(self, state: Incident, record: AlertRecord, actor: str) -> None:
        if self.show(record.group_key, state.id, fired=False):
            data = resolved_data(record, record.ends_at or self.now)
            at = self.clamp(record.ends_at or self.now)
            self.append_on(state, "alert_resolved", actor, data, at, record.id)
        self.went(state.id)

    def append_on(
        self, state: Incident, kind: str, actor: str, data: dict[str, Any], at: datetime, cause: str
    ) -> None:
        current = self.tx.incident(state.id) or state
        event = self.event(state.id, kind, actor, data, at, cause, base_seq=current.last_seq)
        self.tx.append([event])

    def reopenable(self, state: Incident) -> bool:
        resolved = state.milestones.get("resolved")
        return (
            state.status == "resolved"
            and resolved is not None
            and self.now - resolved < self.settings.reopen_window
        )

    # -- the throttle ---------------------------------------------------------

    def show(self, group: str, incident_id: str, fired: bool, force: bool = False) -> bool:
        """Whether this alert event goes on the timeline (else it is counted)."""
        minute = self.minute
        bucket = self.buckets.get((group, minute))
        if bucket is None:
            bucket = self.buckets[group, minute] = self.tx.bucket(group, minute)
        shown = force or bucket.shown < ALERT_EVENTS_PER_MINUTE
        if shown:
            bucket.shown += 1
        else:
            bucket.incident_id = incident_id
            if fired:
                bucket.hidden_fired += 1
            else:
                bucket.hidden_resolved += 1
        self.tx.put_bucket(bucket)
        return shown

    def flush(self) -> int:
        """One `alerts_summarized` per finished minute with hidden alerts."""
        written = 0
        for bucket in self.tx.finished_buckets(self.minute):
            self.summarize(bucket)
            written += 1
        return written

    def summarize(self, bucket: AlertBucket) -> None:
        bucket.summarized = True
        self.tx.put_bucket(bucket)
        state = self.tx.incident(bucket.incident_id) if bucket.incident_id else None
        if state is None:
            return
        data = summarized_data(
            bucket.group_key, bucket.minute, bucket.hidden_fired, bucket.hidden_resolved
        )
        end = datetime.strptime(bucket.minute, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
        at = self.clamp(end + timedelta(minutes=1))
        actor = source_actor(bucket.group_key.split(":", 1)[0])
        cause = f"{bucket.group_key}\x00{bucket.minute}"
        # A refused summary (its append undid itself) never holds up later ingests.
        with contextlib.suppress(WarroomError):
            self.append_on(state, "alerts_summarized", actor, data, at, cause)

    # -- the alert rows ---------------------------------------------------------

    def look_up(self, alert_ids: Iterable[str]) -> None:
        """Learn which of these instances are stored, in one look-up."""
        wanted = [one for one in dict.fromkeys(alert_ids) if one not in self.stored]
        found = self.tx.stored_alerts(wanted)
        for one in wanted:
            self.stored[one] = found.get(one)

    def instance(self, alert_id: str) -> StoredAlert | None:
        """The stored instance's status, state and incident (None: not stored)."""
        if alert_id not in self.stored:
            self.look_up([alert_id])
        return self.stored[alert_id]

    def put(self, record: AlertRecord, decided_severity: int | None = None) -> None:
        self.tx.put_alert(record, decided_severity)
        self.stored[record.id] = StoredAlert(record.status, record.state, record.incident_id)

    def route(self, routed: AlertRecord) -> None:
        """Write an instance read (or written) in this request, as it was but
        now on its incident."""
        assert routed.incident_id is not None
        self.tx.route_alert(routed.id, routed.incident_id)
        self.stored[routed.id] = StoredAlert(routed.status, routed.state, routed.incident_id)

    def rows(self) -> AlertTransaction:
        """The transaction, for reading alert rows: the sightings written first."""
        self.settle()
        return self.tx

    def settle(self) -> None:
        """Write the re-sent alerts noted so far (last seen, repeats), in one statement."""
        if self.sightings:
            self.tx.seen_again(self.sightings)
            self.sightings = []

    # -- groups -------------------------------------------------------------------

    def group_incident(self, group_key: str) -> str | None:
        if group_key not in self.groups:
            self.groups[group_key] = self.tx.group_incident(group_key)
        return self.groups[group_key]

    def set_group_incident(self, group_key: str, incident_id: str) -> None:
        self.tx.set_group_incident(group_key, incident_id)
        self.groups[group_key] = incident_id

    # -- pieces ---------------------------------------------------------------

    def new_record(self, alert: Alert, decision: Decision, status: str) -> AlertRecord:
        starts = alert.starts_at or self.now
        return AlertRecord(
            id=alert_id(alert.source, alert.key, starts),
            source=alert.source,
            key=alert.key,
            starts_at=starts,
            status=status,
            state="inbox",
            summary=alert.summary,
            group_key=decision.group_key,
            first_seen=self.now,
            last_seen=self.now,
            ends_at=alert.ends_at if status == "resolved" else None,
            severity=alert.severity,
            service=decision.service,
            description=alert.description,
            labels=dict(alert.labels),
            annotations=dict(alert.annotations),
            links=tuple(alert.links),
            rule=decision.rule,
            extra=dict(alert.extra),
        )

    def event(
        self,
        incident_id: str,
        kind: str,
        actor: str,
        data: dict[str, Any],
        at: datetime,
        cause: str,
        index: int | None = None,
        base_seq: int = 0,
    ) -> Event:
        parts = [cause, incident_id] + ([str(index)] if index is not None else [])
        return Event(
            id=alert_event_id("\x00".join(parts), kind),
            incident_id=incident_id,
            kind=kind,
            actor=actor,
            occurred_at=at,
            data=data,
            base_seq=base_seq,
        )

    def clamp(self, moment: datetime) -> datetime:
        """A time moved into what the store takes: not in the future, not
        beyond the back-dating window."""
        earliest = self.now - self.tx.catalog.backdate_window + _TIME_MARGIN
        return min(max(moment, earliest), self.now)

    def went(self, incident_id: str | None) -> None:
        if incident_id is None or incident_id in self.gone_to:
            return
        state = self.tx.incident(incident_id)
        if state is not None:
            self.gone_to.add(incident_id)
            if state.ref not in self.outcome.ingested.incidents:
                self.outcome.ingested.incidents.append(state.ref)


def instance_of(alert: Alert) -> str | None:
    """The alert's instance id, when it has a start (else the latest firing
    instance of its key is meant)."""
    if alert.starts_at is None:
        return None
    return alert_id(alert.source, alert.key, alert.starts_at)


def detected_at(record: AlertRecord) -> datetime:
    """When the monitor saw the alert: its start, or PagerDuty's `timestamp`
    (its instances start when warroom first sees them)."""
    stamp = record.extra.get("timestamp")
    if isinstance(stamp, str):
        with contextlib.suppress(ValueError):
            return min(parse_wire_time(stamp), record.starts_at)
    return record.starts_at


def source_actor(source: str) -> str:
    return f"alerts:{source}"


# -- the inbox ---------------------------------------------------------------


class LocalInbox:
    """The `AlertInbox` of a store's own file (`warroom.store.base`)."""

    def __init__(
        self,
        store: Store,
        rules: Decides | Callable[[], Decides],
        settings: Windows | None = None,
        clock: Clock = SYSTEM_CLOCK,
        runbooks: Callable[[], Library] | None = None,
    ) -> None:
        if not isinstance(store, AlertTable):
            raise TypeError(f"{type(store).__name__} keeps no alerts")
        self.store = store
        self.table: AlertTable = store
        self._rules = rules
        self.settings = settings or AlertSettings()
        self.clock = clock
        self.runbooks = runbooks

    @property
    def rules(self) -> Decides:
        """The rules, read on the first ingest (a face that only lists never reads them)."""
        if not isinstance(self._rules, Decides):
            self._rules = self._rules()
        return self._rules

    def list(
        self, state: str = "inbox", incident: str | None = None, limit: int = 100
    ) -> list[AlertRecord]:
        if state not in LIST_STATES:
            raise UsageError(f"unknown alert state {state!r}; states: {', '.join(LIST_STATES)}")
        incident_id = self.store.resolve(incident) if incident is not None else None
        return self.table.alert_rows(state, incident_id, limit)

    def get(self, alert: str) -> AlertRecord:
        return self.table.find_alert(alert)

    def declare(
        self, alert: str, actor: str, severity: int | None = None, title: str | None = None
    ) -> Incident:
        def run(tx: AlertTransaction) -> Outcome:
            work = _Work(tx, self.settings)
            work.flush()
            work.declare_from(alert, actor, severity, title)
            return work.outcome

        outcome = self._one(run)
        attach_runbooks(self.store, outcome, self.clock, self.runbooks)
        return self.store.incident(outcome.declared[0])

    def attach(self, alert: str, incident: str, actor: str) -> Incident:
        def run(tx: AlertTransaction) -> str:
            work = _Work(tx, self.settings)
            work.flush()
            return work.attach_to(alert, incident, actor)

        return self.store.incident(self._one(run))

    def ignore(self, alert: str, actor: str) -> AlertRecord:
        return self._one(lambda tx: _Work(tx, self.settings).ignore(alert))

    def ingest(self, source: str, payload: Any) -> Ingested:
        """One payload, as the endpoint takes it.  Alerts past their retention
        are purged first: without a server no sweeper does it."""
        from warroom.core.alerts.sources import parse

        alerts = parse(source, payload)
        purge(self.table, self.clock.now(), self.settings)
        return ingest(self.table, alerts, self.rules, self.settings, self.clock, self.runbooks)

    def summary(self) -> InboxSummary:
        return self.table.inbox_summary()

    def changed(self) -> int:
        return self.table.alerts_version()

    def _one(self, request: Callable[[AlertTransaction], Any]) -> Any:
        [result] = self.table.alert_requests([request], self.clock.now())
        if isinstance(result, Exception):
            raise result
        return result


def inbox_for(store: Store, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> AlertInbox:
    """The alert inbox of a store: the server's (a RemoteStore) or the file's own."""
    if isinstance(store, AlertInboxSource):
        return store.alert_inbox()
    if isinstance(store, RemoteStore):
        raise NotFound("this warroom server's client has no alert inbox")
    from warroom.services.runbooks import library

    return LocalInbox(
        store,
        rules=settings.alert_rules,
        settings=settings.alert_settings(),
        clock=clock,
        runbooks=lambda: library(settings),
    )
