"""The alert inbox of a warroom server: the `AlertInbox` protocol over
/api/v1/alerts, for the http store (`HTTPStore.alert_inbox()`).

Alerts are not cached: every call but `changed` and `summary` asks the
server (an alert needs the server, as an import does).  `changed` costs no
request: it counts the `inbox` events the store's live streams have received
(and every reconnection of one, when some may have been missed), plus this
inbox's own changes; `summary` is the newest such event's count and critical
alerts, asked of the server only when no live stream has told them.
Incidents an alert went to are read through the store's replica, brought up
to date first.

This module never imports the server package or a web framework.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from warroom.core.alerts.errors import BadPayload
from warroom.core.alerts.model import AlertRecord, Ingested
from warroom.core.alerts.wire import ingested_from_json, records_from_json
from warroom.core.errors import NotFound, Refused, StoreUnavailable, UsageError
from warroom.store.base import InboxSummary
from warroom.store.transport import TokenRefused, Unreachable, error_of, json_of

if TYPE_CHECKING:
    import httpx

    from warroom.core.incident import Incident
    from warroom.store.reads import CachedReads

SUMMARY_LIMIT = 1000  # the inbox alerts `summary` reads to count them and find the critical ones
CRITICAL = "critical"


class RemoteInbox:
    """`AlertInbox` against a warroom server (see `warroom.store.base`)."""

    def __init__(self, reads: CachedReads) -> None:
        self.reads = reads
        self.transport = reads.transport
        self._own_changes = 0

    # -- reading ---------------------------------------------------------------

    def list(
        self, state: str = "inbox", incident: str | None = None, limit: int = 100
    ) -> list[AlertRecord]:
        params: dict[str, Any] = {"state": state, "limit": limit}
        if incident is not None:
            params["incident"] = incident
        return self._records(self._call("GET", "/alerts", params=params))

    def get(self, alert: str) -> AlertRecord:
        found = self._records(self._call("GET", f"/alerts/{_segment(alert)}"))
        if len(found) != 1:
            raise NotFound(f"no single alert {alert!r}; `warroom alerts --all` lists them")
        return found[0]

    def summary(self) -> InboxSummary:
        """As the newest `inbox` event of a live stream told it (no request);
        else counted from the server's inbox."""
        told = _told(self.reads.inbox_notice)
        if told is not None:
            return told
        waiting = self.list("inbox", limit=SUMMARY_LIMIT)
        critical = tuple(record.id for record in waiting if record.severity == CRITICAL)
        return InboxSummary(count=len(waiting), critical=critical)

    def changed(self) -> int:
        return self.reads.inbox_signals + self._own_changes

    # -- writing ---------------------------------------------------------------

    def declare(
        self, alert: str, actor: str, severity: int | None = None, title: str | None = None
    ) -> Incident:
        """Declare on the server (which writes as the token: `actor` is not sent)."""
        body: dict[str, Any] = {}
        if severity is not None:
            body["severity"] = severity
        if title is not None:
            body["title"] = title
        answer = self._call("POST", f"/alerts/{_segment(alert)}/declare", json=body)
        return self._incident_of(self._records(answer), alert)

    def attach(self, alert: str, incident: str, actor: str) -> Incident:
        body = {"incident": incident}
        answer = self._call("POST", f"/alerts/{_segment(alert)}/attach", json=body)
        return self._incident_of(self._records(answer), alert)

    def ignore(self, alert: str, actor: str) -> AlertRecord:
        records = self._records(self._call("POST", f"/alerts/{_segment(alert)}/ignore"))
        return _the_one(records, alert)

    def ingest(self, source: str, payload: Any) -> Ingested:
        """The payload posted to its source's endpoint; BadPayload (as a local
        ingest raises it) when the server finds it is not the documented shape."""
        try:
            answer = self._call("POST", f"/alerts/{_segment(source)}", json=payload)
        except _Unprocessable as refused:
            field, _, detail = str(refused).partition(": ")
            raise BadPayload(detail or field, field if detail else "body") from None
        try:
            return ingested_from_json(json_of(answer))
        except ValueError as error:
            raise StoreUnavailable(
                f"the server's answer to an ingest is not readable: {error}"
            ) from None

    # -- the calls ---------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self.transport.call(method, path, **kwargs)
        except Unreachable as error:
            raise StoreUnavailable(f"alerts need the server, unreachable now: {error}") from None
        if 200 <= answer.status_code < 300:
            if method != "GET":
                self._own_changes += 1
                self.reads.inbox_notice = None  # older than this change
            return answer
        code, detail = error_of(answer)
        status = answer.status_code
        if status == 403:
            raise TokenRefused(f"the server refused: {detail}")
        if status == 404:
            raise NotFound(detail)
        if status == 409:
            raise Refused(detail)
        if status == 422:
            raise _Unprocessable(detail)
        if status in (400, 413):
            raise UsageError(detail)
        raise StoreUnavailable(f"the server answered {status} {code}: {detail}")

    def _records(self, answer: httpx.Response) -> list[AlertRecord]:
        """The alert records of an answer: a JSON list, an object holding one
        as `alerts` (an answer may carry more beside it), or one record."""
        raw = json_of(answer)
        if isinstance(raw, dict) and "alerts" in raw:
            raw = raw["alerts"]
        elif isinstance(raw, dict) and "id" in raw:
            raw = [raw]
        try:
            return records_from_json(raw)
        except ValueError as error:
            raise StoreUnavailable(
                f"the server's alert records are not readable: {error}"
            ) from None

    def _incident_of(self, records: list[AlertRecord], alert: str) -> Incident:
        """The incident the alert went to, read through the replica (refreshed first)."""
        incident_id = _the_one(records, alert).incident_id
        if incident_id is None:
            raise StoreUnavailable(f"the server did not say which incident alert {alert} went to")
        self.reads.refresh(force=True)
        return self.reads.incident(incident_id)


def _told(notice: str | None) -> InboxSummary | None:
    """The count and critical alerts of an `inbox` event's data
    (`{"count": 3, "critical": ["9f2c..."], ...}`); None if unreadable."""
    if notice is None:
        return None
    try:
        data = json.loads(notice)
        count, critical = data["count"], data["critical"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(count, int) or not isinstance(critical, list):
        return None
    return InboxSummary(count=count, critical=tuple(str(one) for one in critical))


class _Unprocessable(UsageError):
    """The server's 422: a body or a query it could read but not accept."""


def _the_one(records: list[AlertRecord], alert: str) -> AlertRecord:
    """The record `alert` (an id or prefix) names among an answer's records;
    the first one when none starts with it."""
    prefix = alert.strip().lower()
    for record in records:
        if record.id.startswith(prefix):
            return record
    if records:
        return records[0]
    raise StoreUnavailable(f"the server answered no alert record for {alert!r}")


def _segment(text: str) -> str:
    """`text` as one path segment (an id prefix or a source name, never a path)."""
    return quote(text.strip(), safe="")
