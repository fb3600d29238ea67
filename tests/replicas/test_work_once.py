"""Work that must happen once per cause happens once across replicas: the
claim is in PostgreSQL, not in a process.

- Notifications: three replicas with the same `[[notify]]` route each run
  the background sender (one active, two standing by); every event the
  route is on is delivered once, by a real command that appends the event
  JSON it gets on stdin to a file -- also when the active sender's replica
  is stopped midway and a standby takes over.
- Alert grouping: the same Alertmanager group posted at once to all three
  replicas (as an HA pair of Alertmanagers, and more, would) makes one
  incident, each alert stored once.
"""

from __future__ import annotations

import json
import signal
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.alerts.conftest import alertmanager_body
from tests.notify.receiver import until
from tests.replicas.cluster import Cluster, cluster
from tests.server.conftest import Server, auth, declare_body, now_text

INCIDENTS = 12  # declared round robin over the replicas, each then raised to SEV1


def notify_config(out: Path) -> str:
    script = (
        "import json, sys; event = json.load(sys.stdin)['event']; "
        f"open({str(out)!r}, 'a').write(json.dumps(event) + chr(10))"
    )
    command = [sys.executable, "-c", script]
    return (
        "[[notify]]\n"
        'name = "log"\n'
        'on = ["declared", "severity_changed"]\n'
        f"command = {json.dumps(command)}\n"
        "max_per_minute = 10000\n"
    )


def active_sender(group: Cluster) -> Server | None:
    """The replica holding the sender lease, once it has set its cursor (read
    from the lease row: its owner names the process)."""
    with psycopg.connect(group.db_url) as conn:
        row = conn.execute(
            'SELECT owner, lease_until, cursor FROM delivery_sender WHERE "only" = 1'
        ).fetchone()
    if row is None or not row[1] or row[2] < 0:
        return None
    pid = int(row[0].split(":")[1])
    running = [r for r in group.replicas if r.proc is not None and r.proc.poll() is None]
    return next((r for r in running if r.proc is not None and r.proc.pid == pid), None)


def write_round(group: Cluster, up: list[int], first: int, count: int) -> list[str]:
    """Declare `count` incidents through the replicas `up` in turn, and raise
    each to SEV1 through the next one; the ids of the events the route is on."""
    ids = []
    for n in range(first, first + count):
        declared = declare_body(f"Outage {n}", severity=3)
        change = {
            "id": str(uuid.uuid4()),
            "kind": "severity_changed",
            "occurred_at": now_text(),
            "data": {"severity": 1},
        }
        with group.client(up[n % len(up)]) as client:
            answer = client.post("/api/v1/incidents", json=declared)
            assert answer.status_code == 201, answer.text
        with group.client(up[(n + 1) % len(up)]) as client:
            answer = client.post(f"/api/v1/incidents/{declared['incident_id']}/events", json=change)
            assert answer.status_code == 201, answer.text
        ids += [declared["id"], change["id"]]
    return ids


def test_three_replicas_deliver_each_notification_once_also_when_the_active_one_stops(
    tmp_path: Path,
) -> None:
    out = tmp_path / "received.jsonl"
    with cluster(tmp_path, config=notify_config(out), migrate=False) as group:
        # A new store's sender starts at the log's end: write once one is active.
        first = until(lambda: active_sender(group))
        ids = write_round(group, [0, 1, 2], 0, INCIDENTS // 2)
        until(lambda: out.exists() and len(out.read_text().splitlines()) >= len(ids))

        # The active sender's replica stops (SIGTERM: it drops the lease);
        # a standby takes over and delivers what is written meanwhile.
        first.signal(signal.SIGTERM)
        assert first.wait(30) in (0, -signal.SIGTERM)  # (a clean stop)
        up = [index for index, replica in enumerate(group.replicas) if replica is not first]
        ids += write_round(group, up, INCIDENTS // 2, INCIDENTS // 2)
        assert until(lambda: active_sender(group)) is not first

        def all_sent() -> bool:
            with group.client(up[0]) as client:
                rows = client.get("/api/v1/deliveries", params={"all": True}).json()
            return len(rows) == len(ids) and all(row["state"] == "sent" for row in rows)

        until(all_sent)
    # Every replica has stopped: nothing is sending any more.
    received = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert Counter(received) == Counter(ids)  # each once
    assert len(received) == 2 * INCIDENTS


ALERTS_PER_BATCH = 10
BATCHES = 20


def test_one_alert_group_posted_to_all_replicas_at_once_makes_one_incident(
    replicas: Cluster,
) -> None:
    batches = [
        alertmanager_body("Storm", *(f"storm-{b:02}-{n:02}" for n in range(ALERTS_PER_BATCH)))
        for b in range(BATCHES)
    ]

    def send(job: tuple[int, dict[str, Any]]) -> list[str]:
        index, body = job
        with httpx.Client(base_url=replicas.urls[index], timeout=60) as client:
            answer = client.post(
                "/api/v1/alerts/alertmanager", json=body, headers=auth(replicas.token)
            )
        assert answer.status_code == 202, answer.text
        return answer.json()["incidents"]

    # Every batch goes to every replica, the copies side by side in the queue.
    jobs = [(index, body) for body in batches for index in range(len(replicas.replicas))]
    with ThreadPoolExecutor(max_workers=9) as pool:
        answers = list(pool.map(send, jobs))

    assert len({ref for answer in answers for ref in answer}) == 1
    with replicas.client(1) as client:
        incidents = client.get("/api/v1/incidents", params={"all": True}).json()
        stored = client.get("/api/v1/alerts", params={"state": "all", "limit": 10_000}).json()
    incidents = [i for i in incidents if i["declared_by"] == "alerts:alertmanager"]
    assert len(incidents) == 1  # (the store is shared with other tests: theirs are not)
    assert len(stored) == BATCHES * ALERTS_PER_BATCH  # each alert stored once ...
    assert {record["state"] for record in stored} == {"incident"}
    copies = len(replicas.replicas) - 1
    assert sum(record["repeats"] for record in stored) == copies * len(stored)  # ... seen 3x
    kinds = Counter(event["kind"] for event in replicas.events(incidents[0]["id"]))
    assert kinds["declared"] == 1
