"""The PostgreSQL store (issue 15): appends, replicas, cross-replica delivery.

    .venv/bin/python bench/bench_postgres.py [N] [append] [throughput] [delivery]
        [--profile] [--subscribers=100]

Needs the PostgreSQL of WARROOM_TEST_PG (default the machine's, see
tests/pg.py); each section works in a fresh schema, dropped afterwards.
(N: appends timed in 1.; name sections to run only those.)

1. append: `PostgresStore.append` of a note into an incident, p50/p99,
   against a raw psycopg INSERT of a comparable row into a scratch table
   plus its commit, on another connection of the same database
   (interleaved).  Target: store/raw p50 <= 3 (SQLite's, bench_append.py).
   `--profile` prints where the store's appends spend their time (cProfile).
2. throughput: single-event POSTs from 8 writer processes (bench_server.py's
   lean http.client writers) for SECONDS, against 1 `warroom serve` replica
   and against 3 replicas on the same schema (the writers round-robin over
   them), and against one server on SQLite (the baseline: bench_server.py's
   figure), in turn, ROUNDS times; events/s, and the ratio 3/1.  Check on
   this 2-core machine: 3 replicas are not slower than 1 (PASS/FAIL).
3. delivery: 100 SSE subscribers (httpx streams in one asyncio process,
   reading raw chunks: `aiter_lines` cost twice the CPU) spread over
   replicas B and C, events POSTed to replica A one at a time; from the
   POST's send to each subscriber's receipt, p50/p99.  Baseline in the same
   run: the 100 subscribers on replica A itself (woken by its own commit,
   no NOTIFY).  Also printed: the POSTs' own time, the first subscriber's
   receipt of each event, the subscribers' CPU.  Target: cross-replica
   p99 <= 100 ms.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from _common import percentile, summary_ms
from bench_server import READY, WRITER, _note, _writers, declare, start_server
from pg import fresh_schema

from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.events import make_event
from warroom.server.tokens import TokenStore
from warroom.services.incidents import declare as declare_incident
from warroom.store.postgres import PostgresStore

SECONDS = 5.0  # each throughput run
ROUNDS = 2  # throughput runs of each shape, alternating
WRITERS = 8
SUBSCRIBERS = 100
DELIVERIES = 150  # events POSTed in each delivery run
SPACING = 0.02  # seconds between them


@contextmanager
def schema() -> Iterator[str]:
    """A fresh schema's URL; exits with the reason when PostgreSQL is not there."""
    try:
        with fresh_schema() as url:
            yield url
    except pytest.skip.Exception as why:
        raise SystemExit(str(why)) from None


# -- 1. append ---------------------------------------------------------------


def bench_append(count: int, profile: bool) -> None:
    with schema() as url, PostgresStore(url, migrate=True) as store:
        incident_id = declare_incident(store, "bench", SYSTEM_CLOCK, title="bench", severity=2).id
        with psycopg.connect(url) as raw:
            raw.execute(
                "CREATE TABLE scratch (gseq BIGSERIAL PRIMARY KEY, id TEXT UNIQUE, data TEXT)"
            )
            raw.commit()
            store_times: list[float] = []
            raw_times: list[float] = []
            for index in range(count + 20):  # the first 20: warm-up (prepared statements)
                event = make_event(incident_id, "note", "bench", {"text": f"note {index}"}, _now())
                started = time.perf_counter()
                store.append(event)
                store_took = time.perf_counter() - started

                started = time.perf_counter()
                raw.execute(
                    "INSERT INTO scratch (id, data) VALUES (%s, %s)",
                    (str(uuid.uuid4()), json.dumps({"text": f"note {index}"})),
                )
                raw.commit()
                raw_took = time.perf_counter() - started
                if index >= 20:
                    store_times.append(store_took)
                    raw_times.append(raw_took)
            if profile:
                _profile(store, incident_id, count)
    ratio = statistics.median(store_times) / statistics.median(raw_times)
    print("1. append: PostgresStore.append vs raw psycopg INSERT + commit")
    print(f"   store append : {summary_ms(store_times)}")
    print(f"   raw psycopg  : {summary_ms(raw_times)}")
    p99 = percentile(store_times, 0.99) / percentile(raw_times, 0.99)
    print(f"   store/raw ratio: p50 {ratio:.2f}  p99 {p99:.2f}  (target p50 <= 3)")


