"""The documented payload samples (tests/alerts/payloads), read fresh for each use."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> Any:
    """A sample body by file name without `.json` (a new copy each time)."""
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def alertmanager_body(group: str, *fingerprints: str, status: str = "firing") -> dict[str, Any]:
    """The documented Alertmanager body, for its own group and alerts."""
    body = payload("alertmanager_firing" if status == "firing" else "alertmanager_resolved")
    body["groupKey"] = f'{{}}/{{severity="critical"}}:{{alertname="{group}"}}'
    template = body["alerts"][0]
    body["alerts"] = []
    for fingerprint in fingerprints:
        alert = copy.deepcopy(template)
        alert["fingerprint"] = fingerprint
        alert["labels"]["alertname"] = group
        alert["labels"]["instance"] = fingerprint
        body["alerts"].append(alert)
    return body
