"""Append through the SQLite store vs a raw sqlite3 insert+commit with the same
durability (WAL, synchronous=FULL), interleaved in the same run.

    .venv/bin/python bench/bench_append.py [N]

Target (issue 2): store/raw p50 <= 3.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import fresh_incident, summary_ms

from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import write


def main(count: int = 500) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    store, incident_id = fresh_incident(folder / "store.db")
    raw = sqlite3.connect(folder / "raw.db", isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = FULL")
    raw.execute("CREATE TABLE events (gseq INTEGER PRIMARY KEY, id TEXT UNIQUE, data TEXT)")
    store_times: list[float] = []
    raw_times: list[float] = []
    base_seq = 1
    for index in range(count):
        started = time.perf_counter()
        event = write(
            store,
            incident_id,
            "note",
            "bench",
            {"text": f"note {index}"},
            SYSTEM_CLOCK,
            base_seq=base_seq,
        )
        store_times.append(time.perf_counter() - started)
        base_seq = event.seq or base_seq

        started = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "INSERT INTO events (id, data) VALUES (?, ?)",
            (str(uuid.uuid4()), json.dumps({"text": f"note {index}"})),
        )
        raw.execute("COMMIT")
        raw_times.append(time.perf_counter() - started)
    store.close()
    ratio = statistics.median(store_times) / statistics.median(raw_times)
    print(f"store append : {summary_ms(store_times)}")
    print(f"raw sqlite3  : {summary_ms(raw_times)}")
    print(f"store/raw p50 ratio: {ratio:.2f}  (target <= 3)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
