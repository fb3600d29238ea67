"""The sender: the one process per store that routes events into deliveries
and delivers them (`warroom serve` runs it in the background, `warroom
notifier --db FILE` on its own).

- One active sender per store: it holds the store's sender lease and renews
  it; another waits as a standby and takes over when the lease runs out (a
  dead sender) or is dropped (a clean stop).
- Routing: the active sender reads the event log after its cursor (kept in
  the lease row), enqueues each event's deliveries (`router`), then moves
  the cursor: an event routed twice adds nothing.  A sender that was down
  catches up from the cursor, however long ago.  A store's first sender
  starts at the first event recorded in the last `CATCH_UP` (an hour): an
  incident declared while no sender ever ran is still told (and paged: see
  `started_from`), but a store's old history is not sent on first start.
- `started_from`: the cursor the sender started routing from when it became
  active; the escalation runner pages never-paged incidents declared after
  it, however long ago (`warroom.services.paging`).
- Delivering: pages and notifications are two queues, each worked by its own
  thread, so a storm of notifications never delays a page.  A page whose
  incident is acknowledged or no longer open when it is claimed is cancelled,
  not sent (a level-2 page waiting for a retry stops at `warroom ack`).  Deliveries are
  claimed with a lease (`claim_seconds`) and marked sent right after each
  send: a sender killed mid-queue leaves at most the one in flight to be sent
  twice; its other claims expire and are sent by the next.
- A failed send is retried from 1 s, doubling, at most 30 s apart, until
  `give_up_minutes` after it was asked for; then it is failed.  While a
  route (to a target) fails, each incident whose message it failed to carry
  gets one `delivery_failing` entry on its timeline, and one
  `delivery_recovered` at the route's next success (so does every open
  incident still marked failing on that route, told by a sender before a
  restart).
- Each route sends at most `max_per_minute` messages a minute to each
  target; what is over goes out as one digest when there is room.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import Conflict, NotFound, WarroomError
from warroom.core.events import make_event
from warroom.core.incident import Incident
from warroom.core.kinds.delivery import failing_key
from warroom.core.notify import NotifyConfig, digest
from warroom.core.times import format_time, parse_wire_time
from warroom.services.notify import delivery_queue
from warroom.services.notify.router import States, deliveries_for, reminders_for
from warroom.services.notify.transport import SendError, send, shown, warm
from warroom.store.base import DeliveryRow, Store

log = logging.getLogger("warroom.notify")

ACTOR = "notifier"
FIRST_RETRY = 1.0  # seconds before the first retry; doubling
MAX_RETRY = 30.0  # seconds between tries at most
LEASE_SECONDS = 15.0  # the sender lease; renewed every third of it
CLAIM_SECONDS = 60.0  # a claimed delivery's lease (longer than any one send takes)
CLAIM_BATCH = 200
WINDOW = timedelta(minutes=1)  # of max_per_minute
CATCH_UP = timedelta(hours=1)  # a store's first sender routes the events recorded this recently
IDLE_POLL = 0.5  # seconds: a standby's look at the lease, an idle queue's look for due work
REMINDER_EVERY = timedelta(seconds=5)  # overdue updates looked for at most this often
_NAMESPACE = uuid.UUID("0b6f7a52-8e1d-4c3a-9f5e-71d2c4a8e6b0")

Sink = Callable[[str, str], None]  # (target, text) -> None; for `notify test` and benches


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones."""
    return min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


def catch_up_start(store: Store, since: datetime) -> int:
    """The cursor (gseq) after which every event was recorded at or after
    `since`: a store's first sender routes from there.  A binary search over
    gseq (recorded times follow commit order), a few one-event reads."""
    low, high = 0, store.last_gseq()
    while low < high:
        middle = (low + high) // 2
        following = store.events_after(middle, limit=1)
        recorded = following[0].recorded_at if following else None
        if recorded is None or recorded >= since:
            high = middle
        else:
            low = middle + 1
    return low


