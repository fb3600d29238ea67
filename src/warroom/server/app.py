"""The HTTP API: `create_app(store)` builds the FastAPI application.

Everything under `/api/v1`, described by `/api/v1/openapi.json`; `/healthz`
for probes; the public status page (`/status`, `/api/v2`: see
`warroom.server.statuspage`); the read-only room view (`/rooms`, signed in
with a cookie: see `warroom.server.rooms`).  Every call but those and the OpenAPI document
needs a bearer token (see `warroom.server.tokens`).  The store is used only through the Store
protocol; the token table lives in the same SQLite file.

(No `from __future__ import annotations` here: FastAPI must see the route
annotations, some of which are local to `_router`, as objects.)
"""

import json
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, Query
from fastapi.responses import Response, StreamingResponse
from starlette.middleware import Middleware

from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import StoreUnavailable, UsageError
from warroom.core.events import Event
from warroom.core.notify import NotifyConfig
from warroom.core.oncall.model import OnCall
from warroom.core.statuspage.config import PageConfig
from warroom.server.alert_routes import PAGERDUTY_PATH, add_alert_routes
from warroom.server.alerts import AlertConfig, AlertDesk
from warroom.server.auth import requirement
from warroom.server.delivery_routes import add_delivery_routes
from warroom.server.errors import error_responses, install_error_handlers
from warroom.server.health import StoreHealth
from warroom.server.hub import Hub
from warroom.server.limits import (
    ALERT_BODY_MAX,
    ENCODE_INLINE_MAX,
    EVENT_BODY_MAX,
    HEARTBEAT_SECONDS,
    MAX_WAIT_SECONDS,
    READ_LIMIT,
)
from warroom.server.live import (
    parse_cursor,
    reset_frame,
    token_stream,
    wait_for_events,
)
from warroom.server.middleware import AccessLog, BodyLimit
from warroom.server.models import (
    BatchIn,
    BatchOut,
    DeclaredOut,
    DeclareIn,
    EventIn,
    EventOut,
    EventsOut,
    FeedOut,
    HealthOut,
    ImportIn,
    ImportOut,
    IncidentOut,
    NewTokenOut,
    TokenCreateIn,
    TokenOut,
    WhoAmIOut,
    catalog_document,
)
from warroom.server.notifier import BackgroundSender
from warroom.server.oncall_routes import add_oncall_routes
from warroom.server.refs import Refs
from warroom.server.rooms import add_room_routes, install_sign_in
from warroom.server.statuspage import Pinger, PublicSite, add_public_routes
from warroom.server.tokens import ADMIN, READ, WRITE, TokenInfo, TokenStore
from warroom.server.writer import GroupWriter
from warroom.services.statuspage.board import PublicBoard
from warroom.store.base import Store, StoreIdentity

API = "/api/v1"
SSE = {200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}}

IdempotencyKey = Annotated[
    UUID | None,
    Header(
        alias="Idempotency-Key",
        description="the event's id (a UUID), if the body does not carry it",
    ),
]
LastEventId = Annotated[
    str | None,
    Header(alias="Last-Event-ID", description="resume after this id (sent by SSE clients)"),
]


def create_app(
    store: Store | str | os.PathLike[str],
    *,
    tokens: TokenStore | None = None,
    heartbeat: float = HEARTBEAT_SECONDS,
    max_wait: float = MAX_WAIT_SECONDS,
    max_body: int = EVENT_BODY_MAX,
    alerts: AlertConfig | None = None,
    sweep: float | None = None,
    page: PageConfig | None = None,
    public_url: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
    ack_secret: str | None = None,
    notify: NotifyConfig | None = None,
    rounds: Sequence[Callable[[Any], object]] = (),  # each gets the Sender
    oncall: OnCall | None = None,
) -> FastAPI:
    """The application over `store` (a Store, or the path of an SQLite file,
    which the app then opens and closes).  `heartbeat`: seconds between SSE
    heartbeat comments; `max_wait`: the longest long poll; `alerts`: the
    alert rules and settings (default: the shipped rules); `sweep`: seconds
    between the alert sweeper's rounds (default SWEEP_SECONDS); `page`: the
    public status page's configuration (`[statuspage]`); `public_url`: where
    browsers reach this server (an https one makes the sign-in cookie Secure
    even when a TLS proxy forwards plain http); `ack_secret`: signs
    the pages' ack links (`/ack/TOKEN`; none without it); `notify`: the
    `[[notify]]` routes: given, the app runs the store's sender in the
    background (`warroom.services.notify.sender`; a standby while another
    sender is active), with `rounds` (the escalation runner) in its loop;
    `oncall`: the on-call tables posted overrides are checked against."""
    owned = not isinstance(store, Store)
    if owned:
        from warroom.store.sqlite import SQLiteStore

        store = SQLiteStore(store)  # type: ignore[arg-type]
    assert isinstance(store, Store)
    tokens = tokens or TokenStore.for_store(store)
    hub = Hub(store)
    health = StoreHealth()
    writer = GroupWriter(store, health=health)
    desk = AlertDesk(store, writer, hub, alerts)
    site = PublicSite(PublicBoard(store, page or PageConfig(), clock))
    pinger = Pinger(site, hub)

    sender = BackgroundSender(store, notify, page, clock, rounds) if notify is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        desk.start(**({"sweep": sweep} if sweep else {}))
        if sender is not None:
            sender.start()
        try:
            yield
        finally:
            if sender is not None:
                await _run(sender.stop)
            await desk.close()
            await hub.close()
            await _run(writer.close)
            if owned:
                store.close()

    app = FastAPI(
        title="warroom",
        summary="A terminal war room for incident response: the shared server.",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        middleware=[
            Middleware(AccessLog),
            Middleware(
                BodyLimit,
                max_bytes=max_body,
                wider=((f"{API}/alerts/", ALERT_BODY_MAX), (PAGERDUTY_PATH, ALERT_BODY_MAX)),
            ),
        ],
    )
    app.state.hub = hub
    app.state.store = store
    app.state.tokens = tokens
    app.state.writer = writer
    app.state.health = health
    app.state.alerts = desk
    app.state.site = site
    app.state.pinger = pinger
    install_error_handlers(app)
    # On the app's own router, not include_router: an included router is a
    # second level that every request is matched through.
    _add_routes(app.router, store, tokens, hub, writer, heartbeat, max_wait)
    add_alert_routes(app.router, desk, tokens)
    add_delivery_routes(app.router, store, tokens)
    add_oncall_routes(app.router, store, tokens, clock, oncall)
    add_public_routes(app.router, site, pinger, heartbeat)
    add_room_routes(app.router, store, tokens, hub, heartbeat, public_url)
    if ack_secret:
        from warroom.server.ack import add_ack_routes

        add_ack_routes(app.router, store, writer, ack_secret, clock)
    install_sign_in(app)

    @app.get(
        "/healthz",
        response_model=HealthOut,
        response_model_exclude_none=True,
        responses={503: {"model": HealthOut, "description": "degraded: the store cannot write"}},
        tags=["health"],
    )
    def healthz() -> Any:
        """`ok`: the server is up and its store answers.  `degraded` (503): the
        store cannot be read (`db`: unreachable) or its last write failed
        (`reason` says why, e.g. the disk is full).  A load balancer sends no
        requests to a replica answering 503."""
        try:
            store.last_gseq()
        except StoreUnavailable as error:
            health.noted(error)
            body = {"status": "degraded", "reason": "the store cannot be read", "db": "unreachable"}
            return _json(body, 503)
        if health.reason is not None:
            return _json({"status": "degraded", "reason": health.reason, "db": "ok"}, 503)
        return {"status": "ok", "db": "ok"}

    return app


