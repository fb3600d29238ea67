"""Paging: the escalation runner the sender calls every few seconds, and the
acknowledgement (one way for `warroom ack`, the room's ack key and the
signed link in a page).

`run_escalations(store, oncall, clock)` looks at every open incident, asks
`core.oncall.escalation` which pages of its service's policy (or
`[escalation.default]`) are due, and writes the ones not written yet as
`page_sent` events (then `escalation_exhausted` when the policy runs out, or
one `nobody_paged` line when there is no policy).  Their ids come from their
cause and a step already on the timeline is never paged again, so it is
idempotent: two runners on one store, or one restarted, write each page once.
Each page to a reachable person becomes one delivery per address of theirs
in the store's page queue (`services.notify.enqueue`, before its event is
written: a runner that dies in between leaves nothing lost, and asking twice
changes nothing); the sender delivers them (and the `page_sent` event to the
routes with `on = ["page"]`).  When every delivery of a step has failed, or
none has gone out `UNDELIVERED_FOR` after it was asked for, that level
escalates at once.

An incident starts paging when the runner first sees it (the first page's
time anchors the policy's waits) if it was declared less than `START_WITHIN`
ago, or after the point the sender started routing from (`routed_after`,
the sender's `started_from`: a sender that was down pages the incidents
declared meanwhile, however long ago; a store's first sender starts an hour
back).  An old open incident from before that is not paged by a new sender.
A drill pages only when its declaration says `page`.

Each round reads only what changed: `PageLog` keeps, per incident being
paged, its paging events and the last seq read, and reads an incident's
events after that seq only when its last seq has moved.
Escalation stops at an acknowledgement, at exhaustion, and when the incident
is no longer open (resolved, cancelled, closed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.core.clock import Clock
from warroom.core.errors import Conflict, Refused, WarroomError
from warroom.core.events import Event, make_event
from warroom.core.incident import Incident
from warroom.core.notify import message
from warroom.core.oncall.escalation import (
    Escalation,
    Page,
    escalation,
    exhausted_event_id,
    page_event_id,
)
from warroom.core.text import clean_line
from warroom.core.times import format_time, parse_wire_time
from warroom.services.notify import delivery_queue
from warroom.services.oncall import store_overrides
from warroom.store.base import Delivery, DeliveryRow, DeliveryStore, SecretTable, Store

if TYPE_CHECKING:
    from warroom.config import Settings
    from warroom.core.oncall.model import OnCall, Policy
    from warroom.core.oncall.secrets import Address

log = logging.getLogger("warroom.paging")

ACTOR = "escalation"  # the runner's events' actor
START_WITHIN = timedelta(hours=1)  # an older incident never paged is not paged by a new sender

UNDELIVERED_FOR = timedelta(minutes=2)  # a page not delivered by then pages the next level
ROUTE = "page"  # the route name of a page's deliveries (status, errors)

_NAMESPACE = uuid.UUID("0b6f7d3e-9c61-4a55-8f0e-3e2a51c7d9a4")


def nobody_paged_id(incident_id: str) -> str:
    """The id of an incident's one `nobody_paged` line."""
    return str(uuid.uuid5(_NAMESPACE, f"nobody:{incident_id}"))


def policy_of(tables: OnCall, service: str | None) -> Policy | None:
    """The incident's policy: its service's, else `[escalation.default]`."""
    if service:
        return tables.policy_for(service)
    return tables.escalation.get("default")


PAGING_KINDS = frozenset({"page_sent", "escalation_exhausted"})  # what a round reads


class PageLog:
    """What the escalation runner has read of each incident it pages: the
    paging events and the last seq read, so a round reads only the events
    after it (and none when the incident has not moved); the declaration's
    gseq of incidents not paged."""

    def __init__(self) -> None:
        self._read: dict[str, tuple[int, list[Event]]] = {}
        self._declared: dict[str, int] = {}

    def events(self, store: Store, incident: Incident) -> list[Event]:
        """The incident's paging events, oldest first."""
        last, found = self._read.get(incident.id, (0, []))
        if incident.last_seq > last:
            new = store.events(incident.id, after_seq=last)
            found = found + [event for event in new if event.kind in PAGING_KINDS]
            last = max([last, *(event.seq or 0 for event in new)])
            self._read[incident.id] = (last, found)
        return found

    def declared_gseq(self, store: Store, incident: Incident) -> int:
        """The gseq of the incident's first event (its declaration)."""
        if incident.id not in self._declared:
            first = store.events_before(incident.id, before_seq=2, limit=1)
            self._declared[incident.id] = (first[0].gseq or 0) if first else 0
        return self._declared[incident.id]

    def keep_only(self, incident_ids: set[str]) -> None:
        """Forget the incidents not in `incident_ids` (no longer open)."""
        for known in (self._read, self._declared):
            for gone in set(known) - incident_ids:
                del known[gone]


