"""The server's alert desk: intake through the writer thread, the inbox
actions, the `inbox` notices and the sweeper.

Every alert write is a request of the writer's `alerts` lane
(`warroom.server.writer`): the requests waiting together are committed in one
transaction of the store's `AlertTable` (`alert_requests`), each in its own
savepoint, so one that fails fails alone; a request is answered only after
the commit.  What a request does (rules, dedup, grouping, the throttle, the
inbox actions) is `warroom.services.alerts`'s: the intake builds its request
with `ingest_request`; the inbox actions, the summaries and the purge run the
service's own code in a worker thread over `WriterTable`, an `AlertTable`
whose transactions are the writer's.

The sweeper, a task of the server's lifespan, writes the summary entries of
finished throttle minutes every SWEEP_SECONDS, purges alerts past their
retention every PURGE_SECONDS, and notices inbox changes made by other
processes (`warroom alert ingest` on the same file).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from anyio import from_thread, to_thread

from warroom.core.alerts.model import Alert, AlertRecord, Ingested
from warroom.core.alerts.sources import parse
from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import StoreUnavailable
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.server.hub import Hub
from warroom.server.inbox import InboxNotices
from warroom.server.limits import (
    ALERT_DECIDE_INLINE_MAX,
    ALERT_PARSE_INLINE_MAX,
    PURGE_SECONDS,
    SWEEP_SECONDS,
)
from warroom.server.writer import GroupWriter
from warroom.services import alerts as service
from warroom.store.base import AlertTable, AlertTransaction, InboxSummary, Store

if TYPE_CHECKING:
    from warroom.config import Settings
    from warroom.core.runbook_library import Library

log = logging.getLogger("warroom.server")
LANE = "alerts"  # the writer's lane of alert requests
PURGE_LANE = "alerts-purge"
Request = Callable[[AlertTransaction], Any]


@dataclass(frozen=True)
class AlertConfig:
    """The server's alert rules, [alerts] settings and runbook library."""

    rules: service.Decides
    settings: service.Windows
    runbooks: Callable[[], Library] | None = None

    @staticmethod
    def default() -> AlertConfig:
        """The shipped rules and default settings (no config file, no runbooks)."""
        return AlertConfig.from_documents([])

    @staticmethod
    def from_documents(
        documents: Sequence[tuple[str, dict[str, Any]]],
        runbooks: Callable[[], Library] | None = None,
    ) -> AlertConfig:
        """From config files' parsed TOML (the user's before the site's); the
        shipped defaults come after them.  UsageError naming the file, the rule
        and the key for a bad rule."""
        from warroom.core.alerts.rules import alert_settings, load_rules

        return AlertConfig(load_rules(documents), alert_settings(documents), runbooks)

    @staticmethod
    def from_settings(settings: Settings) -> AlertConfig:
        """As `warroom serve` runs: its config files and runbook folders."""
        from warroom.services.runbooks import library

        return AlertConfig(
            settings.alert_rules(), settings.alert_settings(), lambda: library(settings)
        )


