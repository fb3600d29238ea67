"""warroom's own body, for anything that is not a monitoring system (a cron
job, a script):

    {"title": str, "status": "firing"|"resolved", "severity"?: str, "service"?: str,
     "fingerprint"?: str, "description"?: str, "url"?: str, "labels"?: {str: str}}

key = fingerprint, else sha256(title NUL service) (32 hex characters), so the
same title for the same service is the same alert; starts_at is None (the
instance starts when warroom first sees it firing).
"""

from __future__ import annotations

import hashlib
from typing import Any

from warroom.core.alerts.model import STATUSES, Alert
from warroom.core.alerts.sources import shape

KEY_LENGTH = 32


def parse(payload: Any) -> list[Alert]:
    """The one alert of a generic body."""
    body = shape.obj(payload, "body")
    title = shape.text(body, "title", "", empty=False)
    assert title is not None
    status = shape.choice(body, "status", "", STATUSES)
    severity = shape.text(body, "severity", "", required=False) or ""
    service = shape.text(body, "service", "", required=False) or ""
    fingerprint = shape.text(body, "fingerprint", "", required=False) or ""
    description = shape.text(body, "description", "", required=False) or ""
    url = shape.text(body, "url", "", required=False)
    labels = shape.str_map(body, "labels", "")
    return [
        Alert(
            source="generic",
            key=(fingerprint.strip() and fingerprint) or generic_key(title, service),
            status=status,
            summary=title,
            description=description,
            severity=severity.strip().lower(),
            labels=labels,
            links=shape.web_links(("link", url)),
            service_hint=service,
            event_action="trigger" if status == "firing" else "resolve",
        )
    ]


def generic_key(title: str, service: str) -> str:
    """The key of a generic alert sent without a fingerprint."""
    digest = hashlib.sha256(f"{title}\x00{service}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:KEY_LENGTH]
