"""Alerts in: a real `warroom serve` taking Alertmanager and PagerDuty posts.

    .venv/bin/python bench/bench_alerts.py [N] [webhook] [storm]

(N: requests timed per body size in 1.; name sections to run only those.)

1. webhook: POST /api/v1/alerts/alertmanager with an Alertmanager body
   (version 4) of 1 and of 100 new alerts of one group (critical: they go to
   the group's one incident) and of 100 alerts re-sent (as at every
   repeat_interval: only their last-seen time changes), p50/p99, against a
   plain authenticated GET of the same server (/api/v1/me) in the same run,
   interleaved; the ratios are the figures that travel.  Lean keep-alive `http.client` connections.
2. storm: 2,000 alerts of one group in 10 s, on a fresh server each:
   a. as Alertmanager sends them (the whole group at each of 10 group
      intervals: bodies of 200, 400, ... 2,000 alerts, one after another);
   b. in bodies of 100 new alerts (20 bodies, 2 senders);
   c. as 2,000 single PagerDuty events (/v2/enqueue, 4 senders).
   Time from the storm's start until all 2,000 are in the alerts table (read
   from the SQLite file), and the request times under it (p50/p99; aim p99
   < 100 ms for the 100-alert bodies and the single events).
"""

from __future__ import annotations

import http.client
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _common import percentile, summary_ms

from tests.alerts.storm import (
    PAGERDUTY_STORM_RULES,
    am_body,
    batch_bodies,
    cumulative_bodies,
    paced,
    pagerduty_event,
    storm_alerts,
)
from tests.alerts.warroom import ALERTMANAGER_PATH, PAGERDUTY_PATH, AlertServer, start_alert_server

STORM = 2000
SECONDS = 10.0
GROUP = {"alertname": "CheckoutStorm"}


def _connection(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.connect()
    return connection


def _timed(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    token: str,
    body: Any = None,
) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection.request(method, path, data, headers)
    answer = connection.getresponse()
    text = answer.read()
    took = time.perf_counter() - started
    if answer.status >= 300:
        raise SystemExit(f"{method} {path}: HTTP {answer.status} {text[:300]!r}")
    return took


def bench_webhook(served: AlertServer, count: int) -> None:
    print("1. webhook request vs a plain authenticated GET (/api/v1/me), same server")
    connection = _connection(served.url)
    reader = served.reader
    alerts = storm_alerts(count * 101 + 300, alertname="WebhookBench")
    cursor = 0

    def body(size: int) -> dict[str, Any]:
        nonlocal cursor
        cursor += size
        return am_body(alerts[cursor - size : cursor], GROUP | {"alertname": "WebhookBench"})

    for _ in range(20):  # warm up; the group's incident is declared here
        _timed(connection, "POST", ALERTMANAGER_PATH, served.alerts_token, body(1))
        _timed(connection, "GET", "/api/v1/me", reader)
    again = body(100)  # re-sent every time, as at each repeat_interval
    _timed(connection, "POST", ALERTMANAGER_PATH, served.alerts_token, again)
    times: dict[str, list[float]] = {"GET": [], "1 new": [], "100 new": [], "100 re-sent": []}
    token = served.alerts_token
    for _ in range(count):
        times["GET"].append(_timed(connection, "GET", "/api/v1/me", reader))
        times["1 new"].append(_timed(connection, "POST", ALERTMANAGER_PATH, token, body(1)))
        times["100 new"].append(_timed(connection, "POST", ALERTMANAGER_PATH, token, body(100)))
        times["100 re-sent"].append(_timed(connection, "POST", ALERTMANAGER_PATH, token, again))
    connection.close()
    get = times["GET"]
    print(f"   GET /api/v1/me            : {summary_ms(get)}")
    for name, posted in times.items():
        if name == "GET":
            continue
        p50 = statistics.median(posted) / statistics.median(get)
        p99 = percentile(posted, 0.99) / percentile(get, 0.99)
        print(f"   webhook, {name:<16} : {summary_ms(posted)}")
        print(f"      ratio to the GET        : p50 {p50:.2f}  p99 {p99:.2f}")


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _storm(
    folder: Path,
    name: str,
    config: str,
    path: str,
    make_bodies: Callable[[AlertServer], list[dict[str, Any]]],
    workers: int,
) -> None:
    served = start_alert_server(folder / name.replace(" ", "-").replace(",", ""), config)
    bodies = make_bodies(served)
    headers = {} if path == PAGERDUTY_PATH else {"Authorization": f"Bearer {served.alerts_token}"}
    all_stored: list[float] = []
    began = time.perf_counter()

    def watch() -> None:
        while _stored(served.server.db) < STORM:
            if time.perf_counter() - began > 300:
                return
            time.sleep(0.05)
        all_stored.append(time.perf_counter() - began)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        sent = paced(served.url, path, bodies, SECONDS, headers, workers=workers, timeout=60)
        answered = time.perf_counter() - began
        watcher.join(300)
        incidents = len(served.incidents())
    finally:
        served.client.close()
        served.server.stop()
    stored = f"{all_stored[0]:.2f} s" if all_stored else "NOT all stored"
    print(
        f"   {name:<28}: all {STORM} stored after {stored}"
        f" (sent over {SECONDS:g} s, the last answer at {answered:.2f} s)"
    )
    print(
        f"      requests {summary_ms(sent.times)}  retries {sent.retries}"
        f"  refused {len(sent.refused)}  incidents {incidents}"
    )


def bench_storm(folder: Path) -> None:
    print(f"2. storm: {STORM} alerts of one group in {SECONDS:g} s (fresh server each)")
    alerts = storm_alerts(STORM)
    _storm(
        folder,
        "alertmanager, whole group x10",
        "",
        ALERTMANAGER_PATH,
        lambda served: cumulative_bodies(alerts, 10, GROUP),
        workers=1,
    )
    _storm(
        folder,
        "alertmanager, 100 a body",
        "",
        ALERTMANAGER_PATH,
        lambda served: batch_bodies(alerts, 100, GROUP),
        workers=2,
    )
    _storm(
        folder,
        "pagerduty, single events",
        PAGERDUTY_STORM_RULES,
        PAGERDUTY_PATH,
        lambda served: [pagerduty_event(served.alerts_token, n) for n in range(STORM)],
        workers=4,
    )


SECTIONS = ("webhook", "storm")


def main(count: int = 300, sections: tuple[str, ...] = SECTIONS) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-alerts-"))
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    if "webhook" in sections:
        served = start_alert_server(folder / "webhook")
        try:
            bench_webhook(served, count)
        finally:
            served.client.close()
            served.server.stop()
    if "storm" in sections:
        bench_storm(folder)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    names = tuple(arg for arg in sys.argv[1:] if arg in SECTIONS)
    main(int(numbers[0]) if numbers else 300, names or SECTIONS)