def _add_routes(
    router: APIRouter,
    store: Store,
    tokens: TokenStore,
    hub: Hub,
    writer: GroupWriter,
    heartbeat: float,
    max_wait: float,
) -> None:
    Viewer = Annotated[TokenInfo, Depends(requirement(tokens, READ))]
    Responder = Annotated[TokenInfo, Depends(requirement(tokens, WRITE))]
    Admin = Annotated[TokenInfo, Depends(requirement(tokens, ADMIN))]
    AnyToken = Annotated[TokenInfo, Depends(requirement(tokens, None))]
    refs = Refs(store)
    reads = error_responses(401, 403, 404, 422)
    writes = error_responses(401, 403, 404, 413, 422)

    # -- incidents ---------------------------------------------------------

    @router.get(
        API + "/incidents", response_model=list[IncidentOut], responses=reads, tags=["incidents"]
    )
    def list_incidents(
        token: Viewer,
        all: Annotated[bool, Query(description="also resolved, closed and cancelled")] = False,
    ) -> list[dict[str, Any]]:
        """Incidents with their current state, most severe first."""
        return [
            incident.to_public(store.catalog) for incident in store.incidents(include_closed=all)
        ]

    @router.post(
        API + "/incidents",
        status_code=201,
        response_model=DeclaredOut,
        responses=writes,
        tags=["incidents"],
    )
    async def declare(body: DeclareIn, token: Responder, key: IdempotencyKey = None) -> Response:
        """Declare an incident: append its `declared` event (the client makes
        both ids, so a retry is safe)."""
        event_id = _event_id(body.id, key)
        event = body.to_event(str(body.incident_id), token.name, event_id)
        (stored,) = await writer.append([event])
        incident = await _run(store.incident, stored.incident_id)
        return _json(
            {"incident": incident.to_public(store.catalog), "event": stored.to_dict()}, 201
        )

    @router.get(
        API + "/incidents/{ref}", response_model=IncidentOut, responses=reads, tags=["incidents"]
    )
    def read_incident(ref: str, token: Viewer) -> dict[str, Any]:
        """One incident's state (`ref`: its id, INC-n, n, or an id prefix)."""
        return store.incident(store.resolve(ref)).to_public(store.catalog)

    # -- events ------------------------------------------------------------

    @router.post(
        API + "/incidents/{ref}/events",
        status_code=201,
        response_model=EventOut,
        responses=writes,
        tags=["events"],
    )
    async def append_event(
        ref: str, body: EventIn, token: Responder, key: IdempotencyKey = None
    ) -> Response:
        """Append one event.  Its `id` is the idempotency key: sending it again
        returns the stored event; the same id with other content is refused."""
        incident_id = await refs.resolve(ref)
        if body.incident_id is not None and str(body.incident_id) != incident_id:
            raise UsageError(f"body.incident_id: {body.incident_id} is not the incident {ref}")
        event = body.to_event(incident_id, token.name, _event_id(body.id, key))
        (stored,) = await writer.append([event])
        return _json(stored.to_dict(), 201)

    @router.post(
        API + "/events/batch",
        status_code=201,
        response_model=BatchOut,
        responses=writes,
        tags=["events"],
    )
    async def append_batch(body: BatchIn, token: Responder) -> Response:
        """Append several events (of any incidents) at once: all or none."""
        events = [
            item.to_event(str(item.incident_id), token.name, str(item.id)) for item in body.events
        ]
        stored = await writer.append(events)
        return await _events_json(stored, {})

    @router.get(
        API + "/incidents/{ref}/events", response_model=EventsOut, responses=reads, tags=["events"]
    )
    async def read_events(
        ref: str,
        token: Viewer,
        after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
        before_seq: Annotated[
            int | None, Query(ge=1, le=2**62, description="newest first paging")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = READ_LIMIT,
        wait: Annotated[
            float,
            Query(ge=0, le=3600, description=f"long poll: seconds (at most {max_wait:g})"),
        ] = 0,
    ) -> dict[str, Any]:
        """An incident's events with seq > after_seq (oldest first, up to
        `limit`); with `wait`, hold the request until one arrives.  With
        `before_seq`, the `limit` events just before it instead."""
        incident_id = await refs.resolve(ref)
        if before_seq is not None:
            events = await _run(store.events_before, incident_id, before_seq, limit)
        else:
            wait_for = min(wait, max_wait)
            events = await wait_for_events(hub, store, incident_id, after_seq, limit, wait_for)
        last_seq = (await _run(store.incident, incident_id)).last_seq
        return {"events": [event.to_dict() for event in events], "last_seq": last_seq}

    @router.get(API + "/events", response_model=FeedOut, responses=reads, tags=["events"])
    def read_feed(
        token: Viewer,
        after_gseq: Annotated[int, Query(ge=0, le=2**62)] = 0,
        incident_id: Annotated[UUID | None, Query(description="only this incident")] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = READ_LIMIT,
    ) -> dict[str, Any]:
        """Events of every incident (or one) with gseq > after_gseq, in gseq order."""
        last = store.last_gseq()
        only = str(incident_id) if incident_id else None
        events = store.events_after(after_gseq, only, limit)
        return {"events": [event.to_dict() for event in events], "last_gseq": last}

    # -- live streams ------------------------------------------------------

    @router.get(
        API + "/incidents/{ref}/stream",
        response_class=StreamingResponse,
        responses={**SSE, **reads},
        tags=["live"],
    )
    async def incident_stream(
        ref: str,
        token: Viewer,
        last_event_id: LastEventId = None,
        after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    ) -> StreamingResponse:
        """Server-Sent Events: the incident's events after `Last-Event-ID` (a
        seq; or `after_seq`), then live ones; `id:` is the seq."""
        incident_id = await refs.resolve(ref)
        last_seq = (await _run(store.incident, incident_id)).last_seq
        return await open_stream(token, incident_id, _cursor(last_event_id, after_seq), last_seq)

    @router.get(
        API + "/stream",
        response_class=StreamingResponse,
        responses={**SSE, **reads},
        tags=["live"],
    )
    async def all_stream(
        token: Viewer,
        last_event_id: LastEventId = None,
        after_gseq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    ) -> StreamingResponse:
        """Server-Sent Events: every incident's events after `Last-Event-ID` (a
        gseq; or `after_gseq`), then live ones; `id:` is the gseq.  Also
        `event: inbox` frames (no `id:`) when the alert inbox changes:
        `{"count", "critical": [ids], "alerts": [ids], "causes": [...]}`."""
        last_gseq = await _run(store.last_gseq)
        return await open_stream(token, None, _cursor(last_event_id, after_gseq), last_gseq)

    async def open_stream(
        token: TokenInfo, incident_id: str | None, start: int, newest: int
    ) -> StreamingResponse:
        """A stream from `start` (a seq of the incident, or a gseq for all);
        `newest`: the store's newest one, which a restored store may have
        made older than `start`: then the stream begins with a reset."""
        reset = None
        if start > newest:
            reset = reset_frame(newest, "last_seq" if incident_id else "last_gseq")
            start = newest
        body = await token_stream(
            hub,
            store,
            tokens,
            token,
            incident_id=incident_id,
            start=start,
            heartbeat=heartbeat,
            reset=reset,
        )
        return _sse(body)

    # -- who, what ---------------------------------------------------------

    identity = store_id_of(store)

    @router.get(API + "/me", response_model=WhoAmIOut, responses=reads, tags=["tokens"])
    def whoami(token: AnyToken) -> dict[str, Any]:
        """The name (the actor of what you write) and role of your token, and
        the store's id (the same on every replica: clients key outboxes by it)."""
        return {"name": token.name, "role": token.role, "store_id": identity}

    @router.get(API + "/catalog", responses=reads, tags=["incidents"])
    def catalog(token: Viewer) -> dict[str, Any]:
        """Severities, roles and the status workflow, shaped like the data files."""
        return catalog_document(store.catalog)

    # -- admin -------------------------------------------------------------

    @router.post(
        API + "/import", status_code=201, response_model=ImportOut, responses=writes, tags=["admin"]
    )
    async def import_events(body: ImportIn, token: Admin) -> Response:
        """Import an export file's events, keeping their actors; importing
        twice changes nothing."""
        before = await _run(store.last_gseq)
        events = [
            item.to_event(str(item.incident_id), item.actor, str(item.id)) for item in body.events
        ]
        stored = await writer.append(events)
        new = sum(1 for event in stored if (event.gseq or 0) > before)
        return await _events_json(stored, {"new": new})

    @router.get(API + "/tokens", response_model=list[TokenOut], responses=reads, tags=["admin"])
    def list_tokens(token: Admin) -> list[dict[str, Any]]:
        """Every token's name, role and dates (never the token)."""
        return [info.to_public() for info in tokens.list()]

    @router.post(
        API + "/tokens",
        status_code=201,
        response_model=NewTokenOut,
        responses=writes,
        tags=["admin"],
    )
    def create_token(body: TokenCreateIn, token: Admin) -> dict[str, Any]:
        """Make a token; the answer is the only time it is shown."""
        secret = tokens.create(body.name, body.role)
        info = next(info for info in tokens.list(False) if info.name == body.name)
        return {**info.to_public(), "token": secret}

    @router.delete(API + "/tokens/{name}", response_model=TokenOut, responses=reads, tags=["admin"])
    async def revoke_token(name: str, token: Admin) -> dict[str, Any]:
        """Revoke the active token called `name`: it stops working at once, and
        its open live streams end."""
        revoked = await _run(tokens.revoke, name)
        hub.end_streams_of(name)
        return revoked.to_public()


def store_id_of(store: Store) -> str | None:
    """The store's id (`StoreIdentity`; an SQLite file's from its `store_id`
    table), None for a backend without one."""
    if isinstance(store, StoreIdentity):
        return store.store_id()
    from warroom.store.sqlite import SQLiteStore

    if isinstance(store, SQLiteStore):
        from warroom.store.guard import store_id

        return store_id(store.path)
    return None


def _event_id(body_id: UUID | None, header: UUID | None) -> str:
    if body_id is not None and header is not None and body_id != header:
        raise UsageError(f"header.Idempotency-Key: {header} differs from body.id {body_id}")
    chosen = body_id or header
    if chosen is None:
        raise UsageError("body.id: give the event's id (a UUID) or an Idempotency-Key header")
    return str(chosen)


def _cursor(last_event_id: str | None, fallback: int) -> int:
    if last_event_id is None or not last_event_id.strip():
        return fallback
    cursor = parse_cursor(last_event_id)
    if cursor is None:
        raise UsageError(f"header.Last-Event-ID: {last_event_id[:40]!r} is not an event id")
    return cursor


def _json(content: Any, status: int = 200) -> Response:
    """A large answer, encoded directly: these are the store's own dicts, so
    re-validating them against the response model would only cost time."""
    return Response(
        json.dumps(content, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
    )


async def _events_json(events: list[Event], extra: dict[str, Any]) -> Response:
    """`{"events": [...], **extra}`, 201; a long list is encoded in a worker
    thread, so the event loop (and the live streams) are not held up by it."""

    def encode() -> Response:
        return _json({"events": [event.to_dict() for event in events], **extra}, 201)

    return await _run(encode) if len(events) > ENCODE_INLINE_MAX else encode()


def _sse(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _run(function: Any, *args: Any) -> Any:
    from anyio import to_thread

    return await to_thread.run_sync(function, *args)
