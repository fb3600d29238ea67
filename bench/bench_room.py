"""Benchmark the real war room (issue 3): first paint, scrolling 100k events, key to commit.

    .venv/bin/python bench/bench_room.py [--runs 7] [--big-runs 5] [--steps 100]
        [--key-runs 3] [--samples 40] [--data DIR] [--fresh]

(about 4 minutes with the defaults on a 2-core machine).

Every measurement runs in a fresh process, headless (`App.run_test`) at
160x48.  Each frame the app puts out is also turned into the escape sequences a
terminal would get (`render_segments`, output discarded), so a frame costs what
it costs in a real terminal minus the write.  Imports are done before the clock
starts, in the room and in the baseline alike.  The incidents are made once
with `SQLiteStore.append_many` (batches of 25, 2 s apart, about 1% back-dated)
in a temporary folder reused by later runs (`--fresh` rebuilds it).

1. First full paint, 10k events.  From just before the store is opened and
   the app is made as `warroom tui REF` makes it (`app_for_store`: the room's
   state and newest events are read before the app starts) to the end of the
   first frame in which the war room is on screen with its header (the
   incident's ref) and the newest timeline row (its text) -- checked on the
   composited screen, not on widget state.  Baseline, same run, same launch: a bare
   Textual app with the same four empty panes (a 5-line header, the timeline,
   the roster and runbook beside it, the room's stylesheet), from construction
   to the end of its first frame.  Runs interleaved; medians.  Target:
   room/bare <= 2.0.
2. 100k events.  First paint as in 1; then the time until all 100k rows are
   in the timeline (older pages load in the background).  Then scroll steps:
   `pageup` keys sent as a terminal sends them (through the driver), each
   timed to the end of the frame that shows the new page, in runs of 5
   contiguous steps whose starts are spread evenly from the newest page to the
   oldest; then `pagedown` runs back the same way (an untimed jump to each run's
   start; each key sent 40 ms after the last frame, as a person's key arrives
   at an idle app).  `home` (newest -> oldest) and `end` (back) are timed too.
   Baseline, same process: a repaint of the timeline with nothing scrolled
   (`refresh()` to the end of its frame).  Peak RSS: ru_maxrss of the
   measuring process.  Aims: first paint < 1.5 s, every step < 50 ms,
   RSS < 300 MB.
3. Key to commit.  In the room of a copy of the 10k incident: `n`, a short
   note typed key by key, then `enter`, timed from sending `enter` to the
   moment a separate poller process sees the commit in the SQLite file
   (`PRAGMA data_version` every 0.5 ms; timestamps on the system-wide monotonic
   clock).  Baseline, interleaved: a direct `warroom.services.incidents.write` of a note on
   the same store, timed the same way.  Also shown: `enter` to the app's
   store call and that call's duration (the store's `append_many` wrapped), and
   `enter` to the frame where the entry line has closed.  Target: p99 < 50 ms.

Diagnostics: the CPU time of gen-2 garbage collections inside each timed step
or sample (gc.callbacks), and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from _common import percentile
from bench_timeline import ACTORS, WORDS, current_rss_mb

SIZE = (160, 48)
SMALL, LARGE = 10_000, 100_000
BATCH = 25  # events per append_many: 2 s apart, so none is back-dated by accident
SPACING = timedelta(seconds=2)
ACTOR = ACTORS[0]  # writes the events, so opening the room writes no join event
IDLE = 0.04  # seconds after the last frame before a timed key
RUN = 5  # contiguous page steps per run
POLL = 0.0005  # the commit poller's interval
DATA_VERSION = 1  # bump when the made-up incidents change

# -- the incidents ---------------------------------------------------------------


def build_store(path: Path, count: int) -> str:
    """An incident of `count` events in a new SQLite file; returns its id."""
    from warroom.core.clock import FixedClock
    from warroom.core.events import Event, make_event
    from warroom.services.incidents import declare
    from warroom.store.sqlite import SQLiteStore

    start = datetime.now(UTC) - SPACING * count - timedelta(hours=1)
    clock = FixedClock(start)
    store = SQLiteStore(path, clock=clock)
    incident = declare(
        store, ACTOR, clock, "Checkout errors for EU users", 2, "checkout", lead=ACTOR
    )
    kinds = ["note"] * 8 + ["finding"] * 3 + ["action"] * 3 + ["decision", "comms_update"]
    status, comms_holder = "investigating", None
    batch: list[Event] = []
    for seq in range(2, count + 1):
        kind = kinds[seq % len(kinds)]
        text = " ".join(WORDS[(seq * 7 + i) % len(WORDS)] for i in range(4 + seq % 25))
        data: dict[str, Any] = {"text": f"#{seq} {text}"}
        if seq == count:
            kind = "note"  # the newest row: a note, not back-dated
        elif seq % 97 == 0:
            status = "mitigated" if status == "identified" else "identified"
            kind, data = "status_changed", {"to": status}
        elif seq % 89 == 0:
            if comms_holder is None:
                comms_holder = ACTORS[seq % len(ACTORS)]
                kind, data = "role_assigned", {"role": "comms", "person": comms_holder}
            else:
                kind, data = "role_released", {"role": "comms", "person": comms_holder}
                comms_holder = None
        elif kind == "comms_update":
            data["audience"] = ("internal", "leadership", "customers", "support")[seq % 4]
        occurred = start + SPACING * seq
        if seq % 101 == 0 and seq != count:
            occurred -= timedelta(minutes=7)
        actor = ACTORS[seq % len(ACTORS)]
        batch.append(make_event(incident.id, kind, actor, data, occurred, base_seq=seq - 1))
        if len(batch) == BATCH or seq == count:
            clock.set(start + SPACING * seq + timedelta(seconds=1))
            store.append_many(batch)
            batch = []
    assert store.incident(incident.id).last_seq == count
    store.close()
    return incident.id


def dataset(folder: Path, count: int, fresh: bool) -> tuple[Path, str]:
    """The SQLite file of the `count`-event incident, made once and reused."""
    path = folder / f"room-{count}.db"
    marker = folder / f"room-{count}.json"
    if not fresh and marker.exists():
        info = json.loads(marker.read_text())
        if info.get("version") == DATA_VERSION and path.exists():
            return path, info["incident_id"]
    for stale in folder.glob(f"room-{count}.db*"):
        stale.unlink()
    started = time.perf_counter()
    incident_id = build_store(path, count)
    marker.write_text(json.dumps({"version": DATA_VERSION, "incident_id": incident_id}))
    print(f"made {path} ({count:,} events) in {time.perf_counter() - started:.1f} s")
    return path, incident_id


# -- frames ------------------------------------------------------------------------


class Frames:
    """Watches every frame the app puts out (App._display), turns it into
    terminal output as a real terminal run would, and resolves waiters whose
    predicate holds at the end of a frame (with that frame's time)."""

    def __init__(self, app: Any) -> None:
        from textual._compositor import CompositorUpdate

        self.count = 0
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[float]]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
            now = time.perf_counter()
            self.count += 1
            for waiter in list(self._waiters):
                predicate, future = waiter
                if future.done():
                    self._waiters.remove(waiter)
                elif predicate():
                    future.set_result(now)
                    self._waiters.remove(waiter)

        app._display = display

    def until(self, predicate: Callable[[], bool]) -> asyncio.Future[float]:
        """A future: the end time of the first frame after now where `predicate()` holds."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return future


class GcPauses:
    """Every cyclic-GC pause of this process: (start, end, generation, CPU seconds
    of the collecting thread), perf_counter times."""

    def __init__(self) -> None:
        import gc

        self.pauses: list[tuple[float, float, int, float]] = []
        self._started = (0.0, 0.0)
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.thread_time())
        else:
            start, cpu = self._started
            end = time.perf_counter()
            self.pauses.append((start, end, info["generation"], time.thread_time() - cpu))

    def within(self, start: float, end: float) -> tuple[float, float]:
        """(wall, CPU) seconds of gen-2 collections that began between `start` and `end`."""
        found = [pause for pause in self.pauses if pause[2] == 2 and start <= pause[0] < end]
        return sum(pause[1] - pause[0] for pause in found), sum(pause[3] for pause in found)


async def at_most(future: asyncio.Future[float], what: str, timeout: float = 60) -> float:
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise SystemExit(f"timed out waiting for {what}") from None


async def settle(seconds: float = IDLE) -> None:
    await asyncio.sleep(seconds)


# -- 1. the baseline: a bare app with the room's four panes ------------------------


async def measure_bare() -> dict[str, Any]:
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal, Vertical
    from textual.scroll_view import ScrollView
    from textual.widgets import Static

    from warroom.resources import styles_path

    class Bare(App[None]):
        CSS_PATH = str(styles_path("app.tcss"))
        CSS = "#bare-header { height: 5; padding: 0 1; background: $panel; }"

        def compose(self) -> ComposeResult:
            yield Static("", id="bare-header")
            with Horizontal(id="room-body"):
                yield ScrollView(id="timeline")
                with Vertical(id="side"):
                    yield Static("", id="roster")
                    yield Static("", id="runbook")

    started = time.perf_counter()
    app = Bare()
    frames = Frames(app)
    painted = frames.until(lambda: bool(app.screen.query("#runbook")))
    async with app.run_test(size=SIZE):
        first = await at_most(painted, "the bare app's first frame")
    return {"first_paint_s": first - started}


# -- 1 and 2. the war room -----------------------------------------------------------


async def open_room(path: Path, incident_id: str) -> tuple[Any, Any, Frames, float, Any]:
    """Start the war room; returns (store, app, frames, start time, painted future).

    The caller enters `app.run_test(...)`."""
    from tests.tui.helpers import screen_text
    from warroom.store.sqlite import SQLiteStore
    from warroom.tui.run import app_for_store
    from warroom.tui.screens.room import RoomScreen

    with sqlite3.connect(path) as raw:  # what the newest row says (outside the timing)
        seq, data = raw.execute(
            "SELECT seq, data FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
            (incident_id,),
        ).fetchone()
    newest_text = json.loads(data)["text"][:24]

    def painted() -> bool:
        screen = app.screen
        if not isinstance(screen, RoomScreen) or screen.incident is None:
            return False
        shown = screen.timeline.visible_events()
        if not shown or shown[-1].seq != seq:
            return False
        text = screen_text(app)
        return screen.incident.ref in text and newest_text in text

    started = time.perf_counter()
    store = SQLiteStore(path)
    app = app_for_store(store, user=ACTOR, incident_id=incident_id)  # as `warroom tui REF`
    frames = Frames(app)
    return store, app, frames, started, frames.until(painted)


async def measure_room(path: Path, incident_id: str, steps: int, jumps: int) -> dict[str, Any]:
    from textual.events import Key

    count = int(path.stem.split("-")[1])
    gc_pauses = GcPauses()
    rss_before = current_rss_mb()
    store, app, frames, started, painted = await open_room(path, incident_id)
    result: dict[str, Any] = {"events": count, "rss_before_mb": rss_before}
    async with app.run_test(size=SIZE):
        painted_at = await at_most(painted, "the room's first paint")
        result["first_paint_s"] = painted_at - started
        result["paint_gc2_s"] = gc_pauses.within(started, painted_at)[0]
        room = app.screen
        timeline = room.timeline
        deadline = time.perf_counter() + 120
        while room.older_loading or timeline.event_count < count:
            if time.perf_counter() > deadline:
                raise SystemExit(f"only {timeline.event_count} of {count} events loaded")
            await asyncio.sleep(0.005)
        result["all_loaded_s"] = time.perf_counter() - started
        result["rss_loaded_mb"] = current_rss_mb()
        driver = app._driver  # keys go in the way a terminal sends them
        assert driver is not None

        async def timed(key: str, expected: Callable[[], bool]) -> tuple[float, float]:
            await settle()
            done = frames.until(expected)
            wall, cpu = time.perf_counter(), time.process_time()
            driver.send_message(Key(key, None))
            end = await at_most(done, f"the frame after {key}")
            gc2.append(gc_pauses.within(wall, end)[1])
            return end - wall, time.process_time() - cpu

        async def jump(y: int) -> None:
            if timeline.scroll_offset.y != y:
                done = frames.until(lambda: timeline.scroll_offset.y == y)
                timeline.scroll_to(y=y, animate=False)
                await at_most(done, f"the jump to {y}")

        height = timeline.scrollable_content_region.height
        top = timeline.max_scroll_y
        walls: list[float] = []
        cpus: list[float] = []
        gc2: list[float] = []  # gen-2 GC CPU time within each timed step (pages, then jumps)
        runs = max(steps // RUN, 1) if steps else 0
        for key, sign, first, last in (
            ("pageup", -1, top, RUN * height),
            ("pagedown", 1, 0, top - RUN * height),
        ):
            for index in range(runs):
                await jump(round(first + (last - first) * index / max(runs - 1, 1)))
                for _ in range(RUN):
                    target = min(max(timeline.scroll_offset.y + sign * height, 0), top)
                    wall, cpu = await timed(
                        key, lambda target=target: timeline.scroll_offset.y == target
                    )
                    walls.append(wall)
                    cpus.append(cpu)
        homes: list[float] = []
        ends: list[float] = []
        for _ in range(jumps):
            await jump(top)
            homes.append((await timed("home", lambda: timeline.scroll_offset.y == 0))[0])
            ends.append((await timed("end", lambda: timeline.scroll_offset.y == top))[0])
        repaints: list[float] = []  # the baseline of a step: the same frame, nothing scrolled
        for _ in range(steps // 2):
            await settle()
            done = frames.until(lambda: True)
            wall = time.perf_counter()
            timeline.refresh()
            repaints.append(await at_most(done, "a repaint") - wall)
        shown = timeline.visible_events()
        assert shown[-1].seq == count, "not back at the newest"
        result |= {
            "steps": walls,
            "step_cpus": cpus,
            "homes": homes,
            "ends": ends,
            "gc2": gc2,
            "repaints": repaints,
        }
    store.close()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


# -- 3. key to commit ------------------------------------------------------------------


class AppendTimes:
    """Wraps the store's `append_many` (all writes go through it) to note, per
    call: (start, end, CPU time of the calling thread, CPU time of the whole
    process), perf_counter times."""

    def __init__(self, store: Any) -> None:
        self.calls: list[tuple[float, float, float, float]] = []
        original = store.append_many

        def append_many(events: Any) -> Any:
            start, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
            try:
                return original(events)
            finally:
                self.calls.append(
                    (
                        start,
                        time.perf_counter(),
                        time.thread_time() - cpu,
                        time.process_time() - process,
                    )
                )

        store.append_many = append_many


def poll(path: str) -> None:
    """The commit poller (its own process): prints `max_gseq time` at each commit seen."""
    conn = sqlite3.connect(path, isolation_level=None)
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    print("ready", flush=True)
    while True:
        now = conn.execute("PRAGMA data_version").fetchone()[0]
        if now != version:
            seen = time.monotonic()
            version = now
            gseq = conn.execute("SELECT MAX(gseq) FROM events").fetchone()[0]
            print(gseq, seen, flush=True)
        time.sleep(POLL)


def key_events(text: str) -> list[Any]:
    from textual.events import Key

    return [Key("space" if char == " " else char, char) for char in text]


async def measure_keys(path: Path, incident_id: str, samples: int) -> dict[str, Any]:
    from textual.events import Key

    from warroom.core.clock import SYSTEM_CLOCK
    from warroom.services.incidents import write

    gc_pauses = GcPauses()
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-keys-"))
    copy = folder / "room.db"
    shutil.copyfile(path, copy)
    store, app, frames, _, painted = await open_room(copy, incident_id)
    appends = AppendTimes(store)
    poller = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--poll", str(copy)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert poller.stdout is not None
    try:
        assert poller.stdout.readline().strip() == "ready"
        sent: dict[str, tuple[str, float, float]] = {}  # text -> (who, monotonic, perf_counter)
        call_times: list[float] = []
        ui_times: list[float] = []
        async with app.run_test(size=SIZE):
            await at_most(painted, "the room's first paint")
            room = app.screen
            timeline, entry = room.timeline, room.entry
            while room.older_loading:
                await asyncio.sleep(0.01)
            driver = app._driver
            assert driver is not None
            shown = timeline.event_count

            async def arrived() -> None:  # the live feed has brought our event back
                deadline = time.perf_counter() + 10
                while timeline.event_count < shown:
                    if time.perf_counter() > deadline:
                        raise SystemExit("the live feed did not deliver the event")
                    await asyncio.sleep(0.002)

            for index in range(samples):
                text = f"note {index} from the key bench"
                await settle()
                driver.send_message(Key("n", "n"))
                while not (entry.is_open and app.focused is entry.input):
                    await asyncio.sleep(0.002)
                for key in key_events(text):
                    driver.send_message(key)
                while entry.input.value != text:
                    await asyncio.sleep(0.002)
                await settle()
                closed = frames.until(lambda: not entry.is_open)
                sent[text] = ("app", time.monotonic(), time.perf_counter())
                ui_started = time.perf_counter()
                driver.send_message(Key("enter", "\r"))
                ui_times.append(await at_most(closed, "the entry line to close") - ui_started)
                shown += 1
                await arrived()

                direct = f"direct {index} from the key bench"
                await settle()
                base_seq = room.incident.last_seq
                sent[direct] = ("direct", time.monotonic(), time.perf_counter())
                call_started = time.perf_counter()
                write(
                    store,
                    incident_id,
                    "note",
                    ACTOR,
                    {"text": direct},
                    SYSTEM_CLOCK,
                    None,
                    base_seq,
                )
                call_times.append(time.perf_counter() - call_started)
                shown += 1
                await arrived()
            await settle(0.1)
        store.close()
    finally:
        poller.terminate()
        seen_lines, _ = poller.communicate(timeout=10)
    seen = [tuple(map(float, line.split())) for line in seen_lines.strip().splitlines()]
    with sqlite3.connect(copy) as raw:
        gseqs = {
            json.loads(data)["text"]: gseq
            for gseq, data in raw.execute("SELECT gseq, data FROM events WHERE kind = 'note'")
            if json.loads(data)["text"] in sent
        }
    latency: dict[str, list[float]] = {"app": [], "direct": []}
    gc2: list[float] = []  # gen-2 GC CPU time within each app sample
    to_write: list[float] = []  # enter -> the worker thread calls the store
    write_wall: list[float] = []
    write_cpu: list[float] = []
    write_others: list[float] = []  # CPU of the app's other threads during the call
    for text, (who, at, perf_at) in sent.items():
        gseq = gseqs[text]
        committed = min(when for top, when in seen if top >= gseq)
        latency[who].append(committed - at)
        if who == "app":
            gc2.append(gc_pauses.within(perf_at, perf_at + committed - at)[1])
            begin, end, cpu, process = min(call for call in appends.calls if call[0] >= perf_at)
            to_write.append(begin - perf_at)
            write_wall.append(end - begin)
            write_cpu.append(cpu)
            write_others.append(process - cpu)
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "app": latency["app"],
        "direct": latency["direct"],
        "ui": ui_times,
        "call": call_times,
        "gc2": gc2,
        "to_write": to_write,
        "write_wall": write_wall,
        "write_cpu": write_cpu,
        "write_others": write_others,
    }


# -- running ---------------------------------------------------------------------------


def run_one(*args: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode:
        raise SystemExit(f"measurement {args} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def one(args: list[str]) -> dict[str, Any]:
    what = args[0]
    if what == "bare":
        return asyncio.run(measure_bare())
    path, incident_id = Path(args[1]), args[2]
    # import what the room needs before the clock starts (as the bare app does textual)
    import tests.tui.helpers  # noqa: F401
    import warroom.tui.app  # noqa: F401

    if what == "room":
        return asyncio.run(measure_room(path, incident_id, int(args[3]), int(args[4])))
    return asyncio.run(measure_keys(path, incident_id, int(args[3])))


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of 1 (bare and 10k room)")
    parser.add_argument("--big-runs", type=int, default=5, help="runs of 2 (100k room)")
    parser.add_argument("--steps", type=int, default=100, help="timed page-ups (and -downs)")
    parser.add_argument("--jumps", type=int, default=3, help="timed home/end pairs")
    parser.add_argument("--key-runs", type=int, default=3, help="runs of 3")
    parser.add_argument("--samples", type=int, default=40, help="notes per run of 3")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "warroom-bench-room"
    )
    parser.add_argument("--fresh", action="store_true", help="make the incidents again")
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--poll", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.poll:
        poll(args.poll)
        return
    if args.one:
        print(json.dumps(one(args.one)))
        return

    import textual

    args.data.mkdir(parents=True, exist_ok=True)
    small, small_id = dataset(args.data, SMALL, args.fresh)
    large, large_id = dataset(args.data, LARGE, args.fresh)
    began, load_before = time.perf_counter(), os.getloadavg()[0]

    bare: list[dict[str, Any]] = []
    room: list[dict[str, Any]] = []
    for _ in range(args.runs):  # interleaved, so machine noise hits both alike
        bare.append(run_one("bare"))
        room.append(run_one("room", str(small), small_id, "0", "0"))
    big = [
        run_one("room", str(large), large_id, str(args.steps), str(args.jumps))
        for _ in range(args.big_runs)
    ]
    keys = [run_one("keys", str(small), small_id, str(args.samples)) for _ in range(args.key_runs)]

    print(
        f"\nwar room bench: {SIZE[0]}x{SIZE[1]} headless, frames rendered to terminal output; "
        f"Textual {textual.__version__}, Python {platform.python_version()}; "
        f"{time.perf_counter() - began:.0f} s; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)"
    )
    report(bare, room, big, keys)
    print(
        f"runs: {args.runs} of 1 (interleaved), {args.big_runs} of 2 "
        f"({args.steps} page-ups and as many page-downs, {args.jumps} home/end pairs each), "
        f"{args.key_runs} of 3 ({args.samples} notes and direct writes each); "
        "medians of the runs' figures, percentiles of the pooled samples"
    )


def report(
    bare: list[dict[str, Any]],
    room: list[dict[str, Any]],
    big: list[dict[str, Any]],
    keys: list[dict[str, Any]],
) -> None:
    def median(results: list[dict[str, Any]], key: str) -> float:
        return statistics.median(result[key] for result in results)

    def pooled(results: list[dict[str, Any]], key: str) -> list[float]:
        return [value for result in results for value in result[key]]

    def spread(values: list[float], high: float) -> str:
        return f"{statistics.median(values) * 1000:.1f} / {percentile(values, high) * 1000:.1f} ms"

    rows: list[tuple[str, str, str, str, str]] = []

    def row(
        what: str, figure: str, note: str = "", target: str = "", ok: bool | None = None
    ) -> None:
        rows.append((what, figure, note, target, "" if ok is None else "ok" if ok else "MISSED"))

    bare_paint, room_paint = median(bare, "first_paint_s"), median(room, "first_paint_s")
    row("1 first paint: bare app, 4 empty panes", ms(bare_paint))
    row(
        "  first paint: war room, 10k events",
        ms(room_paint),
        f"ratio {room_paint / bare_paint:.2f}",
        "ratio <= 2.0",
        room_paint / bare_paint <= 2.0,
    )
    row("    of which gen-2 GC pauses", ms(median(room, "paint_gc2_s")))

    big_paint = median(big, "first_paint_s")
    row(
        "2 100k events: first paint",
        ms(big_paint),
        f"ratio {big_paint / bare_paint:.2f} to bare, {big_paint / room_paint:.2f} to 10k",
        "< 1500 ms",
        big_paint < 1.5,
    )
    row("  all 100k rows in the timeline", ms(median(big, "all_loaded_s")))
    pages = [value for result in big for value in result["steps"]]
    page_gc = [value for result in big for value in result["gc2"][: len(result["steps"])]]
    slow = [index for index, value in enumerate(pages) if value >= 0.05]
    row(
        "  page step wall, p50 / p95",
        spread(pages, 0.95),
        "",
        "p95 < 50 ms",
        percentile(pages, 0.95) < 0.05,
    )
    repaints = pooled(big, "repaints")
    row(
        "  baseline: timeline repaint, p50 / p95",
        spread(repaints, 0.95),
        f"step/repaint p50 ratio {statistics.median(pages) / statistics.median(repaints):.2f}",
    )
    row(
        "  page step wall, max",
        ms(max(pages)),
        f"{len(slow)} of {len(pages)} >= 50 ms, {sum(page_gc[i] > 0 for i in slow)} in a gen-2 GC",
        "each < 50 ms",
        not slow,
    )
    row("  page step CPU, p50 / p95", spread(pooled(big, "step_cpus"), 0.95))
    jumps = pooled(big, "homes") + pooled(big, "ends")
    row(
        "  home / end jump, p50",
        f"{statistics.median(pooled(big, 'homes')) * 1000:.1f} / "
        f"{statistics.median(pooled(big, 'ends')) * 1000:.1f} ms",
        f"max {ms(max(jumps))}",
        "each < 50 ms",
        max(jumps) < 0.05,
    )
    gc_all = pooled(big, "gc2")
    row(
        "  gen-2 GC CPU within a step, max",
        ms(max(gc_all)),
        f"in {sum(v > 0 for v in gc_all)} steps",
    )
    rss = median(big, "peak_rss_mb")
    row(
        "  peak RSS",
        f"{rss:.0f} MB",
        f"{median(big, 'rss_before_mb'):.0f} MB before",
        "< 300 MB",
        rss < 300,
    )

    app, direct = pooled(keys, "app"), pooled(keys, "direct")
    app_p99, direct_p99 = percentile(app, 0.99), percentile(direct, 0.99)
    row(
        "3 enter -> committed, p50 / p99",
        spread(app, 0.99),
        f"p99 ratio {app_p99 / direct_p99:.2f}",
        "p99 < 50 ms",
        app_p99 < 0.05,
    )
    row(
        "  direct write -> committed, p50 / p99",
        spread(direct, 0.99),
        f"call p50 {ms(statistics.median(pooled(keys, 'call')))}",
    )
    slow_keys = [index for index, value in enumerate(app) if value >= 0.05]
    key_gc = pooled(keys, "gc2")
    row(
        "  enter -> committed >= 50 ms",
        f"{len(slow_keys)} of {len(app)}",
        f"{sum(key_gc[i] > 0 for i in slow_keys)} in a gen-2 GC",
    )
    row("  enter -> the app calls the store, p50 / p99", spread(pooled(keys, "to_write"), 0.99))
    row(
        "  the app's store call, wall p50 / p99",
        spread(pooled(keys, "write_wall"), 0.99),
        f"its thread's CPU p50 / p99 {spread(pooled(keys, 'write_cpu'), 0.99)}",
    )
    walls, others = pooled(keys, "write_wall"), pooled(keys, "write_others")
    slow_calls = [index for index, wall in enumerate(walls) if wall >= 0.02]
    row(
        "  store calls >= 20 ms",
        f"{len(slow_calls)} of {len(walls)}",
        "other threads' CPU meanwhile: "
        + (
            ", ".join(f"{others[i] * 1000:.0f}/{walls[i] * 1000:.0f}" for i in slow_calls[:8])
            or "-"
        )
        + " ms",
    )
    row("  enter -> entry line closed, p50 / p99", spread(pooled(keys, "ui"), 0.99))

    widths = [max(len(line[column]) for line in rows) for column in range(5)]
    for line in rows:
        print(
            f"{line[0]:<{widths[0]}}  {line[1]:>{widths[1]}}  {line[2]:<{widths[2]}}  "
            f"{line[3]:<{widths[3]}}  {line[4]}".rstrip()
        )


if __name__ == "__main__":
    main()