def _profile(store: PostgresStore, incident_id: str, count: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(count):
        store.append(make_event(incident_id, "note", "bench", {"text": f"p {index}"}, _now()))
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)


def _now() -> datetime:
    return datetime.now(UTC)


# -- replicas ----------------------------------------------------------------


@contextmanager
def replicas(url: str, folder: Path, count: int) -> Iterator[list[str]]:
    """`count` real `warroom serve` processes on `url`; their base URLs."""
    with ExitStack() as stack:
        logs = [folder / f"replica-{uuid.uuid4().hex[:8]}.log" for _ in range(count)]
        procs = []
        for log in logs:
            with log.open("wb") as out:
                command = [sys.executable, "-m", "warroom", "serve", "--db", url, "--port", "0"]
                procs.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT))
            stack.callback(_stop, procs[-1])
        yield [_address(log, proc) for log, proc in zip(logs, procs, strict=True)]


def _address(log: Path, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = READY.search(log.read_text())
        if found:
            return f"http://127.0.0.1:{found[1]}"
        time.sleep(0.05)
    raise SystemExit(f"a replica did not start:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _token(url: str) -> str:
    with PostgresStore(url, migrate=True) as store:
        return TokenStore.for_store(store).create("bench", "responder")


# -- 2. throughput -----------------------------------------------------------


def bench_throughput(seconds: float = SECONDS, rounds: int = ROUNDS) -> bool:
    print(f"2. throughput: single-event POSTs from {WRITERS} writer processes ({seconds:g} s each)")
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-pg-"))
    results: dict[str, list[float]] = {"sqlite": [], "1": [], "3": []}
    sqlite, sqlite_url, sqlite_token = start_server(folder)
    try:
        with httpx.Client(base_url=sqlite_url, timeout=60) as client:
            sqlite_incident = declare(client, sqlite_token, "throughput")
        with schema() as url:
            token = _token(url)
            with replicas(url, folder, 3) as urls:
                with httpx.Client(base_url=urls[0], timeout=60) as client:
                    incident_id = declare(client, token, "throughput")
                for round_ in range(rounds):
                    for shape in results:
                        if shape == "sqlite":
                            args = [[sqlite_url, sqlite_token, sqlite_incident]] * WRITERS
                        else:
                            used = urls[: int(shape)]
                            args = [
                                [used[n % len(used)], token, incident_id] for n in range(WRITERS)
                            ]
                        rate = _writers(WRITER, args, folder, f"r{round_}-{shape}", seconds)
                        results[shape].append(rate)
                        print(f"   round {round_ + 1}, {_SHAPES[shape]:<26}: {rate:7,.0f} events/s")
    finally:
        _stop(sqlite)
    base, one, three = (statistics.median(results[shape]) for shape in ("sqlite", "1", "3"))
    print(f"   median of {rounds}: {_SHAPES['sqlite']} {base:,.0f} events/s;")
    print(f"   PostgreSQL, 1 replica {one:,.0f} events/s ({one / base:.2f} x SQLite);")
    print(f"   PostgreSQL, 3 replicas {three:,.0f} events/s ({three / base:.2f} x SQLite)")
    ratio = three / one
    verdict = "PASS" if ratio >= 1 else "FAIL"
    print(f"   3 replicas / 1 replica: {ratio:.2f}: {verdict} (3 replicas not slower than 1)")
    return ratio >= 1


_SHAPES = {
    "sqlite": "1 server on SQLite",
    "1": "PostgreSQL, 1 replica",
    "3": "PostgreSQL, 3 replicas",
}


# -- 3. delivery -------------------------------------------------------------

SUBSCRIBER = """
import asyncio, json, sys, time
from pathlib import Path
import httpx
token, path, count, expected, out, *urls = sys.argv[1:]
count, expected = int(count), int(expected)
headers = {"Authorization": "Bearer " + token}
MARK = b'data: {"id":"'

async def subscribe(client, arrivals, connected):
    async with client.stream("GET", path, headers=headers) as response:
        response.raise_for_status()
        connected()
        async for chunk in response.aiter_raw():  # frames: id: N\\ndata: {"id":"<uuid>"...
            at = time.perf_counter()
            start = chunk.find(MARK)
            while start >= 0:
                arrivals[chunk[start + 13 : start + 49].decode()] = at
                start = chunk.find(MARK, start + 49)
            if len(arrivals) == expected:
                return

async def main():
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(120, connect=30)
    clients = [httpx.AsyncClient(base_url=u, limits=limits, timeout=timeout) for u in urls]
    arrivals = [{} for _ in range(count)]
    left = [count]
    def connected():
        left[0] -= 1
        if not left[0]:
            Path(out).with_suffix(".ready").touch()
    await asyncio.wait_for(asyncio.gather(*(
        subscribe(clients[n % len(clients)], arrivals[n], connected) for n in range(count)
    )), 180)
    Path(out).write_text(json.dumps({"arrivals": arrivals, "cpu": time.process_time()}))
    for client in clients:
        await client.aclose()

asyncio.run(main())
"""


def bench_delivery(posts: int = DELIVERIES, subscribers: int = SUBSCRIBERS) -> bool:
    print(f"3. delivery: POST to replica A -> {subscribers} SSE subscribers ({posts} events)")
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-pg-"))
    figures: dict[str, list[float]] = {}
    with schema() as url:
        token = _token(url)
        with replicas(url, folder, 3) as (a, b, c):
            for name, where in (("same replica (A)", [a]), ("cross-replica (B, C)", [b, c])):
                figures[name] = _deliver(a, where, token, folder, posts, subscribers)
                print(f"   {name:<20}: {summary_ms(figures[name])}")
    cross = figures["cross-replica (B, C)"]
    same = figures["same replica (A)"]
    p50 = statistics.median(cross) / statistics.median(same)
    p99 = percentile(cross, 0.99) / percentile(same, 0.99)
    print(f"   cross/same ratio: p50 {p50:.2f}  p99 {p99:.2f}")
    met = percentile(cross, 0.99) <= 0.1
    print(f"   cross-replica p99 <= 100 ms: {'met' if met else 'MISSED'}")
    return met


def _deliver(
    poster: str, where: list[str], token: str, folder: Path, posts: int, subscribers: int
) -> list[float]:
    """From each POST's send to each subscriber's receipt, in seconds."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=poster, timeout=30) as client:
        incident_id = declare(client, token, "delivery")
        out = folder / f"subscribers-{uuid.uuid4().hex[:8]}.json"
        path = f"/api/v1/incidents/{incident_id}/stream"
        args = [token, path, str(subscribers), str(posts + 1), str(out), *where]
        proc = subprocess.Popen([sys.executable, "-c", SUBSCRIBER, *args])
        deadline = time.monotonic() + 90
        while not out.with_suffix(".ready").exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("the subscribers did not connect")
            time.sleep(0.05)
        time.sleep(0.5)
        sent: dict[str, float] = {}
        posting: list[float] = []
        for index in range(posts):
            body = _note(f"live {index}")
            sent[body["id"]] = time.perf_counter()
            answer = client.post(
                f"/api/v1/incidents/{incident_id}/events", json=body, headers=headers
            )
            answer.raise_for_status()
            posting.append(time.perf_counter() - sent[body["id"]])
            time.sleep(SPACING)
    if proc.wait(120) != 0:
        raise SystemExit("a subscriber failed")
    latencies: list[float] = []
    first: dict[str, float] = {}
    missing = 0
    report = json.loads(out.read_text())
    for arrivals in report["arrivals"]:
        for event_id, at in sent.items():
            if event_id in arrivals:
                latencies.append(arrivals[event_id] - at)
                first[event_id] = min(first.get(event_id, 1e9), arrivals[event_id] - at)
            else:
                missing += 1
    if missing:
        print(f"   !! {missing} deliveries missing")
    print(f"   (the POSTs took {summary_ms(posting)})")
    print(
        f"   (the first subscriber of each event: {summary_ms(list(first.values()))};"
        f" subscribers' CPU {report['cpu']:.1f} s)"
    )
    return latencies


# -- main --------------------------------------------------------------------

SECTIONS = ("append", "throughput", "delivery")


def main(count: int, sections: tuple[str, ...], profile: bool, subscribers: int) -> None:
    if "append" in sections:
        bench_append(count, profile)
    if "throughput" in sections:
        bench_throughput()
    if "delivery" in sections:
        bench_delivery(subscribers=subscribers)


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    names = tuple(arg for arg in sys.argv[1:] if arg in SECTIONS)
    fans = [arg.split("=", 1)[1] for arg in sys.argv[1:] if arg.startswith("--subscribers=")]
    main(
        int(numbers[0]) if numbers else 300,
        names or SECTIONS,
        "--profile" in sys.argv,
        int(fans[0]) if fans else SUBSCRIBERS,
    )
