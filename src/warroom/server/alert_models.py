"""The alert endpoints' bodies, as pydantic models for the OpenAPI document.

The webhook bodies are documented here but read by the sources' own parsers
(`warroom.core.alerts.sources`), which name the field that is wrong; these
models only describe them (`body_schema`).  The inbox answers are
`warroom.core.alerts.wire`'s JSON.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from warroom.server.models import IncidentOut, Time

_OPEN = ConfigDict(extra="allow")


# -- Alertmanager (webhook_config, version "4") and Grafana ---------------------------


class AlertmanagerAlert(BaseModel):
    model_config = _OPEN

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: str = Time
    endsAt: str = Field("0001-01-01T00:00:00Z", description="0001-01-01T00:00:00Z while firing")
    generatorURL: str = ""
    fingerprint: str


class AlertmanagerIn(BaseModel):
    """Prometheus Alertmanager's webhook body, version "4"."""

    model_config = _OPEN

    version: str = "4"
    groupKey: str
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"]
    receiver: str
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[AlertmanagerAlert]


class GrafanaAlert(AlertmanagerAlert):
    values: dict[str, Any] | None = None
    valueString: str = ""
    silenceURL: str = ""
    dashboardURL: str = ""
    panelURL: str = ""
    imageURL: str = ""


class GrafanaIn(AlertmanagerIn):
    """Grafana unified alerting's webhook contact point body."""

    orgId: int | None = None
    title: str = ""
    state: str = ""
    message: str = ""
    alerts: list[GrafanaAlert]  # type: ignore[assignment]


# -- PagerDuty Events API v2 ----------------------------------------------------------


class PagerDutyDetails(BaseModel):
    model_config = _OPEN

    summary: str = Field(max_length=1024)
    source: str
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: str | None = Field(None, json_schema_extra={"format": "date-time"})
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(None, alias="class")
    custom_details: dict[str, Any] | None = None


class PagerDutyLink(BaseModel):
    href: str
    text: str = ""


class PagerDutyImage(BaseModel):
    src: str
    href: str = ""
    alt: str = ""


class PagerDutyIn(BaseModel):
    """A PagerDuty Events API v2 event.  `routing_key` is accepted as the
    token when there is no Authorization header."""

    model_config = _OPEN

    routing_key: str
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: str | None = Field(None, description="made (and answered) for a trigger without")
    payload: PagerDutyDetails | None = Field(None, description="required for a trigger")
    links: list[PagerDutyLink] = Field(default_factory=list)
    images: list[PagerDutyImage] = Field(default_factory=list)
    client: str | None = None
    client_url: str | None = None


# -- generic ---------------------------------------------------------------------------


class GenericIn(BaseModel):
    """Any other sender (a cron job, a script)."""

    model_config = _OPEN

    title: str
    status: Literal["firing", "resolved"]
    severity: str | None = None
    service: str | None = None
    fingerprint: str | None = Field(
        None, description="the alert's key; default: a hash of title and service"
    )
    description: str | None = None
    url: str | None = Field(None, description="an http(s) link")
    labels: dict[str, str] | None = None


# -- answers and the inbox ---------------------------------------------------------------


class AcceptedOut(BaseModel):
    """What one payload did."""

    accepted: int = Field(description="how many alerts it held")
    incidents: list[str] = Field(description="the incidents (INC-n) they went to; empty: inbox")
    dedup_key: str | None = Field(None, description="PagerDuty's dedup_key (made if not sent)")


class PagerDutyOut(AcceptedOut):
    """PagerDuty's own answer (so its clients work unchanged), with warroom's beside it."""

    status: Literal["success"]
    message: str = Field(examples=["Event processed"])
    dedup_key: str  # type: ignore[assignment]


class AlertLinkOut(BaseModel):
    url: str
    label: str


class AlertOut(BaseModel):
    """One alert instance (`warroom.core.alerts.wire.record_to_json`)."""

    id: str
    source: str
    key: str
    starts_at: str = Time
    ends_at: str | None = Time
    status: str
    state: str = Field(description="inbox, incident or ignored")
    summary: str
    description: str
    severity: str
    service: str | None
    group_key: str
    first_seen: str = Time
    last_seen: str = Time
    repeats: int
    labels: dict[str, str]
    annotations: dict[str, str]
    links: list[AlertLinkOut]
    incident_id: str | None
    acknowledged: bool
    rule: str
    extra: dict[str, Any]


class AlertsOut(BaseModel):
    """The alerts an inbox action changed, and the incident they went to."""

    alerts: list[AlertOut]
    incident: IncidentOut | None = None


class AlertDeclareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: int | None = Field(None, ge=1, le=99, description="default: the rule's")
    title: str | None = Field(
        None, min_length=1, max_length=500, description="default: the alert's"
    )


class AlertAttachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident: str = Field(min_length=1, max_length=200, description="INC-n, n, an id or a prefix")


def body_schema(model: type[BaseModel], description: str) -> dict[str, Any]:
    """The `openapi_extra` of a route whose JSON body `model` describes (the
    route reads the body itself): the model's schema with its definitions
    written in place, so the document needs no extra components."""
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }
