"""Small helpers shared by the benchmarks: percentiles and a declared incident."""

from __future__ import annotations

import statistics
from pathlib import Path

from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare
from warroom.store.sqlite import SQLiteStore


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values) * 1000:.2f} ms  "
        f"p99 {percentile(values, 0.99) * 1000:.2f} ms  (n={len(values)})"
    )


def fresh_incident(path: Path) -> tuple[SQLiteStore, str]:
    store = SQLiteStore(path)
    incident = declare(store, "bench", SYSTEM_CLOCK, title="benchmark incident", severity=2)
    return store, incident.id
