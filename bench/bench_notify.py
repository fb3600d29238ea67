"""Event committed -> the local receiver got its notification, vs the store's
own watch latency in the same run.

    .venv/bin/python bench/bench_notify.py [N]

A real `warroom notifier` (subprocess) follows a fresh store with one
`[[notify]]` route on `comms_update` to an Apprise json:// target: an HTTP
receiver in this process on 127.0.0.1.  A writer subprocess appends N
updates, one every 20 ms, recording the monotonic time right after each
append returned; this process records when each reaches the receiver and,
as the baseline, when its own `watch` of the same file yields it.  Target
(issue 13): p99 < 1 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import fresh_incident, summary_ms

from warroom.store.sqlite import SQLiteStore

WRITER = """
import json, sys, time
from warroom.services.incidents import write
from warroom.core.clock import SYSTEM_CLOCK
from warroom.store.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1]); incident_id = sys.argv[2]; count = int(sys.argv[3])
out = open(sys.argv[4], "w")
time.sleep(1.0)
for index in range(count):
    event = write(store, incident_id, "comms_update", "writer",
                  {"text": f"bench-{index}", "audience": "internal"}, SYSTEM_CLOCK, base_seq=1)
    out.write(json.dumps([index, event.id, time.monotonic()]) + "\\n")
    time.sleep(0.02)
out.close()
"""
_INDEX = re.compile(r"bench-(\d+)")


def receiver(got: dict[int, float]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            found = _INDEX.search(body.get("message", ""))
            if found:
                got.setdefault(int(found[1]), time.monotonic())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def watch(store: SQLiteStore, incident_id: str, after: int, count: int) -> dict[str, float]:
    seen: dict[str, float] = {}
    async for event in store.watch(after, incident_id):
        seen[event.id] = time.monotonic()
        if len(seen) == count:
            break
    return seen


def main(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    db = folder / "warroom.db"
    store, incident_id = fresh_incident(db)
    got: dict[int, float] = {}
    server = receiver(got)
    port = server.server_address[1]
    (folder / "config.toml").write_text(
        '[[notify]]\nname = "bench"\non = ["comms_update"]\n'
        f'apprise = ["json://127.0.0.1:{port}/hook"]\nmax_per_minute = 100000\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env.update(
        WARROOM_CONFIG=str(folder / "config.toml"),
        WARROOM_SITE_CONFIG=str(folder / "site.toml"),
        WARROOM_DB=str(db),
    )
    notifier = subprocess.Popen(
        [sys.executable, "-m", "warroom", "notifier"],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)  # the notifier takes the lease (the declaration it catches up: no route)
    log = folder / "writer.jsonl"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), incident_id, str(count), str(log)]
    )
    seen = asyncio.run(watch(store, incident_id, store.last_gseq(), count))
    writer.wait()
    deadline = time.monotonic() + 30
    while len(got) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    notifier.terminate()
    notifier.wait(30)
    server.shutdown()
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    watched = [seen[event_id] - at for _, event_id, at in rows]
    delivered = [got[index] - at for index, _, at in rows if index in got]
    print(f"events: {count}, delivered: {len(delivered)}")
    print(f"watch (cross-process)      {summary_ms(watched)}")
    print(f"commit -> receiver         {summary_ms(delivered)}")
    store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
