"""A writer process for the replica tests: a user's program on warroom's
http client (`HTTPStore`, with an outbox file of its own).

python writer.py SERVER TOKEN OUTBOX INCIDENT_ID NAME COUNT [BATCH]

Appends COUNT notes "NAME-0", "NAME-1", ... to the incident, one `append`
(one request) each, or BATCH at a time with `append_many` (one request per
batch), and prints each event's id (flushed) once the call has returned: by
then the event is stored, or queued in the durable outbox.
Then it delivers what is still queued (`sync`, as `warroom sync` does) and
prints "synced" once nothing is pending.  SERVER is what the client is given
(`--server`: one URL, or several separated by commas for a client that
fails over).
"""

from __future__ import annotations

import sys
import time

from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.events import make_event
from warroom.store.http import HTTPStore

SYNC_SECONDS = 60.0


def main(
    server: str, token: str, outbox: str, incident_id: str, name: str, count: int, batch: int = 1
) -> int:
    store = HTTPStore(server, token, outbox)
    try:
        store.incident(incident_id)  # a client works on an incident it has seen (and cached)
        actor = store.actor or name
        for start in range(0, count, batch):
            events = [
                make_event(incident_id, "note", actor, {"text": f"{name}-{n}"}, SYSTEM_CLOCK.now())
                for n in range(start, min(start + batch, count))
            ]
            if batch == 1:
                store.append(events[0])
            else:
                store.append_many(events)
            print("\n".join(event.id for event in events), flush=True)
        deadline = time.monotonic() + SYNC_SECONDS
        while True:
            report = store.sync()
            if not report.pending and not report.rejected:
                print("synced", flush=True)
                return 0
            if time.monotonic() > deadline:
                print(
                    f"still pending: {len(report.pending)}, rejected: {len(report.rejected)}",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.2)
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6], *map(int, sys.argv[6:8])))
