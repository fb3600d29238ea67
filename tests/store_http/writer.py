"""A client process for the fault tests: appends through an http store until killed.

python writer.py URL TOKEN OUTBOX INCIDENT_ID START

Appends notes "n<START>", "n<START+1>", ... to the incident, printing each
event's id (flushed) only after `append` has returned: by then it is in the
durable outbox (delivered or pending).  Never closes the store: the test
kills it with SIGKILL.
"""

from __future__ import annotations

import sys

from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.events import make_event
from warroom.store.http import HTTPStore


def main(url: str, token: str, outbox: str, incident_id: str, start: int) -> None:
    store = HTTPStore(url, token, outbox)
    store.incident(incident_id)  # a client works on an incident it has seen (and cached)
    actor = store.actor or "writer"
    n = start
    while True:
        event = make_event(incident_id, "note", actor, {"text": f"n{n}"}, SYSTEM_CLOCK.now())
        store.append(event)
        print(event.id, flush=True)
        n += 1


if __name__ == "__main__":
    main(*sys.argv[1:5], int(sys.argv[5]))