def run_escalations(
    store: Store,
    oncall: OnCall,
    clock: Clock,
    link: Callable[[str, str], str | None] | None = None,
    routed_after: int | None = None,
    seen: PageLog | None = None,
) -> list[Event]:
    """Write every page (and exhaustion, and "nobody paged" line) due now on
    the store's open incidents, its deliveries asked for first; return the
    events this call wrote.  `link(incident_id, person)`: a page's signed ack
    link, if any (`ack_link`); `routed_after`: the gseq the sender started
    routing from (incidents declared after it are paged whatever their age);
    `seen`: what earlier rounds read (a new `PageLog` reads everything)."""
    now = clock.now()
    seen = seen if seen is not None else PageLog()
    written: list[Event] = []
    overrides: dict[str, Any] | None = None
    queue = delivery_queue(store) if isinstance(store, DeliveryStore) else None
    incidents = store.incidents()
    seen.keep_only({incident.id for incident in incidents})
    for incident in incidents:
        if not _wants_paging(incident, now, routed_after, store, seen):
            continue
        policy = policy_of(oncall, incident.service)
        if policy is None:
            written += _append(store, [_nobody_paged(incident, now)])
            continue
        if overrides is None:
            overrides = store_overrides(store, now - timedelta(days=1))
        events = seen.events(store, incident)
        page_ids = [event.id for event in events if event.kind == "page_sent"]
        rows = queue.for_events(page_ids) if queue is not None and page_ids else []
        failed = _failed_steps(events, rows, now)
        due = _due(incident, events, policy, oncall, now, overrides, failed)
        if queue is not None:
            pages = [event for event in due if event.kind == "page_sent"]
            asked = _deliveries(incident, pages, oncall, link)
            asked += _tell_lead(
                incident, [e for e in due if e.kind == "escalation_exhausted"], oncall
            )
            queue.enqueue(asked, format_time(now))
        written += _append(store, due)
    return written


def _failed_steps(
    events: Sequence[Event], rows: Sequence[DeliveryRow], now: datetime
) -> dict[int, datetime]:
    """step -> when its pages counted as undeliverable: every delivery failed,
    or none sent `UNDELIVERED_FOR` after it was asked for despite tries.  The time is the
    next step's page when it was written (so it never moves), else now."""
    pages = [event for event in events if event.kind == "page_sent"]
    if not pages or not rows:
        return {}
    by_event: dict[str, list[DeliveryRow]] = {}
    for row in rows:
        by_event.setdefault(row.event_id, []).append(row)
    steps: dict[int, list[Event]] = {}
    for event in pages:
        steps.setdefault(event.data["step"], []).append(event)
    failed: dict[int, datetime] = {}
    for step, sent in steps.items():
        mine = [row for event in sent for row in by_event.get(event.id, [])]
        if not mine or not all(_undeliverable(row, now) for row in mine):
            continue  # one delivery made (or still being tried) is enough
        following = steps.get(step + 1)
        failed[step] = following[0].occurred_at if following else now
    return failed


def _undeliverable(row: DeliveryRow, now: datetime) -> bool:
    if row.state == "failed":
        return True
    if row.state in ("sent", "cancelled"):
        return False
    tried = row.attempts > 0  # untried: no sender runs, and the next level's would wait too
    return tried and now - parse_wire_time(row.created_at) >= UNDELIVERED_FOR


def _deliveries(
    incident: Incident,
    pages: Sequence[Event],
    tables: OnCall,
    link: Callable[[str, str], str | None] | None,
) -> list[Delivery]:
    """One delivery per address of each reachable person paged."""
    found: list[Delivery] = []
    for event in pages:
        person = tables.people.get(event.data.get("person") or "")
        if person is None or not event.data.get("reachable"):
            continue
        url = link(incident.id, person.name) if link is not None else None
        text = page_text(incident, event, url)
        for address in person.addresses:
            found.append(Delivery(event.id, incident.id, ROUTE, _target(address), "page", text))
    return found


def _tell_lead(incident: Incident, exhausted: Sequence[Event], tables: OnCall) -> list[Delivery]:
    """The lead hears that the escalation ran out (at their addresses, in the page
    queue); a lead who is not in [people], or has no address, cannot be told."""
    lead = tables.person_named(incident.lead) if incident.lead else None
    if not exhausted or lead is None:
        return []
    (event,) = exhausted
    what = f"ESCALATION EXHAUSTED: {event.data['pages']} pages of {event.data['policy']}, "
    what += "nobody acknowledged"
    text = "\n".join(
        [
            message(incident.ref, incident.severity, incident.status, incident.title, what, ACTOR),
            f"Acknowledge: warroom ack {incident.ref}",
        ]
    )
    return [
        Delivery(event.id, incident.id, ROUTE, _target(address), "page", text)
        for address in lead.addresses
    ]