class AlertDesk:
    """The alert side of one server (made by `create_app`)."""

    def __init__(
        self,
        store: Store,
        writer: GroupWriter,
        hub: Hub,
        config: AlertConfig | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.store = store
        self.config = config or AlertConfig.default()
        self.clock = clock
        self.writer = writer
        self.table = store if isinstance(store, AlertTable) else None
        self.notices = InboxNotices(hub, self._summary)
        self.flushed = 0  # summary entries written by the sweeper (for tests)
        self.purged = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._version: int | None = None  # the alerts' version at the sweeper's last round
        self._unflushed: str | None = None  # the minute alerts last arrived in, until flushed
        writer.add_lane(LANE, self._commit)
        writer.add_lane(PURGE_LANE, self._purge)

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    # -- intake ----------------------------------------------------------------

    async def parse(self, source: str, payload: Any, size: int) -> list[Alert]:
        """The payload's alerts (BadPayload naming the field); a large one is
        parsed off the event loop."""
        if size > ALERT_PARSE_INLINE_MAX:
            alerts: list[Alert] = await to_thread.run_sync(parse, source, payload)
            return alerts
        return parse(source, payload)

    async def ingest(self, alerts: list[Alert]) -> Ingested:
        """Store one payload's alerts as one request of the next group; the
        runbooks of the incidents it declared are attached after the commit."""
        self._table()
        config = self.config
        if len(alerts) > ALERT_DECIDE_INLINE_MAX:  # the rules' matching, off the event loop
            request = await to_thread.run_sync(
                service.ingest_request, alerts, config.rules, config.settings
            )
        else:
            request = service.ingest_request(alerts, config.rules, config.settings)
        inbox: list[str] = []

        def watched(tx: AlertTransaction) -> service.Outcome:
            return request(InboxWatch(tx, inbox))  # type: ignore[arg-type]

        outcome: service.Outcome = await self.writer.submit(LANE, watched, len(alerts))
        self._unflushed = service.minute_of(self.clock.now())
        if outcome.declared:
            table = WriterTable(self._table(), self.store, self.writer)
            await to_thread.run_sync(
                service.attach_runbooks, table, outcome, self.clock, config.runbooks
            )
        if inbox:
            self.notices.changed("intake", inbox)
        return outcome.ingested

    # -- the inbox ---------------------------------------------------------------

    def list(self, state: str, incident: str | None, limit: int) -> list[AlertRecord]:
        return self._reader().list(state, incident, limit)

    def get(self, alert: str) -> AlertRecord:
        return self._reader().get(alert)

    async def declare(
        self, alert: str, actor: str, severity: int | None, title: str | None
    ) -> tuple[list[AlertRecord], Incident]:
        incident: Incident = await self._in_thread(
            lambda inbox: inbox.declare(alert, actor, severity, title)
        )
        return await self._moved(alert, incident, "declare")

    async def attach(
        self, alert: str, incident_ref: str, actor: str
    ) -> tuple[list[AlertRecord], Incident]:
        incident: Incident = await self._in_thread(
            lambda inbox: inbox.attach(alert, incident_ref, actor)
        )
        return await self._moved(alert, incident, "attach")

    async def ignore(self, alert: str, actor: str) -> list[AlertRecord]:
        record: AlertRecord = await self._in_thread(lambda inbox: inbox.ignore(alert, actor))
        self.notices.changed("ignore", [record.id])
        return [record]

    # -- the sweeper ---------------------------------------------------------------

    async def flush(self) -> int:
        """Write the summary entries of finished throttle minutes; how many."""
        written: int = await self._in_thread(
            lambda inbox: service.flush_summaries(inbox.table, self.clock.now())
        )
        self.flushed += written
        return written

    async def purge(self) -> int:
        """Delete alerts resolved longer than the retention ago; how many."""
        purged: int = await self._in_thread(
            lambda inbox: service.purge(inbox.table, self.clock.now(), self.config.settings)
        )
        self.purged += purged
        if purged:
            self.notices.changed("purge")
        return purged

    def start(self, sweep: float = SWEEP_SECONDS, purge: float = PURGE_SECONDS) -> None:
        """Start the sweeper (on the server's event loop)."""
        if self.table is None:
            return
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._warm_up(), name="warroom-alert-warm-up"),
            loop.create_task(self._every(sweep, self._sweep), name="warroom-alert-sweep"),
            # The first purge soon after start: a server restarted often still purges.
            loop.create_task(
                self._every(purge, self.purge, first=sweep), name="warroom-alert-purge"
            ),
        ]

    async def close(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.notices.close()

    async def _warm_up(self) -> None:
        """Before the first alert: the kinds' models built, the writer's
        connection and statements ready (a storm's first requests would
        otherwise wait for them)."""
        try:
            await to_thread.run_sync(warm_up)
            await self.writer.submit(LANE, _look_around)
        except Exception as error:  # the first alert will do it, or say why not
            log.warning("alerts warm-up: %s: %s", type(error).__name__, error)

    async def _sweep(self) -> None:
        """Flush when there may be something to flush: alerts arrived here in
        a minute now over, or the alerts changed (here or in another process)
        since the last round.  An idle server writes nothing."""
        table = self._table()
        version = await to_thread.run_sync(table.alerts_version)
        changed = version != self._version
        arrived = self._unflushed
        if changed or (arrived is not None and arrived < service.minute_of(self.clock.now())):
            await self.flush()
            if self._unflushed == arrived and arrived != service.minute_of(self.clock.now()):
                self._unflushed = None
            version = await to_thread.run_sync(table.alerts_version)  # its own flush is no change
        if changed and self._version is not None:
            self.notices.changed("elsewhere", only_if_different=True)
        self._version = version

    async def _every(
        self, seconds: float, job: Callable[[], Any], first: float | None = None
    ) -> None:
        await asyncio.sleep(seconds if first is None else first)
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as error:
                log.warning("alerts sweeper: %s; trying again later", error)
            except Exception:
                log.exception("alerts sweeper failed; trying again later")
            await asyncio.sleep(seconds)

    # -- plumbing ---------------------------------------------------------------------

    def _table(self) -> AlertTable:
        if self.table is None:
            raise StoreUnavailable("this server's store keeps no alerts")
        return self.table

    def _summary(self) -> InboxSummary:
        return self._reader().summary()

    def _reader(self) -> service.LocalInbox:
        """The service's inbox over the store, for reads (writes go through
        the writer: `_in_thread`)."""
        self._table()
        return service.LocalInbox(self.store, self.config.rules, self.config.settings, self.clock)

    def _commit(self, requests: Sequence[Request]) -> list[Any]:
        return self._table().alert_requests(requests, self.clock.now())

    def _purge(self, cutoffs: Sequence[datetime]) -> list[Any]:
        return [self._table().purge_alerts(cutoff) for cutoff in cutoffs]

    async def _in_thread(self, job: Callable[[service.LocalInbox], Any]) -> Any:
        """Run the service's inbox code in a worker thread, its transactions
        going through the writer."""
        table = WriterTable(self._table(), self.store, self.writer)
        config = self.config
        inbox = service.LocalInbox(
            table,  # type: ignore[arg-type]
            rules=config.rules,
            settings=config.settings,
            clock=self.clock,
            runbooks=config.runbooks,
        )
        return await to_thread.run_sync(job, inbox)

    async def _moved(
        self, alert: str, incident: Incident, cause: str
    ) -> tuple[list[AlertRecord], Incident]:
        record = await to_thread.run_sync(self._table().find_alert, alert)
        self.notices.changed(cause, [record.id])
        return [record], incident


# The kinds an alert request may write: their data models are built at start,
# not by the first alert of a storm (each costs a few ms, in the writer thread).
ALERT_KINDS = (
    "declared",
    "alert_fired",
    "alert_resolved",
    "alerts_summarized",
    "link_added",
    "note",
    "runbook_attached",
)


def warm_up() -> None:
    """Build the alert kinds' data models (a first storm then does not wait for it)."""
    from warroom.core.kinds import KINDS, data_model

    for kind in ALERT_KINDS:
        if kind in KINDS:
            data_model(kind)


def _look_around(tx: AlertTransaction) -> None:
    """An alert request that reads what an intake reads, and writes nothing."""
    tx.alert("")
    tx.latest("", "", "firing")
    tx.group_incident("")


class InboxWatch:
    """An alert transaction that notes the ids of the inbox alerts it writes
    (new, repeated or resolved while waiting in the inbox)."""

    def __init__(self, tx: AlertTransaction, noted: list[str]) -> None:
        self._tx = tx
        self._noted = noted

    def put_alert(self, record: AlertRecord, decided_severity: int | None = None) -> None:
        self._tx.put_alert(record, decided_severity)
        if record.state == "inbox" and record.id not in self._noted:
            self._noted.append(record.id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


class WriterTable:
    """The store as an `AlertTable` whose write transactions are the
    writer's: for the service's code running in a worker thread (blocking it
    until the commit).  Reads and plain appends go to the store."""

    def __init__(self, table: AlertTable, store: Store, writer: GroupWriter) -> None:
        self._table = table
        self._store = store
        self._writer = writer
        self.catalog = store.catalog

    def alert_requests(self, requests: Sequence[Request], now: datetime | None = None) -> list[Any]:
        async def one(request: Request) -> Any:
            try:
                return await self._writer.submit(LANE, request)
            except Exception as error:
                return error

        return [from_thread.run(one, request) for request in requests]

    def purge_alerts(self, resolved_before: datetime) -> int:
        purged: int = from_thread.run(self._writer.submit, PURGE_LANE, resolved_before)
        return purged

    def alert_rows(
        self, state: str = "inbox", incident_id: str | None = None, limit: int = 100
    ) -> list[AlertRecord]:
        return self._table.alert_rows(state, incident_id, limit)

    def find_alert(self, prefix: str) -> AlertRecord:
        return self._table.find_alert(prefix)

    def inbox_summary(self) -> InboxSummary:
        return self._table.inbox_summary()

    def alerts_version(self) -> int:
        return self._table.alerts_version()

    # The Store calls the service makes (reads, and the runbook's append).

    def resolve(self, ref: str) -> str:
        return self._store.resolve(ref)

    def incident(self, incident_id: str) -> Incident:
        return self._store.incident(incident_id)

    def append(self, event: Event) -> Event:
        stored: list[Event] = from_thread.run(self._writer.append, [event])
        return stored[0]

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        stored: list[Event] = from_thread.run(self._writer.append, events)
        return stored
