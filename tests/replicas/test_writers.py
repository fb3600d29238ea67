"""Three real replicas on one PostgreSQL, six real writer processes: 3,000
events into one incident end as seq 1..3000, each sent event stored exactly
once, and an SSE subscriber on every replica sees all of them, in order,
once.

The writers are user programs on warroom's http client (`writer.py`:
`HTTPStore`, an outbox file each), one request per event (no batches):
the `declared` event and 2,999 notes, spread over the three replicas.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.replicas.cluster import Cluster, Subscriber, Writer, split
from tests.server.conftest import declare

EVENTS = 3_000  # in the incident, its `declared` event included
WRITERS = 6
DEADLINE = 240.0  # seconds for anything to finish: a hang fails, slowness does not


def run_writers(
    group: Cluster, root: Path, incident_id: str, server_of: Any = None
) -> list[Writer]:
    """WRITERS writer processes, writer n on replica n % 3 (or on
    `server_of(n)`), together appending EVENTS - 1 notes."""
    writers = []
    for n, count in enumerate(split(EVENTS - 1, WRITERS)):
        server = server_of(n) if server_of else group.urls[n % len(group.urls)]
        writers.append(
            Writer.start(server, group.token, root / f"writer-{n}", incident_id, f"w{n}", count)
        )
    return writers


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
    group = replicas
    with group.client(0) as client:
        incident_id = declare(client, group.token, "Replicas under load")
    subscribers = [
        Subscriber([url], group.token, incident_id, EVENTS).start() for url in group.urls
    ]
    writers = run_writers(group, tmp_path, incident_id)
    codes = [writer.wait(DEADLINE) for writer in writers]
    seen = [subscriber.join(DEADLINE) for subscriber in subscribers]

    assert codes == [0] * WRITERS, group.logs()
    assert all(writer.synced for writer in writers)
    stored = group.events(incident_id)
    assert_stored_once(stored, writers)
    for index in range(1, len(group.replicas)):  # every replica reads the same log
        assert group.events(incident_id, index) == stored
    for subscriber, events in zip(subscribers, seen, strict=True):
        assert [event["seq"] for event in events] == list(range(1, EVENTS + 1))
        assert events == stored  # the same events, whole, once each
        assert subscriber.connections == 1  # live all along: no resume was needed