def _target(address: Address) -> str:
    """The address as the sender reads it (a relative file: made absolute)."""
    raw = address.raw
    if raw.startswith("file:") and address.base is not None:
        path = Path(raw.removeprefix("file:"))
        return raw if path.is_absolute() else f"file:{address.base / path}"
    return raw


def page_text(incident: Incident, event: Event, link: str | None = None) -> str:
    """A page's message: short plain text, untrusted parts cleaned."""
    data = event.data
    where = f"level {data['level']}, {data['target']}"
    what = f"PAGE for {data.get('person')} ({where}): {data.get('cause') or 'paged'}"
    lines = [
        message(incident.ref, incident.severity, incident.status, incident.title, what, ACTOR),
        f"Acknowledge: warroom ack {incident.ref}",
    ]
    if link:
        lines.append(f"or open {clean_line(link)}")
    return "\n".join(lines)


def _wants_paging(
    incident: Incident, now: datetime, routed_after: int | None, store: Store, seen: PageLog
) -> bool:
    if incident.acked_by is not None or incident.exhausted_at is not None:
        return False
    if incident.nobody_paged or (incident.drill and not incident.drill_pages):
        return False
    if incident.paged_at is not None:
        return True
    declared = incident.declared_at
    if declared is not None and now - declared < START_WITHIN:
        return True
    return routed_after is not None and seen.declared_gseq(store, incident) > routed_after


def _nobody_paged(incident: Incident, now: datetime) -> Event:
    data = {"service": incident.service} if incident.service else {}
    event = make_event(incident.id, "nobody_paged", ACTOR, data, incident.declared_at or now)
    return _with_id(event, nobody_paged_id(incident.id))


def _due(
    incident: Incident,
    events: Sequence[Event],
    policy: Policy,
    tables: OnCall,
    now: datetime,
    overrides: Mapping[str, Any],
    failed: Mapping[int, datetime],
) -> list[Event]:
    pages = [event for event in events if event.kind == "page_sent"]
    written_ids = {event.id for event in events}
    done_steps = {event.data.get("step") for event in pages}
    start = incident.paged_at or now
    stand = escalation(policy, tables, start, now, None, failed, overrides)
    due: list[Event] = []
    for page in stand.pages:
        if page.step in done_steps:
            continue
        cause = _cause(policy, stand, page, failed)
        for recipient in page.recipients:
            data: dict[str, Any] = {
                "target": str(recipient.target),
                "policy": policy.name,
                "level": page.level,
                "round": page.round,
                "step": page.step,
                "reachable": recipient.reachable,
                "cause": cause,
            }
            if recipient.person is not None:
                data["person"] = recipient.person
            event = make_event(incident.id, "page_sent", ACTOR, data, page.due)
            due.append(_with_id(event, page_event_id(incident.id, page, recipient)))
    exhausted = exhausted_event_id(incident.id, policy)
    if stand.exhausted_at is not None and exhausted not in written_ids:
        data = {"policy": policy.name, "pages": len(pages) + len(due)}
        event = make_event(incident.id, "escalation_exhausted", ACTOR, data, stand.exhausted_at)
        due.append(_with_id(event, exhausted))
    return due


def _cause(policy: Policy, stand: Escalation, page: Page, failed: Mapping[int, datetime]) -> str:
    if page.step == 0:
        return "declared"
    before = stand.pages[page.step - 1]
    level = f"level {before.level}"
    if not before.reachable:
        return f"{level} could not be reached"
    if before.step in failed and failed[before.step] <= page.due:
        return f"{level}: every delivery failed"
    wait = policy.levels[before.level - 1].wait
    return f"{level} not acknowledged in {_minutes(wait)}"


def _minutes(wait: timedelta) -> str:
    return f"{wait.total_seconds() / 60:g} min"


def _with_id(event: Event, event_id: str) -> Event:
    return replace(event, id=event_id)


def _append(store: Store, events: Sequence[Event]) -> list[Event]:
    """Append each; one another sender wrote first (same id) is skipped."""
    written: list[Event] = []
    for event in events:
        try:
            written.append(store.append(event))
        except Conflict:
            continue  # the same cause, written by another runner with its own clock
    return written


# -- acknowledgement ------------------------------------------------------------------


def acknowledge(
    store: Store, ref: str, person: str, clock: Clock, via: str = "cli"
) -> tuple[Incident, Event]:
    """`person` acknowledges the incident's page: the escalation stops and the
    `acknowledged` milestone is set if it was not.  Refused when it already is."""
    incident = store.incident(store.resolve(ref))
    if incident.acked_by is not None:
        raise Refused(f"{incident.ref} is already acknowledged by {incident.acked_by}")
    data = {"person": person, "via": via}
    event = store.append(
        make_event(incident.id, "page_acknowledged", person, data, clock.now(), incident.last_seq)
    )
    return store.incident(incident.id), event


