"""The warroom server on loopback: a real `warroom serve` in a subprocess.

    .venv/bin/python bench/bench_server.py [N]

1. POST of one event, p50/p99, against a direct append to an SQLite store in
   the same run (interleaved; the ratio is the figure that travels).
2. Delivery: from a POST's return to an SSE subscriber receiving the event,
   p50/p99 with 1, 10 and 100 subscribers on one incident's stream (the
   subscribers are lean asyncio readers in one or two other processes; times
   are CLOCK_MONOTONIC, shared by all processes).  A subscriber often reads
   the event before the POSTer has read its answer; such samples count as 0,
   and the figure from the POST's start is printed beside it.  Target
   (issue 4): p99 <= 50 ms at 100 subscribers.
3. Sustained durable throughput: single-event POSTs from 8 writer processes
   (target >= 800 events/s), and batch appends (target >= 10,000 events/s).
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _common import fresh_incident, percentile, summary_ms

from warroom.core.events import make_event
from warroom.server.tokens import TokenStore
from warroom.store.sqlite import SQLiteStore

READY = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")

WRITER = """
import sys, time, uuid
import httpx
url, token, incident_id, start, seconds, out = sys.argv[1:7]
start, seconds = float(start), float(seconds)
headers = {"Authorization": "Bearer " + token}
done = 0
with httpx.Client(base_url=url, timeout=30) as client:
    while time.time() < start:
        time.sleep(0.001)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5))
    while time.time() < start + seconds:
        body = {"id": str(uuid.uuid4()), "kind": "note", "occurred_at": when,
                "data": {"text": "throughput"}}
        answer = client.post(f"/api/v1/incidents/{incident_id}/events", json=body,
                             headers=headers)
        answer.raise_for_status()
        done += 1
open(out, "w").write(str(done))
"""


SUBSCRIBER = """
import asyncio, json, sys, time
from pathlib import Path
from urllib.parse import urlsplit
url, token, path, count, expected, out = sys.argv[1:7]
count, expected = int(count), int(expected)
where = urlsplit(url)

async def subscribe(arrivals, connected):
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    request = (f"GET {path} HTTP/1.1\\r\\nHost: {where.netloc}\\r\\n"
               f"Authorization: Bearer {token}\\r\\n\\r\\n")
    writer.write(request.encode())
    await writer.drain()
    while (await reader.readline()) not in (b"\\r\\n", b""):
        pass
    connected()
    while len(arrivals) < expected:
        line = await reader.readline()
        if not line:
            break
        if line.startswith(b'data: {"id":"'):
            arrivals[line[13:49].decode()] = time.perf_counter()
    writer.close()

async def main():
    arrivals = [{} for _ in range(count)]
    left = [count]
    def connected():
        left[0] -= 1
        if not left[0]:
            Path(out).with_suffix(".ready").touch()
    await asyncio.wait_for(
        asyncio.gather(*(subscribe(a, connected) for a in arrivals)), 120)
    Path(out).write_text(json.dumps(arrivals))

