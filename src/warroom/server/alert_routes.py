"""The alert endpoints: the webhooks (Alertmanager, Grafana, PagerDuty Events
v2 also at its own path `/v2/enqueue`, generic) and the inbox.

A webhook body is read whole (the BodyLimit middleware refuses one over
ALERT_BODY_MAX with 413 before it is buffered), decoded here (400 if it is not
JSON) and read by its source's parser (422 naming the field); nothing is
stored unless all of that succeeds.  The answer (202) is given after the
commit.  Posting needs the ALERTS permission (the `alerts`, responder and
admin roles); on the PagerDuty endpoints the body's `routing_key` is the token
when there is no Authorization header, since that is where PagerDuty clients
put their credential.

(No `from __future__ import annotations`: FastAPI must see the annotations.)
"""

import json
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials

from warroom.core.alerts import SOURCES
from warroom.core.alerts.errors import BadPayload
from warroom.core.alerts.model import AlertRecord
from warroom.core.alerts.payload import NotJSON, decode_payload
from warroom.core.alerts.wire import ingested_to_json, record_to_json
from warroom.core.incident import Incident
from warroom.server.alert_models import (
    AcceptedOut,
    AlertAttachIn,
    AlertDeclareIn,
    AlertmanagerIn,
    AlertOut,
    AlertsOut,
    GenericIn,
    GrafanaIn,
    PagerDutyIn,
    PagerDutyOut,
    body_schema,
)
from warroom.server.alerts import AlertDesk
from warroom.server.auth import authorize, bearer, checked, requirement
from warroom.server.errors import error_response, error_responses
from warroom.server.limits import ALERT_LIST_MAX, ALERT_PARSE_INLINE_MAX
from warroom.server.tokens import ALERTS, READ, WRITE, TokenInfo, TokenStore

API = "/api/v1"
PAGERDUTY_PATH = "/v2/enqueue"
_BODIES = {
    "alertmanager": (AlertmanagerIn, "Prometheus Alertmanager's webhook body (version 4)"),
    "grafana": (GrafanaIn, "Grafana unified alerting's webhook body"),
    "pagerduty": (PagerDutyIn, "a PagerDuty Events API v2 event"),
    "generic": (GenericIn, "one alert from anything else (a cron job, a script)"),
}
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def decode(body: bytes) -> Any:
    """A request body as JSON; NotJSON saying why not (answered 400)."""
    try:
        return decode_payload(body)
    except NotJSON as error:
        raise NotJSON(f"body: {error}") from None


