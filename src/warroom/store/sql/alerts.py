"""The alerts of an SQL store: the `AlertTable` capability of `SQLStore`
(`warroom.store.base`).

An alert request runs inside the same write transaction as event appends
(`Database.write` and `append.Group`): its alert rows, its group row and
its events commit together, so an incident declared for a group and the group
row naming it exist both or neither (the row is the one-open-incident-per-group
constraint).  Each request has its own savepoint: one that fails is undone
alone, in the database and in the group's in-memory incident states, and the
others of the transaction commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from warroom.core.alerts.model import AlertRecord
from warroom.core.errors import NotFound
from warroom.core.times import format_time, parse_wire_time
from warroom.store.base import AlertBucket, InboxSummary, StoredAlert

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.store.base import AlertTransaction
    from warroom.store.sql.append import Group
    from warroom.store.sql.database import Connection, Database

T = TypeVar("T")
CRITICAL_SHOWN = 20  # critical inbox alerts an InboxSummary names
_COLUMNS = (
    "id, source, key, starts_at, status, state, summary, group_key, first_seen, last_seen,"
    " repeats, ends_at, severity, service, description, labels, annotations, links,"
    " incident_id, acknowledged, rule, extra"
)
_PUT = (
    f"INSERT INTO alerts ({_COLUMNS}, decided_severity)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET status = excluded.status, state = excluded.state,"
    " summary = excluded.summary, group_key = excluded.group_key,"
    " last_seen = excluded.last_seen, repeats = excluded.repeats, ends_at = excluded.ends_at,"
    " severity = excluded.severity, service = excluded.service,"
    " description = excluded.description, labels = excluded.labels,"
    " annotations = excluded.annotations, links = excluded.links,"
    " incident_id = excluded.incident_id, acknowledged = excluded.acknowledged,"
    " rule = excluded.rule, extra = excluded.extra,"
    " decided_severity = COALESCE(excluded.decided_severity, alerts.decided_severity)"
)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, not one a call
_SEEN = "UPDATE alerts SET last_seen = ?, repeats = repeats + ? WHERE id = ?"
_IDS_AT_ONCE = 500  # ids in one `IN (...)` look-up (SQLite takes at least 999 parameters)
_BUCKET = "group_key, minute, incident_id, shown, hidden_fired, hidden_resolved, summarized"
_INBOX = "state = 'inbox' AND status = 'firing'"


def run_requests(
    conn: Connection,
    group: Group,
    requests: Sequence[Callable[[AlertTransaction], T]],
    now: datetime,
) -> list[T | Exception]:
    """Each request in its savepoint of the write transaction `conn` is in
    (`SQLStore.alert_requests`): its result, or the exception that undid it."""
    return [_Transaction(conn, group, now).run(request) for request in requests]


class _Transaction:
    """One alert request (an `AlertTransaction`) in the store's write transaction."""

    def __init__(self, conn: Connection, group: Group, now: datetime) -> None:
        self.conn = conn
        self.group = group
        self._now = now
        self._times: dict[datetime, str] = {}

    def _time(self, moment: datetime) -> str:
        """`format_time`, once per time in the request (most rows it writes
        say `now` twice)."""
        text = self._times.get(moment)
        if text is None:
            text = self._times[moment] = format_time(moment)
        return text

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def catalog(self) -> Catalog:
        return self.group.catalog

    def run(self, request: Callable[[AlertTransaction], T]) -> T | Exception:
        mark = self.group.mark()
        self.conn.execute("SAVEPOINT warroom_alerts")
        try:
            result = request(self)
        except self.group.db.integrity_error as error:
            failure: Exception = error
        except self.group.db.error:
            raise  # the transaction itself is in trouble: fail the whole group
        except Exception as error:
            failure = error
        else:
            self.conn.execute("RELEASE warroom_alerts")
            return result
        self.conn.execute("ROLLBACK TO warroom_alerts")
        self.conn.execute("RELEASE warroom_alerts")
        self.group.undo_to(mark)
        return failure

    # -- alerts ------------------------------------------------------------

    def alert(self, alert_id: str) -> AlertRecord | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (alert_id,))
        found = row.fetchone()
        return _record(found) if found else None

    def find(self, prefix: str) -> AlertRecord:
        return _find(self.conn, prefix)

    def latest(self, source: str, key: str, status: str | None = None) -> AlertRecord | None:
        query = f"SELECT {_COLUMNS} FROM alerts WHERE source = ? AND key = ?"
        params: tuple[Any, ...] = (source, key)
        if status is not None:
            query += " AND status = ?"
            params += (status,)
        found = self.conn.execute(query + " ORDER BY starts_at DESC LIMIT 1", params).fetchone()
        return _record(found) if found else None

    def group_alerts(self, group_key: str, state: str, status: str) -> list[AlertRecord]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM alerts WHERE group_key = ? AND state = ? AND status = ?"
            " ORDER BY starts_at, id",
            (group_key, state, status),
        )
        return [_record(row) for row in rows]

    def put_alert(self, record: AlertRecord, decided_severity: int | None = None) -> None:
        self.conn.execute(_PUT, (*_row(record, self._time), decided_severity))

    def stored_alerts(self, alert_ids: Sequence[str]) -> dict[str, StoredAlert]:
        unique = list(dict.fromkeys(alert_ids))
        found: dict[str, StoredAlert] = {}
        for at in range(0, len(unique), _IDS_AT_ONCE):
            chunk = unique[at : at + _IDS_AT_ONCE]
            rows = self.conn.execute(
                "SELECT id, status, state, incident_id FROM alerts"
                f" WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for id_, *keys in rows:
                found[id_] = StoredAlert(*keys)
        return found

    def seen_again(self, sightings: Sequence[tuple[str, int]]) -> None:
        last_seen = self._time(self._now)
        self.conn.executemany(_SEEN, [(last_seen, repeats, id_) for id_, repeats in sightings])

    def route_alert(self, alert_id: str, incident_id: str) -> None:
        self.conn.execute(
            "UPDATE alerts SET state = 'incident', incident_id = ? WHERE id = ?",
            (incident_id, alert_id),
        )

    def decided_severity(self, alert_id: str) -> int | None:
        row = self.conn.execute("SELECT decided_severity FROM alerts WHERE id = ?", (alert_id,))
        found = row.fetchone()
        return found[0] if found else None

    # -- groups and incidents -----------------------------------------------

    def group_incident(self, group_key: str) -> str | None:
        row = self.conn.execute(
            "SELECT incident_id FROM alert_groups WHERE group_key = ?", (group_key,)
        ).fetchone()
        return row[0] if row else None

    def set_group_incident(self, group_key: str, incident_id: str) -> None:
        self.conn.execute(
            "INSERT INTO alert_groups (group_key, incident_id) VALUES (?, ?)"
            " ON CONFLICT(group_key) DO UPDATE SET incident_id = excluded.incident_id",
            (group_key, incident_id),
        )

    def incident(self, incident_id: str) -> Incident | None:
        return self.group._state(incident_id)

    def resolve(self, ref: str) -> str:
        return self.group.resolve(ref)

    def append(self, events: Sequence[Event]) -> list[Event]:
        result = self.group.request(events, self._now)
        if isinstance(result, Exception):
            raise result
        return result

    # -- throttle buckets ---------------------------------------------------

    def bucket(self, group_key: str, minute: str) -> AlertBucket:
        row = self.conn.execute(
            f"SELECT {_BUCKET} FROM alert_buckets WHERE group_key = ? AND minute = ?",
            (group_key, minute),
        ).fetchone()
        return _bucket(row) if row else AlertBucket(group_key, minute)

    def put_bucket(self, bucket: AlertBucket) -> None:
        self.conn.execute(
            f"INSERT INTO alert_buckets ({_BUCKET}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (group_key, minute) DO UPDATE SET incident_id = excluded.incident_id,"
            " shown = excluded.shown, hidden_fired = excluded.hidden_fired,"
            " hidden_resolved = excluded.hidden_resolved, summarized = excluded.summarized",
            (
                bucket.group_key,
                bucket.minute,
                bucket.incident_id,
                bucket.shown,
                bucket.hidden_fired,
                bucket.hidden_resolved,
                bucket.summarized,
            ),
        )

    def finished_buckets(self, before_minute: str) -> list[AlertBucket]:
        rows = self.conn.execute(
            f"SELECT {_BUCKET} FROM alert_buckets WHERE minute < ? AND NOT summarized"
            " AND hidden_fired + hidden_resolved > 0 ORDER BY minute, group_key",
            (before_minute,),
        )
        return [_bucket(row) for row in rows]


def rows(db: Database, state: str, incident_id: str | None, limit: int) -> list[AlertRecord]:
    """`AlertTable.alert_rows`."""
    where: list[str] = []
    params: list[Any] = []
    if state == "inbox":
        where.append(_INBOX)
    elif state != "all":
        where.append("state = ?")
        params.append(state)
    if incident_id is not None:
        where.append("incident_id = ?")
        params.append(incident_id)
    query = f"SELECT {_COLUMNS} FROM alerts"
    if where:
        query += " WHERE " + " AND ".join(where)
    query += " ORDER BY starts_at DESC, id LIMIT ?"
    return [_record(row) for row in db.read(query, (*params, limit))]


def find(db: Database, prefix: str) -> AlertRecord:
    """`AlertTable.find_alert`."""
    with db.connection() as conn:
        return _find(conn, prefix)


def summary(db: Database) -> InboxSummary:
    """`AlertTable.inbox_summary`."""
    count = db.read(f"SELECT count(*) FROM alerts WHERE {_INBOX}")[0][0]
    critical = db.read(
        f"SELECT id FROM alerts WHERE {_INBOX} AND severity = 'critical'"
        " ORDER BY starts_at DESC, id LIMIT ?",
        (CRITICAL_SHOWN,),
    )
    return InboxSummary(count, tuple(row[0] for row in critical))


def purge(conn: Connection, resolved_before: datetime) -> int:
    """`AlertTable.purge_alerts` in the write transaction `conn` is in: alerts
    resolved before the time (and last seen before it), and buckets of
    minutes as old that have nothing left to summarise."""
    cutoff = format_time(resolved_before)
    minute = resolved_before.strftime("%Y-%m-%dT%H:%MZ")
    # Resolved before the cutoff and known resolved since then: a sender's
    # old endsAt (a wrong clock, a late resolve) does not purge it on arrival.
    deleted = conn.execute(
        "DELETE FROM alerts WHERE status = 'resolved' AND ends_at < ? AND last_seen < ?",
        (cutoff, cutoff),
    ).rowcount
    conn.execute(
        "DELETE FROM alert_buckets WHERE minute < ?"
        " AND (summarized OR hidden_fired + hidden_resolved = 0)",
        (minute,),
    )
    return deleted


def _find(conn: Connection, prefix: str) -> AlertRecord:
    text = prefix.strip().lower()
    if not text or any(c not in "0123456789abcdef" for c in text):
        raise NotFound(f"{prefix!r} is not an alert id; `warroom alerts` shows them")
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM alerts WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
        (text, text + "g"),
    ).fetchall()
    if len(rows) > 1 and rows[0][0] != text:
        raise NotFound(f"{prefix!r} matches more than one alert; give more characters")
    if not rows:
        raise NotFound(f"no alert {prefix}; `warroom alerts --all` shows them")
    return _record(rows[0])