asyncio.run(main())
"""


def _when() -> str:
    return (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _note(text: str, incident_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "kind": "note",
        "occurred_at": _when(),
        "data": {"text": text},
    }
    if incident_id:
        body["incident_id"] = incident_id
    return body


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    db = folder / "server.db"
    with SQLiteStore(db) as store:
        token = TokenStore.for_store(store).create("bench", "responder")
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "warroom", "serve", "--db", str(db), "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = READY.search(log.read_text())
        if found:
            return proc, f"http://127.0.0.1:{found[1]}", token
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the server did not start:\n{log.read_text()}")


def declare(client: httpx.Client, token: str, title: str) -> str:
    body = {
        "id": str(uuid.uuid4()),
        "incident_id": str(uuid.uuid4()),
        "occurred_at": _when(),
        "data": {"title": title, "severity": 2},
    }
    answer = client.post(
        "/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()
    return answer.json()["incident"]["id"]


def bench_post(url: str, token: str, folder: Path, count: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    store, direct_incident = fresh_incident(folder / "direct.db")
    post_times: list[float] = []
    direct_times: list[float] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        incident_id = declare(client, token, "POST benchmark")
        path = f"/api/v1/incidents/{incident_id}/events"
        for _ in range(20):  # warm up the connection and the server
            client.post(path, json=_note("warm-up"), headers=headers).raise_for_status()
        for index in range(count):
            body = _note(f"note {index}")
            started = time.perf_counter()
            client.post(path, json=body, headers=headers).raise_for_status()
            post_times.append(time.perf_counter() - started)

            event = make_event(
                direct_incident, "note", "bench", {"text": f"note {index}"}, datetime.now(UTC)
            )
            started = time.perf_counter()
            store.append(event)
            direct_times.append(time.perf_counter() - started)
    store.close()
    print("1. POST one event vs a direct SQLiteStore.append")
    print(f"   POST        : {summary_ms(post_times)}")
    print(f"   direct      : {summary_ms(direct_times)}")
    p50 = statistics.median(post_times) / statistics.median(direct_times)
    p99 = percentile(post_times, 0.99) / percentile(direct_times, 0.99)
    print(f"   POST/direct ratio: p50 {p50:.2f}  p99 {p99:.2f}")


def bench_delivery(url: str, token: str, folder: Path, posts: int) -> None:
    print("2. delivery: POST return -> SSE subscriber has the event")
    headers = {"Authorization": f"Bearer {token}"}
    for subscribers in (1, 10, 100):
        with httpx.Client(base_url=url, timeout=30) as client:
            incident_id = declare(client, token, f"delivery x{subscribers}")
            path = f"/api/v1/incidents/{incident_id}/stream"
            groups = [subscribers] if subscribers < 100 else [50, 50]
            procs = []
            for index, count in enumerate(groups):
                out = folder / f"sub-{subscribers}-{index}.json"
                args = [url, token, path, str(count), str(posts + 1), str(out)]
                procs.append((subprocess.Popen([sys.executable, "-c", SUBSCRIBER, *args]), out))
            deadline = time.monotonic() + 60
            while not all(out.with_suffix(".ready").exists() for _, out in procs):
                assert time.monotonic() < deadline, "subscribers did not connect"
                time.sleep(0.05)
            time.sleep(0.5)
            returned: dict[str, float] = {}
            sent: dict[str, float] = {}
            for index in range(posts):
                body = _note(f"live {index}")
                sent[body["id"]] = time.perf_counter()
                answer = client.post(
                    f"/api/v1/incidents/{incident_id}/events", json=body, headers=headers
                )
                answer.raise_for_status()
                returned[body["id"]] = time.perf_counter()
                time.sleep(0.02)
        from_return: list[float] = []
        from_send: list[float] = []
        early = missing = 0
        for proc, out in procs:
            proc.wait(60)
            for arrivals in json.loads(out.read_text()):
                for event_id, at in returned.items():
                    if event_id not in arrivals:
                        missing += 1
                        continue
                    early += arrivals[event_id] < at
                    from_return.append(max(0.0, arrivals[event_id] - at))
                    from_send.append(arrivals[event_id] - sent[event_id])
        print(
            f"   {subscribers:>3} subscribers: {summary_ms(from_return)}"
            f"  [{100 * early / len(from_return):.0f}% before the POST returned;"
            f" from POST start p50 {statistics.median(from_send) * 1000:.2f},"
            f" p99 {percentile(from_send, 0.99) * 1000:.2f} ms]"
        )
        if missing:
            print(f"   !! {missing} deliveries missing")


def bench_throughput(url: str, token: str, folder: Path, seconds: float = 3.0) -> None:
    print("3. sustained durable throughput")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=60) as client:
        incident_id = declare(client, token, "throughput")
        start = time.time() + 3.0
        outs = [folder / f"writer-{n}.txt" for n in range(8)]
        args = [url, token, incident_id, str(start), str(seconds)]
        writers = [
            subprocess.Popen([sys.executable, "-c", WRITER, *args, str(out)]) for out in outs
        ]
        for proc in writers:
            proc.wait(120)
        total = sum(int(out.read_text()) for out in outs)
        print(f"   single-event POSTs, 8 writer processes: {total / seconds:,.0f} events/s")

        batches = 0
        size = 1000
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            events = [_note("batched", incident_id) for _ in range(size)]
            client.post(
                "/api/v1/events/batch", json={"events": events}, headers=headers
            ).raise_for_status()
            batches += 1
        took = time.perf_counter() - began
        print(f"   batch appends ({size} a batch), 1 client: {batches * size / took:,.0f} events/s")


def main(count: int = 300) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-server-"))
    proc, url, token = start_server(folder)
    try:
        bench_post(url, token, folder, count)
        bench_delivery(url, token, folder, posts=100)
        bench_throughput(url, token, folder)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