# -- the signed ack link ----------------------------------------------------------------

ACK_SECRET_NAME = "ack"  # the store's secret that signs ack links when none is configured
ACK_PATH = "/ack/"  # the server's endpoint: GET asks to confirm, POST acknowledges


def ack_token(secret: str, incident_id: str, person: str) -> str:
    """A token that lets `person` acknowledge the incident's page, signed
    (HMAC-SHA256) with the server's `ack_secret`.  It works once: an incident
    is acknowledged only once."""
    body = _b64(json.dumps([incident_id, person], separators=(",", ":")).encode())
    return f"{body}.{_b64(_sign(secret, body))}"


def read_ack_token(secret: str, token: str) -> tuple[str, str]:
    """(incident id, person) of a token this secret signed; Refused otherwise."""
    body, _, signature = token.partition(".")
    try:
        valid = hmac.compare_digest(
            base64.urlsafe_b64decode(signature + "==")[:32], _sign(secret, body)
        )
        incident_id, person = json.loads(base64.urlsafe_b64decode(body + "=="))
    except (ValueError, TypeError):
        valid = False
    if not valid or not isinstance(incident_id, str) or not isinstance(person, str):
        raise Refused("this acknowledgement link is not valid (altered, or from another server)")
    return incident_id, person


def ack_link(public_url: str, secret: str, incident_id: str, person: str) -> str:
    """The page's link: `public_url`/ack/TOKEN."""
    return f"{public_url.rstrip('/')}{ACK_PATH}{ack_token(secret, incident_id, person)}"


def _sign(secret: str, body: str) -> bytes:
    return hmac.new(secret.encode(), f"warroom-ack:{body}".encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# -- the sender's round -------------------------------------------------------------------

ESCALATE_EVERY = 2.0  # seconds between the sender's escalation rounds


def pages_for(tables: OnCall, incident: Incident) -> bool:
    """Whether the incident is one the escalation runner pages for."""
    if incident.drill and not incident.drill_pages:
        return False
    return policy_of(tables, incident.service) is not None


class EscalationRound:
    """`run_escalations` as a round of the sender's loop (`Sender(rounds=...)`,
    run only while that sender holds the store's lease, so a standby pages
    nobody), at most every `every` seconds.  A round that fails is logged
    and the next one tries again."""

    def __init__(
        self,
        oncall: OnCall,
        clock: Clock,
        link: Callable[[str, str], str | None] | None = None,
        every: float = ESCALATE_EVERY,
    ) -> None:
        self.oncall, self.clock, self.link = oncall, clock, link
        self.every = timedelta(seconds=every)
        self._last: datetime | None = None
        self._seen = PageLog()

    def __call__(self, sender: Any) -> None:
        now = self.clock.now()
        if self._last is not None and now - self._last < self.every:
            return
        self._last = now
        try:
            written = run_escalations(
                sender.store, self.oncall, self.clock, self.link, sender.started_from, self._seen
            )
            if written:
                sender.wake.set()  # its pages are queued: send them now
        except WarroomError as error:
            log.warning("escalation: %s", error)


def escalation_rounds(settings: Settings, clock: Clock, store: Store) -> list[EscalationRound]:
    """The sender's escalation round, when the on-call tables set paging up
    (`warroom serve`, `warroom notifier`); the pages' ack links when
    `public_url` is configured (signed with `ack_secret_of`).  Tables with
    people or services but no policy at all still get the round: each
    incident's timeline then says nobody was paged, and why.  A store with
    no on-call tables at all pages nobody and says nothing of it."""
    tables = settings.oncall()
    if not (tables.escalation or tables.people or tables.services):
        return []
    secret = ack_secret_of(settings, store)
    return [EscalationRound(tables, clock, link_maker(settings.public_url, secret))]


def ack_secret_of(settings: Settings, store: Store) -> str | None:
    """The secret that signs the pages' ack links: the configured `ack_secret`,
    else, when `public_url` is configured, the one the store keeps (made at
    random on first use, so the server and a notifier on its file agree)."""
    configured = settings.ack_secret()
    if configured or not settings.public_url or not isinstance(store, SecretTable):
        return configured
    return store.server_secret(ACK_SECRET_NAME)


def link_maker(public_url: str | None, secret: str | None) -> Callable[[str, str], str] | None:
    """The pages' ack links, when both `public_url` and a secret are given."""
    if not public_url or not secret:
        return None
    return lambda incident_id, person: ack_link(public_url, secret, incident_id, person)
