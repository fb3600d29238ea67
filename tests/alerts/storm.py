"""Alert storms as the monitors send them, for the storm tests and
bench/bench_alerts.py: Alertmanager webhook bodies (version 4, built the way
Alertmanager builds them for one group), PagerDuty Events v2 events, and a
paced sender that retries as Alertmanager does (5xx, refused connections and
timeouts are retried with a backoff; a 4xx is not)."""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

AM_NEVER = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of a firing alert
EXTERNAL_URL = "http://alertmanager.example.org:9093"


def minutes_ago(minutes: float) -> str:
    """A time `minutes` before now as Alertmanager writes it."""
    moment = datetime.now(UTC) - timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable 16-hex-digit fingerprint of a label set (Alertmanager's is a
    hash of the sorted labels, like this one)."""
    text = "\xff".join(f"{name}\xff{value}" for name, value in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def group_key(group_labels: Mapping[str, str]) -> str:
    """Alertmanager's groupKey for the root route: `{}:{name="value", ...}`."""
    pairs = ", ".join(f'{name}="{value}"' for name, value in sorted(group_labels.items()))
    return "{}:{" + pairs + "}"


def am_alert(
    labels: Mapping[str, str],
    *,
    summary: str = "",
    starts_at: str | None = None,
    ends_at: str | None = None,
) -> dict[str, Any]:
    """One alert of a webhook body; resolved when `ends_at` is given."""
    return {
        "status": "resolved" if ends_at else "firing",
        "labels": dict(labels),
        "annotations": {"summary": summary or f"{labels.get('alertname', 'alert')} firing"},
        "startsAt": starts_at or minutes_ago(2),
        "endsAt": ends_at or AM_NEVER,
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": fingerprint(labels),
    }


def am_body(alerts: Sequence[Mapping[str, Any]], group_labels: Mapping[str, str]) -> dict[str, Any]:
    """The webhook body Alertmanager sends for one group holding `alerts`."""
    label_sets = [alert["labels"] for alert in alerts]
    common = dict(label_sets[0]) if label_sets else {}
    for labels in label_sets[1:]:
        common = {name: value for name, value in common.items() if labels.get(name) == value}
    firing = any(alert["status"] == "firing" for alert in alerts)
    return {
        "receiver": "warroom",
        "status": "firing" if firing else "resolved",
        "alerts": [dict(alert) for alert in alerts],
        "groupLabels": dict(group_labels),
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": EXTERNAL_URL,
        "version": "4",
        "groupKey": group_key(group_labels),
        "truncatedAlerts": 0,
    }


def storm_alerts(count: int, alertname: str = "CheckoutStorm") -> list[dict[str, Any]]:
    """`count` distinct firing alerts of one group (`alertname`), one instance each."""
    began = minutes_ago(2)
    return [
        am_alert(
            {
                "alertname": alertname,
                "instance": f"pod-{index:05d}:9100",
                "job": "checkout-api",
                "severity": "critical",
            },
            summary=f"checkout pod {index} failing",
            starts_at=began,
        )
        for index in range(count)
    ]


def cumulative_bodies(
    alerts: Sequence[Mapping[str, Any]], sends: int, group_labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """What Alertmanager sends when `alerts` arrive evenly over `sends` group
    intervals: at each interval the whole group so far (the new alerts and
    every one sent before)."""
    bodies = []
    for send in range(1, sends + 1):
        upto = round(len(alerts) * send / sends)
        bodies.append(am_body(alerts[:upto], group_labels))
    return bodies


def batch_bodies(
    alerts: Sequence[Mapping[str, Any]], size: int, group_labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The alerts cut into bodies of `size` new alerts each (one group)."""
    return [am_body(alerts[at : at + size], group_labels) for at in range(0, len(alerts), size)]


def pagerduty_event(
    routing_key: str, index: int, group: str = "storm", action: str = "trigger"
) -> dict[str, Any]:
    """One PagerDuty Events API v2 event of a storm: its own dedup_key, the
    shared `payload.group` (a rule groups the storm by it)."""
    return {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": f"{group}-{index:05d}",
        "payload": {
            "summary": f"checkout pod {index} failing",
            "source": f"pod-{index:05d}.checkout.example.org",
            "severity": "critical",
            "component": "checkout-api",
            "group": group,
            "class": "availability",
        },
        "client": "storm test",
    }


# A rule that groups the PagerDuty storm into one incident (config.toml).
PAGERDUTY_STORM_RULES = """\
[[alert_rules]]
name = "pagerduty storm"
source = "pagerduty"
match = { group = "storm" }
action = "declare"
severity = 2
group_by = ["group"]
"""


@dataclass
class Sent:
    """What a paced send did: per request the time of its successful attempt,
    and the counts of retries and refusals."""

    times: list[float] = field(default_factory=list)  # seconds, the answered attempt
    retries: int = 0
    refused: list[str] = field(default_factory=list)  # 4xx answers (not retried)
    answers: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def send_with_retry(
    client: httpx.Client,
    path: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    sent: Sent,
    *,
    give_up_after: float = 120.0,
) -> None:
    """POST until a 2xx (retrying 5xx, refused connections and timeouts with
    a backoff up to 1 s, as Alertmanager does); a 4xx is recorded, not retried."""
    backoff = 0.05
    deadline = time.monotonic() + give_up_after
    while True:
        started = time.perf_counter()
        try:
            answer = client.post(path, json=body, headers=dict(headers))
        except httpx.TransportError:
            answer = None
        took = time.perf_counter() - started
        if answer is not None and answer.status_code < 300:
            with sent.lock:
                sent.times.append(took)
                sent.answers.append(answer.json() if answer.content else {})
            return
        if answer is not None and answer.status_code < 500:
            with sent.lock:
                sent.refused.append(f"{answer.status_code} {answer.text[:200]}")
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{path}: no answer after {give_up_after:g} s of retries")
        with sent.lock:
            sent.retries += 1
        time.sleep(backoff)
        backoff = min(1.0, backoff * 2)


def paced(
    base_url: str,
    path: str,
    bodies: Sequence[Mapping[str, Any]],
    seconds: float,
    headers: Mapping[str, str],
    *,
    workers: int = 4,
    timeout: float = 10.0,
    during: Callable[[int], None] | None = None,
) -> Sent:
    """Send `bodies` spread evenly over `seconds` (body i at i*seconds/n) from
    `workers` threads with keep-alive connections, each retried until taken.
    `during(i)` is called once body i is due (e.g. to kill the server)."""
    sent = Sent()
    jobs: queue.Queue[tuple[float, Mapping[str, Any]] | None] = queue.Queue()
    start = time.monotonic() + 0.1
    step = seconds / max(1, len(bodies))
    for index, body in enumerate(bodies):
        jobs.put((start + index * step, body))
    errors: list[BaseException] = []

    def work() -> None:
        with httpx.Client(base_url=base_url, timeout=timeout) as client:
            while (job := jobs.get()) is not None:
                due, body = job
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    send_with_retry(client, path, body, headers, sent)
                except BaseException as error:  # reported by the caller
                    errors.append(error)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.start()
    if during is not None:
        for index in range(len(bodies)):
            time.sleep(max(0.0, start + index * step - time.monotonic()))
            during(index)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sent