def _row(record: AlertRecord, time: Callable[[datetime], str] = format_time) -> tuple[Any, ...]:
    return (
        record.id,
        record.source,
        record.key,
        time(record.starts_at),
        record.status,
        record.state,
        record.summary,
        record.group_key,
        time(record.first_seen),
        time(record.last_seen),
        record.repeats,
        time(record.ends_at) if record.ends_at else None,
        record.severity,
        record.service,
        record.description,
        _json(dict(record.labels)),
        _json(dict(record.annotations)),
        _json([list(link) for link in record.links]),
        record.incident_id,
        record.acknowledged,
        record.rule,
        _json(dict(record.extra)),
    )


def _record(row: Any) -> AlertRecord:
    (
        id_, source, key, starts_at, status, state, summary, group_key, first_seen, last_seen,
        repeats, ends_at, severity, service, description, labels, annotations, links,
        incident_id, acknowledged, rule, extra,
    ) = row  # fmt: skip
    return AlertRecord(
        id=id_,
        source=source,
        key=key,
        starts_at=parse_wire_time(starts_at),
        status=status,
        state=state,
        summary=summary,
        group_key=group_key,
        first_seen=parse_wire_time(first_seen),
        last_seen=parse_wire_time(last_seen),
        repeats=repeats,
        ends_at=parse_wire_time(ends_at) if ends_at else None,
        severity=severity,
        service=service,
        description=description,
        labels=json.loads(labels),
        annotations=json.loads(annotations),
        links=tuple((label, url) for label, url in json.loads(links)),
        incident_id=incident_id,
        acknowledged=bool(acknowledged),
        rule=rule,
        extra=json.loads(extra),
    )


def _bucket(row: Any) -> AlertBucket:
    group_key, minute, incident_id, shown, hidden_fired, hidden_resolved, summarized = row
    return AlertBucket(
        group_key, minute, incident_id, shown, hidden_fired, hidden_resolved, bool(summarized)
    )


def _json(value: Any) -> str:
    return _ENCODER.encode(value)
