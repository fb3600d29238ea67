"""Benchmark the timeline widget: load, first paint, scroll steps and peak RSS.

    .venv/bin/python bench/bench_timeline.py [--runs 5] [--sizes 10000,100000]

Every measurement runs in a fresh process (so peak RSS is its own), in a
headless app of 160x48 that mounts only a TimelineView.  The baseline is the
same app with an empty timeline, measured in the same run; medians of the runs
are printed, with the ratio to the baseline.

- load(): the call itself (sorting the events, setting the virtual size).
- first paint: from starting the app to the end of the first frame that shows
  the loaded events (the last visible line rendered), load() included.
- scroll step: a `pageup` key sent as a terminal sends it, timed to the end of
  the frame that shows the new page (wall time, and the process's CPU time,
  which leaves out the wait for Textual's frame timer).  100 page-ups spread
  evenly from the newest page to the oldest, then 100 page-downs back; each
  starts from an untimed jump there, so every step draws rows not drawn before,
  and is sent 40 ms after the last frame (as a person's key arrives at an idle
  app, not within Textual's 1/60 s frame pacing).
  The baseline step is a full repaint of the empty timeline.
- peak RSS: ru_maxrss of the process, the events themselves included (RSS
  before load() is printed too).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SIZE = (160, 48)
STEPS = 100  # timed page-ups, and as many page-downs
IDLE = 0.04  # seconds between frames and a timed key: more than Textual's 1/60 s frame pacing
T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
INCIDENT = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
ACTORS = ("alice", "bob", "carol.nguyen", "dmitri", "erin-oncall", "pagerbot")
VOCABULARY = (
    "checkout latency p99 db primary replica failover cache stampede error budget deploy "
    "rollback canary 502s from edge lb pool drained queue depth growing cpu throttled oom "
    "killed pods restarted customers report timeouts paging storage team"
)
WORDS = VOCABULARY.split()


def build_events(count: int) -> list[Any]:
    """A realistic incident: mostly log entries, some status/comms/role changes,
    about 1% back-dated."""
    from warroom.core.events import make_event

    events = []
    kinds = ["note"] * 8 + ["finding"] * 3 + ["action"] * 3 + ["decision", "comms_update"]
    for seq in range(1, count + 1):
        kind = kinds[seq % len(kinds)]
        text = " ".join(WORDS[(seq * 7 + i) % len(WORDS)] for i in range(4 + seq % 25))
        data: dict[str, Any] = {"text": f"{text} #{seq}"}
        if seq % 97 == 0:
            kind, data = "status_changed", {"to": ("identified", "mitigated")[seq % 2]}
        elif seq % 89 == 0:
            kind, data = "role_assigned", {"role": "scribe", "person": ACTORS[seq % 6]}
        elif kind == "comms_update":
            data["audience"] = ("internal", "leadership", "customers", "support")[seq % 4]
        recorded = T0 + timedelta(seconds=3 * seq)
        occurred = recorded - timedelta(minutes=7) if seq % 101 == 0 else recorded
        event = make_event(INCIDENT, kind, ACTORS[seq % len(ACTORS)], data, occurred)
        events.append(event.stored(seq, seq, recorded))
    return events


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


async def measure(count: int) -> dict[str, Any]:
    """One measurement, in this process."""
    from textual.app import App, ComposeResult
    from textual.events import Key
    from textual.strip import Strip

    from warroom.core.catalog import Catalog
    from warroom.tui.widgets.timeline import TimelineView

    class Timed(TimelineView):
        """Notes when a frame's last visible line has been rendered."""

        def on_mount(self) -> None:
            self.frame = asyncio.Event()
            self.frame_at = 0.0

        def render_line(self, y: int) -> Strip:
            strip = super().render_line(y)
            if y == self.scrollable_content_region.height - 1:
                self.frame_at = time.perf_counter()
                self.frame.set()
            return strip

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Timed(Catalog.default(), id="timeline")

    async def next_frame(timeline: Timed) -> float:
        await asyncio.wait_for(timeline.frame.wait(), 10)
        return timeline.frame_at

    events = build_events(count)
    gc.collect()
    rss_before = current_rss_mb()
    app = Host()
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        timeline = app.query_one(Timed)
        timeline.frame.clear()
        load_started = time.perf_counter()
        timeline.load(events)
        loaded = time.perf_counter()
        painted = await next_frame(timeline)
        await pilot.pause()
        assert timeline.event_count == count
        if count:
            assert timeline.visible_events()[-1].seq == count, "not showing the newest"

        height = timeline.scrollable_content_region.height
        driver = app._driver  # keys go in the way a terminal sends them
        assert driver is not None
        walls: list[float] = []
        cpus: list[float] = []
        top = timeline.max_scroll_y
        plan: list[tuple[int, str]] = []
        if count:
            # STEPS page-ups spread from the newest page to the oldest, then
            # STEPS page-downs back; each starts from a jump that is not timed
            spread = [round(i * (top - height) / (STEPS - 1)) for i in range(STEPS)]
            plan = [(top - offset, "pageup") for offset in spread]
            plan += [(offset, "pagedown") for offset in spread]
        for start, key in plan or [(0, "")] * (2 * STEPS):
            if key and timeline.scroll_offset.y != start:
                timeline.frame.clear()
                timeline.scroll_to(y=start, animate=False)
                await next_frame(timeline)
            await asyncio.sleep(IDLE)  # a key arrives at an idle app, as a person's does
            timeline.frame.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            if key:
                driver.send_message(Key(key, None))
            else:
                timeline.refresh()  # the baseline: a full repaint of the empty timeline
            await next_frame(timeline)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            if key == "pageup" and start == height:
                assert timeline.scroll_offset.y == 0, "not at the oldest"
                oldest = min(events, key=lambda event: (event.occurred_at, event.seq))
                assert timeline.visible_events()[0] is oldest, "not showing the oldest"
        if count:
            assert timeline.scroll_offset.y == top, "not back at the newest"
            assert timeline.visible_events()[-1].seq == count, "not showing the newest"
    return {
        "events": count,
        "load_s": loaded - load_started,
        "first_paint_s": painted - started,
        "paint_after_load_s": painted - loaded,
        "step_wall_ms": statistics.median(walls) * 1000,
        "step_wall_p95_ms": sorted(walls)[int(len(walls) * 0.95)] * 1000,
        "step_wall_max_ms": max(walls) * 1000,
        "step_cpu_ms": statistics.median(cpus) * 1000,
        "steps": len(walls),
        "rss_before_load_mb": rss_before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_one(count: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", str(count)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode:
        raise SystemExit(f"measurement of {count} events failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(asyncio.run(measure(args.one))))
        return

    import textual

    sizes = [0, *(int(size) for size in args.sizes.split(","))]
    results: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    for _ in range(args.runs):
        for size in sizes:  # interleaved, so machine noise hits all alike
            results[size].append(run_one(size))

    def median(size: int, key: str) -> float:
        return statistics.median(result[key] for result in results[size])

    print(
        f"timeline bench: {SIZE[0]}x{SIZE[1]} headless, median of {args.runs} runs, "
        f"Textual {textual.__version__}, Python {platform.python_version()}"
    )
    print(
        f"{'events':>8} {'load()':>9} {'1st paint':>10} {'ratio':>6} "
        f"{'step wall':>10} {'p95':>7} {'max':>7} {'ratio':>6} {'step cpu':>9} "
        f"{'RSS pre':>8} {'peak RSS':>9}"
    )
    base_paint = median(0, "first_paint_s")
    base_step = median(0, "step_wall_ms")
    for size in sizes:
        label = "empty" if size == 0 else f"{size:,}"
        print(
            f"{label:>8} {median(size, 'load_s') * 1000:>7.1f}ms "
            f"{median(size, 'first_paint_s') * 1000:>8.0f}ms "
            f"{median(size, 'first_paint_s') / base_paint:>6.2f} "
            f"{median(size, 'step_wall_ms'):>8.1f}ms "
            f"{median(size, 'step_wall_p95_ms'):>5.1f}ms "
            f"{median(size, 'step_wall_max_ms'):>5.1f}ms "
            f"{median(size, 'step_wall_ms') / base_step:>6.2f} "
            f"{median(size, 'step_cpu_ms'):>7.1f}ms "
            f"{median(size, 'rss_before_load_mb'):>6.0f}MB "
            f"{median(size, 'peak_rss_mb'):>7.0f}MB"
        )
    print(
        f"steps per run: {results[sizes[-1]][0]['steps']} (page-ups newest -> oldest, "
        "page-downs back); baseline step = a full repaint of the empty timeline"
    )


if __name__ == "__main__":
    main()
