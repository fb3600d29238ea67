"""A separate writer process for the multi-process and crash tests.

python writer.py batch DB INCIDENT_ID COUNT
    opens the store, prints "ready", waits for a line on stdin, appends
    COUNT notes, then prints one JSON line: {"ids": [...], "errors": [...]}.
    Every error an append raised is reported, none is retried.

python writer.py first DB
    prints "ready", waits for a line on stdin, then opens the store (maybe
    creating the file, racing other processes) and declares one incident;
    prints one JSON line: {"ref": "INC-n"} or {"error": "..."}.

python writer.py stream DB INCIDENT_ID
    appends notes until killed, printing each event's id (flushed) only
    after `append` has returned.
"""

from __future__ import annotations

import json
import sys

from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.events import make_event
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore


def batch(db: str, incident_id: str, count: int) -> int:
    store = SQLiteStore(db)
    print("ready", flush=True)
    sys.stdin.readline()
    ids: list[str] = []
    errors: list[str] = []
    for n in range(count):
        event = make_event(incident_id, "note", "writer", {"text": f"n{n}"}, SYSTEM_CLOCK.now())
        try:
            ids.append(store.append(event).id)
        except Exception as error:  # report everything: the test asserts there is none
            errors.append(f"{type(error).__name__}: {error}")
    store.close()
    print(json.dumps({"ids": ids, "errors": errors}), flush=True)
    return 0


def first(db: str) -> int:
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        with SQLiteStore(db) as store:
            ref = declare(store, "writer", SYSTEM_CLOCK, "first use").ref
    except Exception as error:  # report everything: the test asserts there is none
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        return 1
    print(json.dumps({"ref": ref}), flush=True)
    return 0


def stream(db: str, incident_id: str) -> int:
    store = SQLiteStore(db)
    n = 0
    while True:
        n += 1
        event = make_event(incident_id, "note", "crasher", {"text": f"n{n}"}, SYSTEM_CLOCK.now())
        store.append(event)
        print(event.id, flush=True)


if __name__ == "__main__":
    mode, db = sys.argv[1:3]
    if mode == "first":
        sys.exit(first(db))
    if mode == "batch":
        sys.exit(batch(db, sys.argv[3], int(sys.argv[4])))
    sys.exit(stream(db, sys.argv[3]))
