"""The Store contract and its capabilities over `Database`, the same for
every SQL engine: appends (one serial write transaction, `append.Group`),
reads, the alerts' transaction, tokens, overrides, deliveries and secrets.

An engine's store (`warroom.store.sqlite.SQLiteStore`,
`warroom.store.postgres.PostgresStore`) subclasses `SQLStore` and adds how
it connects, makes its schema, and watches for other processes' commits.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import NotFound
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.store.base import (
    InboxSummary,
    Latecomers,
    OverrideRow,
    TokenRow,
    resolve_ref,
    sort_incidents,
)
from warroom.store.sql import alerts
from warroom.store.sql.append import (
    COLUMNS,
    Group,
    after_query,
    prefix_query,
    row_event,
    save_state,
)
from warroom.store.sql.database import Database
from warroom.store.sql.deliveries import SQLDeliveries
from warroom.store.sql.overrides import SQLOverrides
from warroom.store.sql.tokens import SQLTokens
from warroom.store.sql.wake import Notifier

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord
    from warroom.store.base import AlertTransaction

T = TypeVar("T")


class SQLStore:
    """The Store contract (and TokenTable, AlertTable, SecretTable,
    OverrideTable, DeliveryStore, GroupAppender) on one SQL database."""

    def __init__(self, db: Database, catalog: Catalog | None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.db = db
        self.catalog = catalog or Catalog.default()
        self.clock = clock
        self._notifier = Notifier()
        self._tokens = SQLTokens(db)
        self._overrides = SQLOverrides(db)
        self._deliveries = SQLDeliveries(db)

    # -- writing ---------------------------------------------------------

    def append(self, event: Event) -> Event:
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        outcome = self.append_group([events])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def append_group(
        self, requests: Sequence[Sequence[Event]], more: Latecomers | None = None
    ) -> list[list[Event] | Exception]:
        """Append several independent requests in one transaction: one commit
        for all of them.

        Each request is like `append_many`: its events are validated in order,
        each against the state the ones before it (in this request or an
        earlier one of the group) left, and stored all or none.  A request that
        fails (Refused, Conflict, bad input) is rolled back alone, to its
        savepoint, and its exception is returned in its place; the others are
        committed.  If the transaction itself fails, StoreUnavailable is raised
        and nothing is stored.  Every result is durable when this returns.
        `more()` is asked once the transaction holds the store's lock (its
        first read done) for requests that arrived meanwhile: they join.
        """
        results: list[list[Event] | Exception] = []
        try:
            with self.db.write() as conn:
                group = Group(conn, self.catalog, self.db)
                group.prefetch(requests)
                late = more() if more is not None else ()
                if late:
                    group.prefetch(late)
                for events in [*requests, *late]:
                    results.append(group.request(events, self.clock.now()))
                group.save_states()
        except self.db.error as error:
            raise self.db.failure(error) from None
        if any(not isinstance(result, Exception) for result in results):
            self._notifier.notify()
        return results

    # -- reading ---------------------------------------------------------

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        rows = self._read(
            f"SELECT {COLUMNS} FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq",
            (incident_id, after_seq),
        )
        return [row_event(row) for row in rows]

    def events_before(
        self, incident_id: str, before_seq: int | None = None, limit: int = 1000
    ) -> list[Event]:
        rows = self._read(
            f"SELECT {COLUMNS} FROM events WHERE incident_id = ? AND seq < ?"
            " ORDER BY seq DESC LIMIT ?",
            (incident_id, before_seq if before_seq is not None else 2**62, limit),
        )
        return [row_event(row) for row in reversed(rows)]

    def events_after(
        self, after_gseq: int, incident_id: str | None = None, limit: int = 1000
    ) -> list[Event]:
        return [row_event(row) for row in self._read(*after_query(after_gseq, incident_id, limit))]

    def incident(self, incident_id: str) -> Incident:
        rows = self._read("SELECT snapshot FROM incidents WHERE id = ?", (incident_id,))
        if not rows:
            raise NotFound(f"no incident {incident_id}")
        return Incident.from_snapshot(json.loads(rows[0][0]))

    def incidents(self, include_closed: bool = False) -> list[Incident]:
        query = "SELECT snapshot FROM incidents"
        if not include_closed:
            query += " WHERE is_open"
        rows = self._read(query, ())
        return sort_incidents([Incident.from_snapshot(json.loads(row[0])) for row in rows])

    def resolve(self, ref: str) -> str:
        return resolve_ref(
            ref,
            lambda number: [
                row[0] for row in self._read("SELECT id FROM incidents WHERE number = ?", (number,))
            ],
            lambda prefix: [row[0] for row in self._read(*prefix_query(prefix))],
        )

    def last_gseq(self) -> int:
        return self._read("SELECT COALESCE(MAX(gseq), 0) FROM events", ())[0][0]

    def _read(self, query: str, params: Sequence[Any]) -> list[Any]:
        try:
            return self.db.read(query, params)
        except self.db.error as error:
            raise self.db.failure(error) from None

    def rebuild_read_model(self) -> None:
        """Recompute every incident's snapshot from its log."""
        with self.db.write() as conn:
            numbers = dict(conn.execute("SELECT id, number FROM incidents").fetchall())
            states: dict[str, Incident] = {}
            for row in conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY gseq").fetchall():
                item = row_event(row)
                state = states.get(item.incident_id)
                if state is None:
                    state = states[item.incident_id] = Incident(
                        id=item.incident_id, number=numbers.get(item.incident_id)
                    )
                apply(state, item, self.catalog)
            for state in states.values():
                save_state(conn, state, self.catalog)

    # -- the server's access tokens: TokenTable (sql/tokens.py) ---------------

    def add_token(self, row: TokenRow) -> None:
        self._tokens.add(row)

    def token_rows(self, include_revoked: bool = True) -> list[TokenRow]:
        return self._tokens.rows(include_revoked)

    def revoke_token(self, name: str, revoked_at: str) -> TokenRow | None:
        return self._tokens.revoke(name, revoked_at)

    def token_by_hash(self, digest: str) -> TokenRow | None:
        return self._tokens.by_hash(digest)

    # -- alerts: AlertTable (sql/alerts.py) ------------------------------------

    def alert_requests(
        self, requests: Sequence[Callable[[AlertTransaction], T]], now: datetime | None = None
    ) -> list[T | Exception]:
        try:
            with self.db.write() as conn:
                group = Group(conn, self.catalog, self.db)
                results = alerts.run_requests(conn, group, requests, now or self.clock.now())
                group.save_states()
        except self.db.error as error:
            raise self.db.failure(error) from None
        self._notifier.notify()
        return results

    def alert_rows(
        self, state: str = "inbox", incident_id: str | None = None, limit: int = 100
    ) -> list[AlertRecord]:
        return self._alert_read(lambda: alerts.rows(self.db, state, incident_id, limit))

    def find_alert(self, prefix: str) -> AlertRecord:
        return self._alert_read(lambda: alerts.find(self.db, prefix))

    def inbox_summary(self) -> InboxSummary:
        return self._alert_read(lambda: alerts.summary(self.db))

    def purge_alerts(self, resolved_before: datetime) -> int:
        try:
            with self.db.write() as conn:
                return alerts.purge(conn, resolved_before)
        except self.db.error as error:
            raise self.db.failure(error) from None

    def _alert_read(self, read: Callable[[], T]) -> T:
        try:
            return read()
        except self.db.error as error:
            raise self.db.failure(error) from None

    # -- the server's own secrets: SecretTable ---------------------------------

    def server_secret(self, name: str) -> str:
        try:
            with self.db.write(serial=False) as conn:
                conn.execute(
                    "INSERT INTO server_secrets (name, value) VALUES (?, ?)"
                    " ON CONFLICT (name) DO NOTHING",
                    (name, secrets.token_urlsafe(32)),
                )
                row = conn.execute(
                    "SELECT value FROM server_secrets WHERE name = ?", (name,)
                ).fetchone()
        except self.db.error as error:
            raise self.db.failure(error) from None
        return str(row[0])

    # -- on-call overrides: OverrideTable (sql/overrides.py) -------------------

    def add_override(
        self, schedule: str, person: str, starts_at: str, ends_at: str, actor: str, at: str
    ) -> OverrideRow:
        try:
            return self._overrides.add(schedule, person, starts_at, ends_at, actor, at)
        except self.db.error as error:
            raise self.db.failure(error) from None

    def override_rows(self, ending_after: str | None = None) -> list[OverrideRow]:
        try:
            return self._overrides.rows(ending_after)
        except self.db.error as error:
            raise self.db.failure(error) from None

    def remove_override(self, override_id: int, actor: str, at: str) -> OverrideRow | None:
        try:
            return self._overrides.remove(override_id, actor, at)
        except self.db.error as error:
            raise self.db.failure(error) from None

    # -- outbound deliveries: DeliveryStore (sql/deliveries.py) ----------------

    def deliveries(self) -> SQLDeliveries:
        return self._deliveries
