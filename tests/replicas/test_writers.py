"""Three real replicas on one PostgreSQL, six real writer processes: 3,000
events into one incident end as seq 1..3000, each sent event stored exactly
once, and an SSE subscriber on every replica sees all of them, in order,
once -- also when one replica is killed (SIGKILL) in the middle of the run.

The writers are user programs on warroom's http client (`writer.py`:
`HTTPStore`, an outbox file each): the `declared` event and 2,999 notes,
spread over the three replicas.  Requests: in the first run, on each
replica one writer sends one request per event (as `warroom note` does) and
one sends batches of BATCH events (`append_many`: one request, all or
none); the run with the kill sends batches only.  Batches, because one
request per event for all 3,000 costs about 70 CPU seconds (clients and
servers), twice the rest of this directory, on a 2-core machine; and a
lost answer to a whole batch is the harder retry.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.replicas.cluster import Cluster, Subscriber, Writer, cluster, split
from tests.server.conftest import declare

EVENTS = 3_000  # in the incident, its `declared` event included
WRITERS = 6
BATCH = 10  # events per request of a batch writer
DEADLINE = 600.0  # seconds for anything to finish: a hang fails, slowness does not


def run_writers(
    group: Cluster, root: Path, incident_id: str, server_of: Any, batch_of: Any
) -> list[Writer]:
    """WRITERS writer processes, writer n on `server_of(n)` sending
    `batch_of(n)` events per request, together appending EVENTS - 1 notes."""
    writers = []
    for n, count in enumerate(split(EVENTS - 1, WRITERS)):
        folder = root / f"writer-{n}"
        writers.append(
            Writer.start(
                server_of(n), group.token, folder, incident_id, f"w{n}", count, batch_of(n)
            )
        )
    return writers


def rotated(items: list[str], n: int) -> list[str]:
    return items[n % len(items) :] + items[: n % len(items)]


def assert_stored_once(events: list[dict[str, Any]], writers: list[Writer]) -> None:
    """seq 1..EVENTS, gapless; every id sent stored once; each writer's notes in its order."""
    assert [event["seq"] for event in events] == list(range(1, EVENTS + 1))
    ids = [event["id"] for event in events]
    assert len(set(ids)) == EVENTS
    sent = [event_id for writer in writers for event_id in writer.sent]
    assert len(sent) == EVENTS - 1 and Counter(ids[1:]) == Counter(sent)
    texts = [event["data"]["text"] for event in events if event["kind"] == "note"]
    for n, writer in enumerate(writers):
        mine = [text for text in texts if text.startswith(f"w{n}-")]
        assert mine == [f"w{n}-{i}" for i in range(len(writer.sent))]


def test_six_writers_on_three_replicas_make_seq_1_to_3000_seen_in_order_on_every_replica(
    replicas: Cluster, tmp_path: Path
) -> None:
    with replicas.client(0) as client:
        incident_id = declare(client, replicas.token, "Replicas under load")
    subscribers = [
        Subscriber([url], replicas.token, incident_id, EVENTS).start() for url in replicas.urls
    ]
    urls = replicas.urls
    writers = run_writers(
        replicas,
        tmp_path,
        incident_id,
        server_of=lambda n: urls[n % len(urls)],
        batch_of=lambda n: 1 if n < len(urls) else BATCH,
    )
    codes = [writer.wait(DEADLINE) for writer in writers]
    seen = [subscriber.join(DEADLINE) for subscriber in subscribers]

    assert codes == [0] * WRITERS, replicas.logs()
    assert all(writer.synced for writer in writers)
    stored = replicas.events(incident_id)
    assert_stored_once(stored, writers)
    for index in range(1, len(replicas.replicas)):  # every replica reads the same log
        assert replicas.events(incident_id, index) == stored
    for subscriber, events in zip(subscribers, seen, strict=True):
        assert [event["seq"] for event in events] == list(range(1, EVENTS + 1))
        assert events == stored  # the same events, whole, once each
        assert subscriber.connections == 1  # live all along: no resume was needed


def test_a_replica_killed_mid_run_loses_nothing_and_stores_nothing_twice(tmp_path: Path) -> None:
    """Every client is given all three URLs (`--server A,B,C`), each starting
    on a different one; replica B is killed once a third of the events are
    in, while writers and a subscriber are on it.  The writers fail over,
    their outboxes are drained (`sync`), and the subscriber on B resumes on
    another replica with Last-Event-ID."""
    with cluster(tmp_path) as group:
        urls = group.urls
        with group.client(0) as client:
            incident_id = declare(client, group.token, "Replica killed")
        subscribers = [
            Subscriber(rotated(urls, n), group.token, incident_id, EVENTS).start()
            for n in range(len(urls))
        ]
        writers = run_writers(
            group,
            tmp_path,
            incident_id,
            server_of=lambda n: ",".join(rotated(urls, n)),
            batch_of=lambda n: BATCH,
        )
        deadline = time.monotonic() + DEADLINE
        while sum(len(w.sent) for w in writers) < EVENTS // 3 or not all(w.sent for w in writers):
            assert time.monotonic() < deadline, group.logs()
            time.sleep(0.05)
        victim = group.replicas[1]
        victim.signal(signal.SIGKILL)
        victim.wait(10)
        assert sum(len(w.sent) for w in writers) < EVENTS - 1  # killed mid-run
        codes = [writer.wait(DEADLINE) for writer in writers]
        seen = [subscriber.join(DEADLINE) for subscriber in subscribers]

        assert codes == [0] * WRITERS, group.logs()
        assert all(writer.synced for writer in writers)
        stored = group.events(incident_id, 0)
        assert_stored_once(stored, writers)
        assert group.events(incident_id, 2) == stored
        for events in seen:
            assert [event["seq"] for event in events] == list(range(1, EVENTS + 1))
            assert events == stored
        assert subscribers[1].connections >= 2  # B's subscriber went on elsewhere
        # The users who were on B: `warroom sync` finds nothing left in their outboxes.
        for writer in writers[1 :: len(urls)]:
            synced = writer.warroom(",".join(urls), group.token, "sync")
            assert (synced.returncode, synced.stdout.strip()) == (0, "nothing pending")
