"""Where an Alertmanager storm's request time goes, in-process: the storm as
Alertmanager sends it (the whole group at each of 10 group intervals: bodies
of 200, 400, ... 2,000 alerts, mostly re-sent ones) parsed and ingested
(`core.alerts.sources.parse` + `services.alerts.ingest`) over a real SQLite
file, each body timed (wall clock, and the CPU time of the thread, which
other processes on the machine disturb less; parse and ingest apart); with
`--profile`, under cProfile (the top functions by cumulative time).

    .venv/bin/python bench/profile_alerts.py [--profile] [ROUNDS]

(ROUNDS: storms run, each on a fresh file; default 3.)
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.alerts.storm import cumulative_bodies, storm_alerts
from warroom.core.alerts.rules import AlertSettings, load_rules
from warroom.core.alerts.sources import parse
from warroom.core.clock import SYSTEM_CLOCK
from warroom.services import alerts as service
from warroom.store.sqlite import SQLiteStore

STORM = 2000
SENDS = 10
GROUP = {"alertname": "CheckoutStorm"}


def storm(folder: Path, profiler: cProfile.Profile | None) -> list[tuple[float, float, float]]:
    """One storm on a fresh file: each body's wall time (JSON text to
    committed), its CPU time, and the CPU time of its ingest alone."""
    rules = load_rules([])
    settings = AlertSettings()
    texts = [json.dumps(body) for body in cumulative_bodies(storm_alerts(STORM), SENDS, GROUP)]
    store = SQLiteStore(folder / "warroom.db", clock=SYSTEM_CLOCK)
    times = []
    try:
        for text in texts:
            if profiler is not None:
                profiler.enable()
            started, cpu = time.perf_counter(), time.thread_time()
            alerts = parse("alertmanager", json.loads(text))
            parsed = time.thread_time()
            service.ingest(store, alerts, rules, settings, SYSTEM_CLOCK)
            ended = time.thread_time()
            times.append((time.perf_counter() - started, ended - cpu, ended - parsed))
            if profiler is not None:
                profiler.disable()
        assert len(store.alert_rows("all", None, STORM + 10)) == STORM
    finally:
        store.close()
    return times


def main(rounds: int, profile: bool) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    profiler = cProfile.Profile() if profile else None
    runs = []
    for run in range(rounds):
        folder = Path(tempfile.mkdtemp(prefix=f"warroom-profile-alerts-{run}-"))
        runs.append(storm(folder, profiler))
    print("   medians over the runs, ms:     wall     cpu  of it ingest")
    for size in range(SENDS):
        alerts = round(STORM * (size + 1) / SENDS)
        figures = [statistics.median(times[size][at] * 1000 for times in runs) for at in range(3)]
        print(f"   body of {alerts:>5} alerts: " + "".join(f"{f:8.1f}" for f in figures))
    totals = [
        statistics.median(sum(body[at] for body in times) * 1000 for times in runs)
        for at in range(3)
    ]
    print("   whole storm (10 bodies):" + "".join(f"{f:8.0f}" for f in totals))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    args = sys.argv[1:]
    numbers = [int(arg) for arg in args if arg.isdigit()]
    main(numbers[0] if numbers else 3, "--profile" in args)