def owner_name() -> str:
    """This sender's name in leases: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Sender:
    """Routes and delivers the deliveries of one store."""

    def __init__(
        self,
        store: Store,
        config: NotifyConfig,
        clock: Clock = SYSTEM_CLOCK,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        claim_seconds: float = CLAIM_SECONDS,
        poll: float = 0.05,
        idle_poll: float = IDLE_POLL,
        env: Mapping[str, str] | None = None,
        link: Callable[[str], str | None] | None = None,
        rounds: Sequence[Callable[[Sender], object]] = (),
    ) -> None:
        self.store = store
        self.queue = delivery_queue(store)
        self.config = config
        self.clock = clock
        self.owner = owner or owner_name()
        self.lease = timedelta(seconds=lease_seconds)
        self.claim_lease = timedelta(seconds=claim_seconds)
        # The active sender routes every `poll` s; a standby looks at the
        # lease, and an idle queue's worker for retries come due, every
        # `idle_poll` s (a replica's sender is mostly a standby: it costs
        # next to nothing).  Routing and paging wake the workers at once.
        self.poll = poll
        self.idle_poll = max(poll, idle_poll)
        self.env = env
        self.link = link or (lambda incident_id: None)
        # More work for the active sender, each poll after routing (the
        # escalation runner: pages due by now, through `enqueue`).
        self.rounds = tuple(rounds)
        self.active = threading.Event()  # holding the sender lease
        self.wake = _Wake()  # something new to send
        self._cursor: int | None = None
        # Where routing started when this sender became active (None: standing
        # by): the paging runner pages incidents declared after it.
        self.started_from: int | None = None
        self._states = States(store)
        self._renewed: datetime | None = None
        self._reminded: datetime | None = None
        self._standing_by = False
        # health key -> (since when it is failing, the incidents told so)
        self._failing: dict[str, tuple[str, set[str]]] = {}

    # -- the lease and routing ----------------------------------------------

    def hold(self) -> bool:
        """Take or renew the sender lease (at most every third of it); whether held."""
        now = self.clock.now()
        if self.active.is_set() and self._renewed and now - self._renewed < self.lease / 3:
            return True
        cursor = self.queue.take_lease(self.owner, format_time(now), format_time(now + self.lease))
        if cursor is None:
            if self.active.is_set() or not self._standing_by:
                log.info("notifier: another sender is active; standing by")
            self._standing_by = True
            self.active.clear()
            self._cursor = None
            self.started_from = None
            return False
        if cursor < 0:  # a new store's first sender: the last hour's events
            cursor = catch_up_start(self.store, now - CATCH_UP)
            self.queue.set_cursor(self.owner, cursor)
        if not self.active.is_set():
            log.info("notifier: active sender for the store (%s)", self.owner)
            self._standing_by = False
            self.started_from = cursor
        if not self.config.routes and cursor != self.store.last_gseq():
            # Nothing to route: keep the cursor at the end (one write per
            # renewal), so routes added later start from then, not from here.
            cursor = self.store.last_gseq()
            self.queue.set_cursor(self.owner, cursor)
        self._cursor = cursor
        self._renewed = now
        self.active.set()
        return True

    def route(self) -> int:
        """Enqueue the deliveries of events after the cursor and of overdue
        updates; how many new deliveries."""
        if self._cursor is None or not self.config.routes:
            return 0
        made = 0
        while True:
            events = self.store.events_after(self._cursor, limit=500)
            if not events:
                break
            deliveries = []
            for event in events:
                incident = self._states.after(event)
                deliveries += deliveries_for(
                    event, incident, self.config, self.link(event.incident_id)
                )
            made += self.queue.enqueue(deliveries, format_time(self.clock.now()))
            last = events[-1].gseq or self._cursor
            if not self.queue.set_cursor(self.owner, last):
                self.active.clear()
                return made
            self._cursor = last
        now = self.clock.now()
        if self._reminded is None or now - self._reminded >= REMINDER_EVERY:
            self._reminded = now
            incidents = self.store.incidents()
            reminders = reminders_for(incidents, self.config, self.store.catalog, now)
            made += self.queue.enqueue(reminders, format_time(now))
        if made:
            self.wake.set()
        return made

    # -- delivering ---------------------------------------------------------

    def deliver(self, kind: str) -> int:
        """Send what is due in queue `kind`; how many deliveries were handled."""
        now = self.clock.now()
        rows = self.queue.claim(
            kind,
            self.owner,
            format_time(now),
            format_time(now + self.claim_lease),
            CLAIM_BATCH,
        )
        handled = len(rows)
        if kind == "page":
            rows = self._without_moot_pages(rows)
        groups: dict[tuple[str, str], list[DeliveryRow]] = defaultdict(list)
        for row in rows:
            groups[(row.route, row.target)].append(row)
        for (route, target), group in groups.items():
            if kind == "page":
                self._one_by_one(group)
            else:
                self._limited(route, target, group)
        return handled

    def _without_moot_pages(self, rows: Sequence[DeliveryRow]) -> list[DeliveryRow]:
        """The claimed pages still worth sending; those of an incident that is
        acknowledged or no longer open are cancelled (the reason kept)."""
        reasons: dict[str, str | None] = {}
        for incident_id in {row.incident_id for row in rows}:
            try:
                reasons[incident_id] = moot_reason(self.store.incident(incident_id), self.store)
            except NotFound:
                reasons[incident_id] = None
        for reason in {r for r in reasons.values() if r is not None}:
            ids = [row.id for row in rows if reasons[row.incident_id] == reason]
            self.queue.cancel(ids, self.owner, reason)
        return [row for row in rows if reasons[row.incident_id] is None]

    def _limited(self, route: str, target: str, group: list[DeliveryRow]) -> None:
        """Send a route's claimed deliveries to one target within its rate:
        alone while there is room, the rest as one digest in the last slot."""
        config = self.config.routes.get(route)
        limit = config.max_per_minute if config is not None else 6
        now = self.clock.now()
        sent = self.queue.sent_since(route, target, format_time(now - WINDOW))
        room = limit - len(sent)
        if room <= 0:
            free_at = parse_wire_time(sent[-limit]) + WINDOW if sent else now
            self.queue.release([r.id for r in group], self.owner, format_time(free_at))
            return
        alone = group if len(group) <= room else group[: room - 1]
        if not self._one_by_one(alone, group):
            return
        rest = group[len(alone) :]
        if rest:
            text = digest(route, [row.payload for row in rest])
            events = ",".join(row.event or "null" for row in rest)
            self._send(rest, text, f'{{"digest": [{events}]}}')

    def _one_by_one(
        self, rows: Sequence[DeliveryRow], group: Sequence[DeliveryRow] | None = None
    ) -> bool:
        """Send `rows` (of one route and target) alone, in order; at the first
        failure the target is taken as down: that failure counts for the rest
        of `group` too (they wait for the same retry).  Whether all went."""
        group = rows if group is None else group
        for index, row in enumerate(rows):
            if not self._send([row], row.payload, row.event, also=group[index + 1 :]):
                return False
        return True

    def _send(
        self,
        rows: Sequence[DeliveryRow],
        text: str,
        event_json: str,
        also: Sequence[DeliveryRow] = (),
    ) -> bool:
        """Send one message carrying `rows`; on failure, record it for them and `also`."""
        first = rows[0]
        ids = [row.id for row in rows]
        try:
            send(first.target, text, event_json or _plain_json(first), self.env)
        except SendError as error:
            self._failed([*rows, *also], str(error))
            return False
        now = self.clock.now()
        self.queue.sent(ids, self.owner, format_time(now), first.id if len(rows) > 1 else None)
        key = _health_key(first)
        since = self.queue.route_recovered(key)
        period, told = self._failing.pop(key, (since, set()))
        if period is not None:
            for incident_id in sorted(told | self._marked_failing(first)):
                self._timeline(incident_id, first, "delivery_recovered", period, {})
        return True

    def _marked_failing(self, row: DeliveryRow) -> set[str]:
        """The open incidents whose state says `row`'s route and target are
        failing (told by this sender or one before it)."""
        key = failing_key({"route": row.route, "target": shown(row.target)})
        try:
            return {i.id for i in self.store.incidents() if key in i.failing_deliveries}
        except WarroomError as error:
            log.warning("notifier: could not read the incidents: %s", error)
            return set()

    def _failed(self, rows: Sequence[DeliveryRow], error: str) -> None:
        now = self.clock.now()
        give_up_after = timedelta(minutes=self.config.give_up_minutes)
        by_attempts: dict[tuple[int, bool], list[int]] = defaultdict(list)
        for row in rows:
            expired = now - parse_wire_time(row.created_at) >= give_up_after
            by_attempts[(row.attempts + 1, expired)].append(row.id)
        for (attempts, give_up), ids in by_attempts.items():
            retry = format_time(now + timedelta(seconds=backoff(attempts)))
            self.queue.failed_attempt(ids, self.owner, error, retry, give_up)
        key = _health_key(rows[0])
        started = self.queue.route_failing(key, format_time(now), error)
        if started or key not in self._failing:
            self._failing[key] = (format_time(now), set())
        period, told = self._failing[key]
        for row in rows:
            if row.incident_id not in told:
                told.add(row.incident_id)
                if not self._marked(row):
                    self._timeline(
                        row.incident_id, row, "delivery_failing", period, {"error": error}
                    )

    def _marked(self, row: DeliveryRow) -> bool:
        """Whether `row`'s incident already says its route and target are
        failing (told by a sender before this one restarted)."""
        key = failing_key({"route": row.route, "target": shown(row.target)})
        try:
            return key in self.store.incident(row.incident_id).failing_deliveries
        except WarroomError:
            return False

    def _timeline(
        self, incident_id: str, row: DeliveryRow, kind: str, since: str, extra: dict
    ) -> None:
        """The route's entry on an incident's timeline (one per change and
        incident: its id comes from the route, the target, since when it
        failed and the incident; one already written is left as it is)."""
        cause = f"{kind}:{_health_key(row)}:{since}:{incident_id}"
        data = {"route": row.route, "target": shown(row.target), **extra}
        try:
            event = make_event(incident_id, kind, ACTOR, data, occurred_at=self.clock.now())
            self.store.append(replace(event, id=str(uuid.uuid5(_NAMESPACE, cause))))
        except Conflict:
            pass  # written before this sender restarted
        except (WarroomError, ValueError) as error:
            log.warning("notifier: could not record %s on the timeline: %s", kind, error)

    # -- running ------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Route and deliver until `stop` is set (standing by while another
        sender is active); the lease is dropped on the way out."""
        warm()
        workers = [
            threading.Thread(target=self._work, args=(kind, stop), daemon=True, name=kind)
            for kind in self.wake.events
        ]
        for worker in workers:
            worker.start()
        try:
            while not stop.is_set():
                try:
                    if self.hold():
                        self.route()
                        for work in self.rounds:
                            work(self)
                except WarroomError as error:
                    log.warning("notifier: %s", error)
                stop.wait(self.poll if self.active.is_set() else self.idle_poll)
        finally:
            stop.set()
            self.wake.set()
            for worker in workers:
                worker.join(timeout=60)
            if self.active.is_set():
                self.queue.drop_lease(self.owner)
                self.active.clear()

    def _work(self, kind: str, stop: threading.Event) -> None:
        due = self.wake.events[kind]
        while not stop.is_set():
            if not self.active.wait(self.idle_poll):
                continue
            due.clear()  # a wake from now on is seen by the wait below
            try:
                handled = self.deliver(kind)
            except WarroomError as error:
                log.warning("notifier: %s", error)
                handled = 0
            if not handled:
                due.wait(self.idle_poll)


class _Wake:
    """Wakes each queue's worker (`set`): one event per queue, so neither
    worker's wait swallows the other's wake."""

    def __init__(self) -> None:
        self.events = {kind: threading.Event() for kind in ("page", "notify")}

    def set(self) -> None:
        for event in self.events.values():
            event.set()


def moot_reason(incident: Incident, store: Store) -> str | None:
    """Why a page for `incident` need not go out any more (None: it must)."""
    if incident.acked_by is not None:
        return f"not sent: {incident.ref} was acknowledged by {incident.acked_by}"
    if not incident.is_open(store.catalog):
        return f"not sent: {incident.ref} is {incident.status}"
    return None


def _health_key(row: DeliveryRow) -> str:
    return f"{row.route} {row.target}"


def _plain_json(row: DeliveryRow) -> str:
    import json

    return json.dumps(
        {
            "event_id": row.event_id,
            "incident_id": row.incident_id,
            "route": row.route,
            "kind": row.kind,
            "message": row.payload,
        }
    )
