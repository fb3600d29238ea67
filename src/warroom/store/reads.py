"""The http store's reads: answered from the replica, brought up to date from
the server first when it can be reached (marked stale when it cannot).

A read first pulls the server's feed (`GET /events` after the replica's
cursor) into the replica, then answers from it, so the same calls work while
the server is down.  A pending incident's state is the fold of its pending
events on top of the replica's.  `watch` follows the server's Server-Sent
Events streams and resumes from its own cursor (`Last-Event-ID`) after any
disconnect, from the next server's URL when there are several (replicas of
one store number events alike); what arrives is kept in the replica too.  The server's catalog
and who the token is are cached in the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from warroom.core.catalog import Catalog, build_catalog
from warroom.core.errors import NotFound
from warroom.core.events import Event
from warroom.core.fold import apply
from warroom.core.incident import Incident
from warroom.core.times import format_local, format_time, parse_wire_time
from warroom.store import sse
from warroom.store.base import REF_HELP, parse_ref, sort_incidents
from warroom.store.localfile import LocalFile
from warroom.store.outbox import PENDING, Outbox
from warroom.store.replica import Replica
from warroom.store.transport import (
    TokenRefused,
    Transport,
    Unreachable,
    json_of,
    token_message,
)

FEED_PAGE = 5_000
INBOX = "inbox"  # the all-incidents stream's event saying the alert inbox changed
SAVE_EVERY = 200  # events received live are written to the replica in batches this big


class CachedReads:
    """The Store contract's reads against the server, through the replica."""

    def __init__(
        self,
        transport: Transport,
        meta: LocalFile,
        replica: Replica,
        outbox: Outbox,
        fallback_catalog: Catalog | None = None,
    ) -> None:
        self.transport = transport
        self.meta = meta  # the file's small facts: the catalog, who the token is
        self.replica = replica
        self.outbox = outbox
        self.stale = False  # a read was answered from the replica alone
        self._fallback_catalog = fallback_catalog
        self._catalog: Catalog | None = None
        self._catalog_checked = False
        # One refresh at a time: two live streams reloading at once (after a
        # restored server) must not read the replica while the other empties it.
        self._refreshing = threading.RLock()
        self._me: dict[str, str] | None = None
        # `inbox` events received on the live streams, and their reconnections
        # (when one may have been missed): the remote alert inbox's `changed()`;
        # the newest one's data while connected (its count and critical alerts).
        self.inbox_signals = 0
        self.inbox_notice: str | None = None
        self._contact_saved: datetime | None = None

    # -- who, what -------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The server's severities, roles and workflow (cached for offline use)."""
        if self._catalog is None:
            raw = self.meta.get("catalog")
            if raw is not None:
                self._catalog = _build_catalog(json.loads(raw))
            elif self.transport.may_try():
                with contextlib.suppress(Unreachable):
                    self._refresh_catalog()
            if self._catalog is None:
                self._catalog = self._fallback_catalog or Catalog.default()
        return self._catalog

    def whoami(self) -> dict[str, str] | None:
        """The token's name and role, from `GET /me` (cached); None if the
        server was never reached."""
        if self._me is None:
            key = f"me:{self.transport.token_key}"
            raw = self.meta.get(key)
            if raw is not None:
                self._me = json.loads(raw)
            elif self.transport.may_try():
                with contextlib.suppress(Unreachable):
                    answer = self.transport.call("GET", "/me")
                    if answer.status_code == 200:
                        me = json_of(answer)
                        self._me = {k: str(me[k]) for k in ("name", "role")}
                        self.meta.put(key, json.dumps(self._me))
        return self._me

    def cached_at(self) -> datetime | None:
        """When the server was last reached (the age of the replica's data)."""
        if self.transport.contact is not None:
            return self.transport.contact
        raw = self.meta.get("last_contact")
        return parse_wire_time(raw) if raw else None

    def stale_note(self) -> str:
        when = self.cached_at()
        if when is None:
            return "server unreachable, and nothing is cached from it yet"
        return f"server unreachable: showing cached data from {format_local(when)}"

    def save_contact(self) -> None:
        """Remember when the server was last reached (on closing)."""
        contact = self.transport.contact
        if contact is not None and contact != self._contact_saved:
            with contextlib.suppress(Exception):
                self.meta.put("last_contact", format_time(contact))

    # -- the Store contract's reads ------------------------------------------------

    def events(self, incident_id: str, after_seq: int = 0) -> list[Event]:
        self.refresh()
        return self.replica.events(incident_id, after_seq)

    def events_before(self, incident_id: str, before_seq: int | None, limit: int) -> list[Event]:
        self.refresh()
        return self.replica.events_before(incident_id, before_seq, limit)

    def events_after(self, after_gseq: int, incident_id: str | None, limit: int) -> list[Event]:
        self.refresh()
        return self.replica.events_after(after_gseq, incident_id, limit)

    def incident(self, incident_id: str) -> Incident:
        self.refresh()
        state = self.view(incident_id)
        if state is None:
            raise NotFound(f"no incident {incident_id}{self._offline_hint()}")
        return state

    def incidents(self, include_closed: bool = False) -> list[Incident]:
        self.refresh()
        states = {state.id: state for state in self.replica.snapshots()}
        for entry in self.outbox.entries((PENDING,)):
            incident_id = entry.event.incident_id
            state = states.setdefault(incident_id, Incident(id=incident_id))
            apply(state, entry.event, self.catalog)
        found = [s for s in states.values() if s.declared_by]  # a pending view needs its declare
        if not include_closed:
            found = [state for state in found if state.is_open(self.catalog)]
        return sort_incidents(found)

    def resolve(self, ref: str) -> str:
        self.refresh()
        number, prefix = parse_ref(ref)
        if number is not None:
            found = self.replica.id_for_number(number)
            if found is not None:
                return found
        if prefix is not None:
            pattern = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"
            held = self.replica.ids_with_prefix(pattern)
            matches = list(dict.fromkeys(held + self.outbox.pending_incidents_with_prefix(pattern)))
            if len(matches) > 1:
                raise NotFound(f"{ref!r} matches more than one incident; give more characters")
            if matches:
                return matches[0]
        raise NotFound(
            f"no incident {ref}; `warroom list --all` shows them ({REF_HELP}){self._offline_hint()}"
        )

    def last_gseq(self) -> int:
        self.refresh()
        return self.replica.last_gseq()

    def view(self, incident_id: str, before_group: int | None = None) -> Incident | None:
        """The replica's state with the pending events (of groups before
        `before_group`) applied; None if neither has the incident."""
        state = self.replica.snapshot(incident_id)
        pending = [
            entry
            for entry in self.outbox.entries((PENDING,), incident_id)
            if before_group is None or entry.group < before_group
        ]
        if state is None and not pending:
            return None
        state = state or Incident(id=incident_id)
        for entry in pending:
            apply(state, entry.event, self.catalog)
        return state

    def _offline_hint(self) -> str:
        if not self.transport.failing:
            return ""
        return " (the server is unreachable: only cached incidents can be found)"

    # -- bringing the replica up to date ---------------------------------------------

    def refresh(self, force: bool = False) -> bool:
        """Bring the replica up to date from the server's feed; False if unreachable."""
        if not force and not self.transport.may_try():
            self.stale = True
            return False
        with self._refreshing:
            return self._refresh()

    def _refresh(self) -> bool:
        try:
            if not self._catalog_checked:
                self._refresh_catalog()
            catalog = self.catalog
            cursor = self.replica.cursor()
            while True:
                document = self.transport.get("/events", after_gseq=cursor, limit=FEED_PAGE)
                events = [Event.from_dict(raw) for raw in document["events"]]
                if not events and int(document["last_gseq"]) < cursor:
                    self.replica.reset()  # the server's store was replaced
                    cursor = 0
                    continue
                contact = self.transport.contact if events else None
                self.replica.ingest(events, catalog, follows=cursor, contact=contact)
                if contact is not None:
                    self._contact_saved = contact
                if len(events) < FEED_PAGE:
                    break
                cursor = events[-1].gseq or cursor
            if self.replica.missing_numbers():
                self._fetch_numbers()
            return True
        except Unreachable:
            self.stale = True
            return False

    def _fetch_numbers(self) -> None:
        numbers: dict[str, int] = {}
        for item in self.transport.get("/incidents", all="true"):
            ref = str(item.get("ref", ""))
            if ref.startswith("INC-") and ref[4:].isdigit():
                numbers[str(item["id"])] = int(ref[4:])
        self.replica.set_numbers(numbers)

    def _refresh_catalog(self) -> None:
        self._catalog_checked = True
        document = self.transport.get("/catalog")
        # Kept in the server's order: the catalog's order is the order of its
        # roles, severities and states wherever they are listed.
        text = json.dumps(document)
        if text == self.meta.get("catalog"):
            return
        catalog = _build_catalog(document)
        previous = self._catalog
        self.meta.put("catalog", text)
        self._catalog = catalog
        if previous is not None or self.replica.snapshots():
            self.replica.refold(catalog)

    # -- following the live streams ------------------------------------------------

    async def watch(
        self, after_gseq: int, incident_id: str | None, connected: Callable[[], None]
    ) -> AsyncIterator[Event]:
        """Every event stored after `after_gseq` (of one incident or all), once,
        in order, live, by Server-Sent Events; reconnects (with backoff) after
        any disconnect and resumes from its own cursor (`Last-Event-ID`).
        What arrives is kept in the replica too.  `connected` is called first
        and each time the stream (re)connects."""
        connected()
        cursor = after_gseq
        seq_cursor: int | None = None
        unsaved: list[Event] = []
        saved_to = cursor  # unsaved events are every event after this (all-incidents stream)

        base = ""  # the server (API URL) of the latest connection

        async def where() -> tuple[str, str]:
            nonlocal seq_cursor, cursor, base
            base = await asyncio.to_thread(self.transport.stream_base)
            if incident_id is None:
                return f"{base}/stream", str(cursor)
            if seq_cursor is None:  # an incident's stream counts in seqs
                seq_cursor, cursor = await asyncio.to_thread(self._seq_cursor, incident_id, cursor)
            return f"{base}/incidents/{incident_id}/stream", str(seq_cursor)

        def failed(reason: str) -> None:
            self.transport.stream_failed(base, reason)

        def reconnected() -> None:
            self.transport.succeeded()
            self.inbox_signals += 1  # an inbox change may have come while disconnected
            self.inbox_notice = None
            connected()

        def save_now() -> tuple[list[Event], int | None]:
            nonlocal unsaved, saved_to
            batch, start = unsaved, saved_to
            unsaved, saved_to = [], cursor
            return batch, (start if incident_id is None else None)

        client = self.transport.stream_client()
        stream = sse.follow(client, where, reconnected, failed)
        try:
            async for message in stream:
                if message.event == INBOX:  # the alert inbox changed: ids and counts only
                    self.inbox_signals += 1
                    self.inbox_notice = message.data
                    continue
                if message.event == "reset":  # the server's store was restored from a backup
                    newest = await asyncio.to_thread(self._reset, message.data, incident_id)
                    if newest is not None:
                        unsaved, saved_to = [], newest[0]
                        cursor, seq_cursor = newest[0], newest[1]
                    continue
                event = _event_or_none(message.data) if message.data is not None else None
                if event is None:  # a quiet moment: keep what arrived
                    if unsaved:
                        batch, follows = save_now()
                        await asyncio.to_thread(self._keep, batch, follows)
                    continue
                if (event.gseq or 0) <= cursor:
                    continue
                cursor = event.gseq or cursor
                if incident_id is not None:
                    seq_cursor = event.seq or seq_cursor
                unsaved.append(event)
                if len(unsaved) >= SAVE_EVERY:
                    batch, follows = save_now()
                    await asyncio.to_thread(self._keep, batch, follows)
                yield event
        except sse.StreamRefused as refused:
            raise TokenRefused(token_message(refused.answer)) from None
        finally:
            if unsaved:
                self._keep(*save_now())
            with contextlib.suppress(Exception):
                await stream.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()

    def _reset(self, data: str | None, incident_id: str | None) -> tuple[int, int | None] | None:
        """A stream's reset: reload the replica from the server (it notices its
        cursor is beyond the server's newest event) and give the cursors to go
        on from: (gseq, the incident's seq), from the reset's `last_gseq` or
        `last_seq`.  None if the signal cannot be read."""
        try:
            signal = json.loads(data or "")
            newest = int(signal["last_seq" if incident_id is not None else "last_gseq"])
        except (ValueError, KeyError, TypeError):
            return None
        self.refresh(force=True)
        if incident_id is None:
            return newest, None
        return self.replica.cursor(), newest

    def _keep(self, events: list[Event], follows: int | None) -> None:
        with contextlib.suppress(Exception):  # a replica that cannot be written is only a cache
            self.replica.ingest(events, self.catalog, follows=follows)

    def _seq_cursor(self, incident_id: str, after_gseq: int) -> tuple[int, int]:
        """The incident's seq matching `after_gseq` (its stream's ids are seqs),
        and the gseq to go on from: the server's newest, if `after_gseq` is
        beyond it (a store restored from a backup)."""
        if self.refresh():
            after_gseq = min(after_gseq, self.replica.cursor())
        return self.replica.seq_at(incident_id, after_gseq), after_gseq


def _event_or_none(data: str) -> Event | None:
    try:
        return Event.from_dict(json.loads(data))
    except ValueError:
        return None


def _build_catalog(document: dict[str, Any]) -> Catalog:
    """The catalog from `GET /catalog` (shaped like the data files)."""
    return build_catalog(document["severities"], document["roles"], document["workflow"])