def add_alert_routes(router: APIRouter, desk: AlertDesk, tokens: TokenStore) -> None:
    """The webhooks and the inbox endpoints on `router`."""
    Reader = Annotated[TokenInfo, Depends(requirement(tokens, READ))]
    Writer = Annotated[TokenInfo, Depends(requirement(tokens, WRITE))]
    posts = error_responses(400, 401, 403, 413, 422)

    async def intake(source: str, request: Request, credentials: Any) -> Response:
        """Read, parse and store one payload of `source`; the answer after the commit."""
        body = await request.body()
        payload: Any = None
        token: str | None = credentials.credentials if credentials else None
        try:
            if token is None and source == "pagerduty":
                payload = await _decoded(body)
                key = payload.get("routing_key") if isinstance(payload, dict) else None
                token = key if isinstance(key, str) else None
            authorize(await checked(tokens, token), ALERTS)
            if payload is None:
                payload = await _decoded(body)
            alerts = await desk.parse(source, payload, len(body))
        except NotJSON as error:
            return error_response(400, str(error))
        except BadPayload as error:
            return error_response(422, str(error))
        ingested = await desk.ingest(alerts)
        answer = ingested_to_json(ingested)
        if source == "pagerduty":
            answer = {
                "status": "success",
                "message": "Event processed",
                "dedup_key": ingested.dedup_key,
                **answer,
            }
        return _json(answer, 202)

    def webhook(source: str, path: str, **extra: Any) -> None:
        model, described = _BODIES[source]

        async def post(request: Request, credentials: Credentials) -> Response:
            return await intake(source, request, credentials)

        post.__doc__ = f"Post {described}; answered 202 after it is stored."
        router.add_api_route(
            path,
            post,
            methods=["POST"],
            status_code=202,
            response_model=extra.pop("response_model"),
            responses=posts,
            tags=["alerts"],
            name=f"post_{source}_alerts" + extra.pop("suffix", ""),
            openapi_extra=body_schema(model, described),
            **extra,
        )

    for source in SOURCES:
        answer = PagerDutyOut if source == "pagerduty" else AcceptedOut
        webhook(source, f"{API}/alerts/{source}", response_model=answer)
    pagerduty = "PagerDuty's own path: point a PagerDuty events client at warroom's base URL."
    webhook(
        "pagerduty",
        PAGERDUTY_PATH,
        response_model=PagerDutyOut,
        suffix="_enqueue",
        description=pagerduty,
    )

    # -- the inbox -------------------------------------------------------------

    reads = error_responses(401, 403, 404, 422)
    actions = error_responses(401, 403, 404, 413, 422)

    @router.get(API + "/alerts", response_model=list[AlertOut], responses=reads, tags=["alerts"])
    async def list_alerts(
        token: Reader,
        state: Annotated[
            str,
            Query(
                pattern="^(inbox|all|incident|ignored)$",
                description="inbox (firing, waiting for a person), all, incident or ignored",
            ),
        ] = "inbox",
        incident: Annotated[
            str | None, Query(max_length=200, description="only this incident's (a REF)")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=ALERT_LIST_MAX)] = 100,
    ) -> Response:
        """Alerts, newest first: by default the inbox."""
        records = await to_thread.run_sync(desk.list, state, incident, limit)
        return _json([record_to_json(record) for record in records])

    @router.get(API + "/alerts/{alert}", response_model=AlertOut, responses=reads, tags=["alerts"])
    async def read_alert(alert: str, token: Reader) -> Response:
        """One alert, by id or id prefix."""
        record = await to_thread.run_sync(desk.get, alert)
        return _json(record_to_json(record))

    @router.post(
        API + "/alerts/{alert}/declare",
        status_code=201,
        response_model=AlertsOut,
        responses=actions,
        tags=["alerts"],
    )
    async def declare_from_alert(
        alert: str, token: Writer, body: AlertDeclareIn | None = None
    ) -> Response:
        """Declare an incident from an alert (and the rest of its group in the inbox)."""
        body = body or AlertDeclareIn()
        records, incident = await desk.declare(alert, token.name, body.severity, body.title)
        return _moved(desk, records, incident, 201)

    @router.post(
        API + "/alerts/{alert}/attach",
        response_model=AlertsOut,
        responses=actions,
        tags=["alerts"],
    )
    async def attach_alert(alert: str, body: AlertAttachIn, token: Writer) -> Response:
        """Record an alert (and its group) on an existing incident."""
        records, incident = await desk.attach(alert, body.incident, token.name)
        return _moved(desk, records, incident, 200)

    @router.post(
        API + "/alerts/{alert}/ignore",
        response_model=AlertsOut,
        responses=actions,
        tags=["alerts"],
    )
    async def ignore_alert(alert: str, token: Writer) -> Response:
        """Take an alert out of the inbox without an incident."""
        records = await desk.ignore(alert, token.name)
        return _json({"alerts": [record_to_json(record) for record in records]})


async def _decoded(body: bytes) -> Any:
    if len(body) > ALERT_PARSE_INLINE_MAX:  # a large body is decoded off the event loop
        return await to_thread.run_sync(decode, body)
    return decode(body)


def _moved(
    desk: AlertDesk, records: list[AlertRecord], incident: Incident, status: int
) -> Response:
    return _json(
        {
            "alerts": [record_to_json(record) for record in records],
            "incident": incident.to_public(desk.catalog),
        },
        status,
    )


def _json(content: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(content, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
    )
