"""The public status page on a real `warroom serve` (loopback).

    .venv/bin/python bench/bench_statuspage.py [N]

The store holds 50 open public incidents (each declared, with internal notes,
a customers update setting a component, an internal status change) and 90
days of history (HISTORY resolved public incidents, back-dated, plus as many
internal-only ones).  Timed, interleaved, N of each on one keep-alive client:

1. GET /status and GET /api/v2/summary.json against GET /healthz on the same
   server in the same run (p50/p99 and the ratio of the p50s): the page
   as served between writes (rendered once per change of the store);
2. the same right after a write to one open incident: an internal note (its
   events are read again; the page stays), then a customers update (the page
   is rebuilt and rendered again);
3. with chromium and chromium-driver installed: the room view's delivery,
   from a POST's start to the browser's DOM showing the note (n=20).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _common import percentile, summary_ms

from warroom.core.clock import FixedClock
from warroom.core.events import make_event, new_id
from warroom.server.tokens import TokenStore
from warroom.store.sqlite import SQLiteStore

READY = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
OPEN = 50
HISTORY = 300  # resolved public incidents over 90 days (and as many internal ones)
CONFIG = """
public_url = "https://status.example.com"
[statuspage]
title = "Bench status"
components = [
  {id = "api", name = "API", group = "Core"}, {id = "web", name = "Website"},
  {id = "db", name = "Database", group = "Core"}, {id = "mail", name = "Mail"},
]
"""
COMPONENTS = ("api", "web", "db", "mail")
STATES = ("degraded_performance", "partial_outage", "major_outage")


def populate(db: Path) -> str:
    """The store; returns a responder token."""
    now = datetime.now(UTC)
    with SQLiteStore(db, clock=FixedClock(now)) as store:
        token = TokenStore.for_store(store).create("bench", "responder")
        batch = []
        for number in range(HISTORY * 2 + OPEN):
            incident = new_id()
            is_open = number < OPEN
            at = (
                now - timedelta(minutes=30)
                if is_open
                else now - timedelta(days=89 * number / (HISTORY * 2 + OPEN), hours=2)
            )
            public = is_open or number % 2 == 0
            events = [
                ("declared", {"title": f"internal title {number}", "severity": 2}),
                ("note", {"text": "an internal note"}),
                ("note", {"text": "another internal note"}),
            ]
            if public:
                events.append(
                    (
                        "comms_update",
                        {
                            "text": f"We are investigating problem {number}.",
                            "audience": "customers",
                            "public_title": f"Problem {number}",
                            "components": {COMPONENTS[number % 4]: STATES[number % 3]},
                        },
                    )
                )
            events.append(("status_changed", {"to": "identified"}))
            if not is_open:
                events.append(("status_changed", {"to": "resolved"}))
            for seq, (kind, data) in enumerate(events):
                batch.append(
                    make_event(incident, kind, "bench", data, at + timedelta(minutes=seq), seq)
                )
            if len(batch) > 2000:
                store.append_many(batch)
                batch = []
        if batch:
            store.append_many(batch)
    return token


def start(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    (folder / "config.toml").write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env.update(
        WARROOM_CONFIG=str(folder / "config.toml"), WARROOM_SITE_CONFIG=str(folder / "none.toml")
    )
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "warroom", "serve", "--db", str(folder / "w.db"), "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = READY.search(log.read_text())
        if found:
            return proc, f"http://127.0.0.1:{found[1]}"
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the server did not start:\n{log.read_text()}")


def write(client: httpx.Client, token: str, incident: str, kind: str, text: str) -> None:
    """A note, or a customers update ("customers")."""
    data = {"text": text, "audience": "customers"} if kind == "customers" else {"text": text}
    body = {
        "id": str(uuid.uuid4()),
        "kind": "comms_update" if kind == "customers" else "note",
        "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5)),
        "data": data,
    }
    answer = client.post(
        f"/api/v1/incidents/{incident}/events",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    answer.raise_for_status()


def timed(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    answer = client.get(path)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, (path, answer.status_code)
    return elapsed


def report(label: str, values: list[float], baseline: list[float]) -> None:
    ratio = percentile(values, 0.5) / percentile(baseline, 0.5)
    print(f"  {label:<32} {summary_ms(values)}  p50 x{ratio:.1f} /healthz")


def bench_reads(url: str, token: str, count: int) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        summary = client.get("/api/v2/summary.json").json()
        assert len(summary["incidents"]) == OPEN, len(summary["incidents"])
        history = len(client.get("/api/v2/incidents.json").json()["incidents"])
        size = len(client.get("/status").content)
        print(
            f"store: {OPEN} open public incidents, {HISTORY} resolved in 90 days; "
            f"/status {size // 1024} kB; incidents.json lists {history}"
        )
        incident = summary["incidents"][0]["id"]
        for _ in range(20):  # warm up
            for path in ("/healthz", "/status", "/api/v2/summary.json"):
                timed(client, path)
        times: dict[str, list[float]] = {"/healthz": [], "/status": [], "/api/v2/summary.json": []}
        for _ in range(count):
            for path in times:
                times[path].append(timed(client, path))
        print("1. between writes (the page rendered once per change):")
        print(f"  {'GET /healthz':<32} {summary_ms(times['/healthz'])}")
        report("GET /status", times["/status"], times["/healthz"])
        report("GET /api/v2/summary.json", times["/api/v2/summary.json"], times["/healthz"])
        for kind in ("note", "customers"):
            after: dict[str, list[float]] = {"/status": [], "/api/v2/summary.json": []}
            for number in range(count // 4):
                for path in after:
                    write(client, token, incident, kind, f"{kind} {number}")
                    after[path].append(timed(client, path))
            print(
                f"2. right after {'an internal note' if kind == 'note' else 'a customers update'}:"
            )
            report("GET /status", after["/status"], times["/healthz"])
            report("GET /api/v2/summary.json", after["/api/v2/summary.json"], times["/healthz"])


def bench_room(url: str, folder: Path, token: str) -> None:
    chromium, driver = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
    if not (chromium.exists() and driver.exists()):
        print("3. room view delivery: skipped (no /usr/bin/chromium and /usr/bin/chromedriver)")
        return
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    with SQLiteStore(folder / "w.db") as store:
        viewer = TokenStore.for_store(store).create("bench-viewer", "viewer")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--user-data-dir={folder / 'chromium'}",
    ):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(executable_path=str(driver)), options=options)
    try:
        browser.get(f"{url}/rooms/sign-in")
        browser.find_element(By.ID, "token").send_keys(viewer)
        browser.find_element(By.CSS_SELECTOR, "form button").click()
        with httpx.Client(base_url=url, timeout=30) as client:
            incident = client.get("/api/v2/summary.json").json()["incidents"][0]["id"]
            ref = client.get(
                f"/api/v1/incidents/{incident}", headers={"Authorization": f"Bearer {token}"}
            ).json()["ref"]
            browser.get(f"{url}/rooms/{ref}")
            while (
                browser.execute_script("return document.getElementById('live').textContent")
                != "live"
            ):
                time.sleep(0.02)
            delays = []
            for number in range(20):
                text = f"delivery probe {number} {uuid.uuid4().hex[:6]}"
                started = time.perf_counter()
                write(client, token, incident, "note", text)
                while text not in browser.execute_script(
                    "return document.getElementById('events').innerText"
                ):
                    time.sleep(0.005)
                delays.append(time.perf_counter() - started)
        print(f"3. room view, POST start to the note in the browser's DOM: {summary_ms(delays)}")
    finally:
        browser.quit()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        token = populate(folder / "w.db")
        proc, url = start(folder)
        try:
            bench_reads(url, token, count)
            bench_room(url, folder, token)
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
