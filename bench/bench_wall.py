"""Benchmark the wall (`warroom watch [REF]`, issue 3): it runs for days without growing memory.

    .venv/bin/python bench/bench_wall.py [--mode room|list|both] [--minutes 6]
        [--idle-minutes 3] [--warmup 30] [--rate 5] [--events 3000] [--interval 5]
        [--tmux] [--collect] [--trace] [--quick] [--json PATH]

(about 10 minutes with the defaults, per mode; `--quick`: about 2 minutes.)

One SQLite file: an incident of `--events` events (made as bench_room.py makes
its incidents) and four more open incidents.  Three processes run on it:

- the wall, read-only.  By default a child Python process runs
  `app_for_store(store, read_only=True, incident_id=...)` headless
  (`App.run_test`, 160x48) with every frame turned into the escape sequences a
  terminal would get (bench_room's `Frames`), and answers probes from this
  process: the count of gc-tracked objects (frozen ones included), the
  timeline's rows and strip cache, the DOM's widgets, and with `--trace`
  tracemalloc's traced size.  With `--tmux`: the real
  `warroom watch --db PATH [REF]` in a detached tmux session of 160x48 on a
  private tmux socket (no probes).  `--mode room` opens the incident's wall
  (REF), `--mode list` the wall list of every open incident (no REF).
- the baseline: a plain Python process that holds the same events the wall
  receives in a list of `Event` objects (read with `store.events_after`, the
  new ones once a second).  Its RSS growth is what the events themselves
  cost; at the end it reads the appended events again under tracemalloc
  (their size in Python's heap, per event).
- the writer: appends events with `warroom.services.incidents.write` at `--rate` per
  second (notes, findings, actions, decisions, comms updates, status, role and
  severity changes; to the one incident in room mode, round-robin to all five
  in list mode, where status cycles through `resolved` and severities change,
  so cards come, go and are reordered).

Bounded caches are filled before anything is measured, so that what follows
is the steady state of a wall that has run for a while (hours):
- the room's timeline keeps an LRU of rendered rows: halfway through the
  warm-up (the first live event may restyle every row) the wall pages up from
  the newest row until it is full, then follows the newest event again
  (`pageup` keys under tmux, best effort);
- the list's cards are rebuilt (before the warm-up) until Textual's
  `StylesCache.get_inner_outer`, an `lru_cache(1024)` on a method that keeps
  removed widgets' StylesCaches and the strips they drew alive, is full (a
  few hundred rebuilds; not under tmux);
- rich's `cached_cell_len`, an `lru_cache(4096)` that keeps every string
  Textual's Content measures (each new clock line, each new row), is filled
  with row-sized strings (not under tmux).
The probes show each cache's size.

Phases: first paint and the fills, then `--warmup` seconds of writing (not
measured), `--minutes` of writing, then `--idle-minutes` with no writes (the
first SETTLE seconds of it not counted).  Every `--interval` seconds this
process reads VmRSS and utime+stime of the wall and the baseline from
/proc/PID/.

Figures: RSS after the warm-up and at the end of each phase; growth per hour
from a least-squares line over the second half of the writing phase; bytes per
event appended (RSS regressed on the count of events the wall holds, same
window), for the wall and the baseline; the ratio of the wall's bytes per
event to what the events need (the larger of the baseline's slope and their
traced size); the slope of RSS while idle; the wall's CPU while idle as a
share of one core (the probes' own CPU subtracted), and while writing.
Verdict: the room wall grows by at most ROOM_RATIO times what its events need;
the wall list, which holds no events, by less than LIST_RATIO times what
holding them would cost; while idle RSS is flat (|slope| <= IDLE_SLOPE_MB_H:
note that one 100 KiB step in a 3-minute window reads as 2 MB/h, so use a
longer `--idle-minutes` to tell a slow leak from a step) and CPU stays below
IDLE_CPU_PCT of a core.

Diagnosis: `--collect` runs a full `gc.collect()` in the wall before each
probe, so the object counts are of live objects only (the garbage of removed
cards otherwise waits for Python's next full collection, and RSS follows that
sawtooth).  `--trace` runs the wall under tracemalloc (25 frames: slow, and
its RSS inflated by tracemalloc's own tables) and prints the biggest growths
between snapshots taken after a full collection, by traceback: over the
second half of writing and over the idle phase.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import select
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from bench_room import Frames, at_most, build_store
from bench_timeline import ACTORS, WORDS

SIZE = (160, 48)
VIEWER = "wall-viewer"  # the wall's user: read-only, it writes nothing
EXTRA_INCIDENTS = 4  # open incidents besides the big one (cards of the wall list)
SETTLE = 10.0  # seconds after the writer stops before the idle window opens
TRACE_FRAMES = 25
MAX_PAGES = 200  # pages drawn at most while filling the room's strip cache
MAX_REBUILDS = 1000  # card rebuilds at most while filling the wall list's caches
TMUX_PAGES = 30  # page-ups that fill the strip cache under tmux (best effort: live events
# snap the wall back to the newest row)
IDLE_SLOPE_MB_H = 2.0  # |RSS slope| while idle, MB per hour: 48 MB over a day at most
IDLE_CPU_PCT = 2.0  # the idle wall's CPU, percent of one core (header clock: 1 frame/s)
ROOM_RATIO = 1.5  # room: wall bytes/event at most this times what the events need
LIST_RATIO = 0.5  # list: the wall holds no events; grows less than half of holding them
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- /proc ---------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    """The process's resident set (VmRSS), in KiB."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# -- the store -------------------------------------------------------------------------


def make_store(folder: Path, count: int) -> tuple[Path, list[str]]:
    """The big incident (bench_room's) and EXTRA_INCIDENTS small ones; their ids."""
    from warroom.core.clock import SYSTEM_CLOCK
    from warroom.services.incidents import declare
    from warroom.store.sqlite import SQLiteStore

    path = folder / "wall.db"
    ids = [build_store(path, count)]
    store = SQLiteStore(path)
    for index in range(EXTRA_INCIDENTS):
        incident = declare(
            store,
            ACTORS[index % len(ACTORS)],
            SYSTEM_CLOCK,
            f"{WORDS[index * 3]} {WORDS[index * 3 + 1]} trouble in region {index + 1}",
            severity=index % 4 + 1,
            service=f"service-{index + 1}",
            lead=ACTORS[(index + 1) % len(ACTORS)],
        )
        ids.append(incident.id)
    store.close()
    return path, ids


def held_count(path: Path, incident_id: str | None) -> int:
    """How many events the wall would hold: the incident's, or all of them."""
    with sqlite3.connect(path) as conn:
        if incident_id is None:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        return conn.execute(
            "SELECT COUNT(*) FROM events WHERE incident_id = ?", (incident_id,)
        ).fetchone()[0]


# -- the writer (its own process) ----------------------------------------------------------

STATUS_CYCLE = {
    "investigating": "identified",
    "identified": "mitigated",
    "mitigated": "resolved",
    "resolved": "investigating",
}
LOG_CYCLE = ["note"] * 8 + ["finding"] * 3 + ["action"] * 3 + ["decision", "comms_update"]


def writer(path: str, rate: float, seconds: float, ids: list[str]) -> None:
    """Append events at `rate` per second for `seconds`, round-robin over `ids`."""
    from warroom.core.clock import SYSTEM_CLOCK
    from warroom.services.incidents import write
    from warroom.store.sqlite import SQLiteStore

    store = SQLiteStore(path)
    states = {incident_id: store.incident(incident_id) for incident_id in ids}
    last_seq = {incident_id: state.last_seq for incident_id, state in states.items()}
    status = {incident_id: state.status for incident_id, state in states.items()}
    severity = {incident_id: state.severity for incident_id, state in states.items()}
    comms = {
        incident_id: (state.roles.get("comms") or [None])[0]
        for incident_id, state in states.items()
    }
    print(json.dumps({"started": True}), flush=True)
    started = time.monotonic()
    written = 0
    while True:
        due = started + written / rate
        now = time.monotonic()
        if due - started >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        incident_id = ids[written % len(ids)]
        step = written // len(ids)
        kind = LOG_CYCLE[step % len(LOG_CYCLE)]
        text = " ".join(WORDS[(written * 7 + i) % len(WORDS)] for i in range(5 + written % 20))
        data: dict[str, Any] = {"text": f"live #{written} {text}"}
        if step % 23 == 22:
            status[incident_id] = STATUS_CYCLE.get(status[incident_id], "investigating")
            kind, data = "status_changed", {"to": status[incident_id]}
        elif step % 31 == 30:
            if comms[incident_id] is None:
                comms[incident_id] = ACTORS[written % len(ACTORS)]
                kind, data = "role_assigned", {"role": "comms", "person": comms[incident_id]}
            else:
                kind, data = "role_released", {"role": "comms", "person": comms[incident_id]}
                comms[incident_id] = None
        elif step % 47 == 46:
            severity[incident_id] = severity[incident_id] % 4 + 1
            kind, data = "severity_changed", {"severity": severity[incident_id]}
        elif kind == "comms_update":
            data["audience"] = ("internal", "leadership", "customers", "support")[written % 4]
        actor = ACTORS[written % len(ACTORS)]
        event = write(
            store, incident_id, kind, actor, data, SYSTEM_CLOCK, base_seq=last_seq[incident_id]
        )
        last_seq[incident_id] = event.seq or last_seq[incident_id]
        written += 1
    store.close()
    print(json.dumps({"written": written, "seconds": time.monotonic() - started}), flush=True)


# -- the baseline (its own process) ------------------------------------------------------------


def baseline(path: str, incident_id: str | None) -> None:
    """Hold the events the wall holds in a plain list; follow the store once a
    second.  On `cost` (stdin): what the events appended since it started cost
    in Python's heap, read again under tracemalloc (bytes per event)."""
    from warroom.core.events import Event
    from warroom.store.sqlite import SQLiteStore

    store = SQLiteStore(path)
    held: list[Event] = []
    cursor = 0

    def catch_up(after: int, into: list[Event]) -> int:
        while True:
            page = store.events_after(after, incident_id, 1000)
            if not page:
                return after
            into.extend(page)
            after = page[-1].gseq or after

    cursor = started = catch_up(cursor, held)
    print(json.dumps({"ready": len(held)}), flush=True)
    while True:
        readable, _, _ = select.select([sys.stdin], [], [], 1.0)
        cursor = catch_up(cursor, held)
        if not readable:
            continue
        command = sys.stdin.readline().strip()
        if command != "cost":
            return
        again: list[Event] = []
        gc.collect()
        objects = len(gc.get_objects())
        tracemalloc.start()
        catch_up(started, again)
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        count = max(len(again), 1)
        objects = (len(gc.get_objects()) - objects) / count
        print(json.dumps({"events": len(again), "bytes": traced / count, "objects": objects}))
        sys.stdout.flush()


# -- the wall in a child process (headless, probed) --------------------------------------------


def wall_child(
    path: str, incident_id: str | None, expected: int, trace: bool, collect: bool
) -> None:
    """Run the wall headless; answer commands read from stdin, one per line
    (`probe`, `fill`, `snap NAME`, `diff A B`, `quit`), with one JSON line
    each on stdout."""
    # Textual captures sys.stdout while the app runs: talk through duplicates
    out = os.fdopen(os.dup(1), "w", buffering=1)
    commands = os.fdopen(os.dup(0), "r")
    if trace:
        tracemalloc.start(TRACE_FRAMES)
    import warroom.tui.app  # noqa: F401  (imports before the store opens, as the CLI does)

    asyncio.run(run_wall(Path(path), incident_id, expected, trace, collect, out, commands))


async def run_wall(
    path: Path,
    incident_id: str | None,
    expected: int,
    trace: bool,
    collect: bool,
    out: IO[str],
    commands: IO[str],
) -> None:
    from warroom.store.sqlite import SQLiteStore
    from warroom.tui.run import app_for_store
    from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen

    def say(value: dict[str, Any]) -> None:
        out.write(json.dumps(value) + "\n")

    store = SQLiteStore(path)
    app = app_for_store(store, user=VIEWER, read_only=True, incident_id=incident_id)
    frames = Frames(app)

    def painted() -> bool:
        screen = app.screen
        if incident_id is not None:
            return (
                isinstance(screen, WallRoomScreen)
                and screen.incident is not None
                and not screen.older_loading
                and screen.timeline.event_count >= expected
            )
        return (
            isinstance(screen, WallHomeScreen)
            and screen.loaded
            and len(screen.cards) == expected
            and all(card.is_mounted and card.incident is not None for card in screen.cards.values())
        )

    ready = frames.until(painted)
    snapshots: dict[str, tracemalloc.Snapshot] = {}
    fill: dict[str, int] = {}

    def probe() -> dict[str, Any]:
        cpu = time.thread_time()
        screen = app.screen
        if collect:
            gc.collect()
        result: dict[str, Any] = {
            "gc_objects": len(gc.get_objects()) + gc.get_freeze_count(),
            "widgets": sum(1 for _ in screen.walk_children(with_self=True)),
            "workers": len(app.workers),
            "frames": frames.count,
            **cache_sizes(),
        }
        if isinstance(screen, WallRoomScreen):
            result["rows"] = screen.timeline.event_count
            result["strips"] = len(screen.timeline._strips)
            result["strips_max"] = screen.timeline._strips.maxsize
        else:
            result["cards"] = len(getattr(screen, "cards", {}))
        if trace:
            result["traced_kb"] = tracemalloc.get_traced_memory()[0] // 1024
        result["probe_cpu_s"] = time.thread_time() - cpu
        return result

    def diff(first: str, second: str, top: int = 12) -> list[str]:
        stats = snapshots[second].compare_to(snapshots[first], "traceback")
        total = sum(stat.size_diff for stat in stats) / 1024
        blocks = sum(stat.count_diff for stat in stats)
        lines = [f"{total:+9.1f} KiB {blocks:+7d} blocks  in all (after a full collection)"]
        for stat in stats[:top]:
            frames_ = [f"{frame.filename}:{frame.lineno}" for frame in stat.traceback]
            ours = [name for name in frames_ if "/src/warroom/" in name]
            lines.append(
                f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
                f"{' <- '.join(reversed(frames_[-4:]))}"
                + (f"  [warroom: {ours[-1]}]" if ours else "")
            )
        return lines

    async with app.run_test(size=SIZE):
        await at_most(ready, "the wall's first paint", 120)
        fill["rss_before_fill_kb"] = rss_kb(os.getpid())
        if not isinstance(app.screen, WallRoomScreen):
            fill["rebuilds"] = await fill_card_caches(app.screen, frames)
        fill_cell_len_cache()
        fill["rss_after_fill_kb"] = rss_kb(os.getpid())
        say({"ready": True, "pid": os.getpid(), **fill})
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, commands.readline)
            words = line.split()
            if not words or words[0] == "quit":
                break
            if words[0] == "probe":
                say(probe())
            elif words[0] == "fill":  # asked once live events flow (the first may restyle)
                screen = app.screen
                pages = 0
                if isinstance(screen, WallRoomScreen):
                    pages = await fill_strip_cache(screen.timeline, frames)
                say({"pages": pages})
            elif words[0] == "snap":
                gc.collect()
                snapshots[words[1]] = tracemalloc.take_snapshot()
                say({"snap": words[1]})
            elif words[0] == "diff":
                say({"diff": diff(words[1], words[2])})
    store.close()


async def fill_strip_cache(timeline: Any, frames: Frames) -> int:
    """Page up from the newest rows until the timeline's strip cache (an LRU
    of rendered rows) is full, then follow the newest event again: the steady
    state of a wall that has shown more events than the cache holds.  Live
    events snap the wall back to the newest row meanwhile: each page is drawn
    once, whatever it shows.  Returns the pages drawn."""
    height = max(timeline.scrollable_content_region.height, 1)
    pages = 0
    while len(timeline._strips) < timeline._strips.maxsize and pages < MAX_PAGES:
        pages += 1
        y = max(round(timeline.max_scroll_y) - pages * height, 0)
        drawn = frames.until(lambda: True)
        timeline.scroll_to(y=y, animate=False)
        await at_most(drawn, f"the page at {y}")
    following = frames.until(
        lambda: timeline.follow and timeline.scroll_offset.y == round(timeline.max_scroll_y)
    )
    timeline.action_scroll_end()
    await at_most(following, "following the newest event again")
    return pages


async def fill_card_caches(screen: Any, frames: Frames) -> int:
    """Rebuild the wall list's cards (the incidents in reverse order, then in
    order, as a change of severity or status reorders them) until Textual's
    render cache that outlives removed widgets is full; returns the rebuilds.

    `StylesCache.get_inner_outer` is an `lru_cache(1024)` on a method: each
    entry keeps a widget's StylesCache, and the strips it rendered, alive after
    the widget is gone (some 10 MB when full).  It stops growing when full:
    the steady state of a wall list that has rebuilt its cards a few hundred
    times.  A full collection every few rebuilds keeps the garbage of removed
    cards from piling up (and raising RSS's high-water mark) meanwhile."""
    from textual._styles_cache import StylesCache

    inner_outer = StylesCache.get_inner_outer
    incidents = list(screen.incidents)
    rebuilds = 0

    async def show(order: list[Any]) -> None:
        screen.incidents = order
        shown = frames.until(
            lambda: all(card.incident is not None for card in screen.cards.values())
        )
        screen.show_incidents()
        await at_most(shown, "the rebuilt cards")

    while rebuilds < MAX_REBUILDS and (
        inner_outer.cache_info().currsize < inner_outer.cache_info().maxsize
    ):
        await show(incidents[::-1])
        await show(incidents)
        rebuilds += 2
        if rebuilds % 10 == 0:
            gc.collect()
    gc.collect()
    return rebuilds


def fill_cell_len_cache() -> None:
    """Fill rich's `cached_cell_len` (an lru_cache of 4096 strings, which
    Textual's Content uses for every text it measures: each new clock line
    and event row is kept until evicted) with strings of a row's length."""
    from rich.cells import cached_cell_len

    filler = " ".join(WORDS)[:120]
    for index in range(cached_cell_len.cache_info().maxsize):
        cached_cell_len(f"{index:06d} {filler}")


def cache_sizes() -> dict[str, int]:
    """Entries in the process-wide LRU caches that outlive what they render."""
    from rich.cells import cached_cell_len
    from textual._styles_cache import StylesCache

    return {
        "cell_len_lru": cached_cell_len.cache_info().currsize,
        "inner_outer_lru": StylesCache.get_inner_outer.cache_info().currsize,
    }


class ChildWall:
    """The wall as a probed child process (the default)."""

    def __init__(
        self, path: Path, incident_id: str | None, expected: int, trace: bool, collect: bool
    ) -> None:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--role",
            "wall",
            str(path),
            incident_id or "-",
            str(expected),
            ",".join(["_", *(["trace"] if trace else []), *(["collect"] if collect else [])]),
        ]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.pid = self.process.pid
        reply = self._read()
        if not reply.get("ready"):
            raise SystemExit(f"the wall did not start: {reply}")
        self.rebuilds = reply.get("rebuilds")
        self.fill_rss = (reply["rss_before_fill_kb"], reply["rss_after_fill_kb"])

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit(f"the wall process ended (status {self.process.wait()})")
            if line.startswith("{"):
                return json.loads(line)

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def probe(self) -> dict[str, Any] | None:
        return self.ask("probe")

    def fill(self) -> None:
        self.ask("fill")

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class TmuxWall:
    """The real `warroom watch --db PATH [REF]` in a detached tmux session of
    160x48, on a tmux server of its own (a private socket)."""

    def __init__(self, path: Path, ref: str | None, folder: Path) -> None:
        if shutil.which("tmux") is None:
            raise SystemExit("--tmux needs tmux on PATH")
        self.socket = f"warroom-bench-wall-{os.getpid()}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("WARROOM_")}
        env.update(
            WARROOM_CONFIG=str(folder / "config.toml"),
            WARROOM_SITE_CONFIG=str(folder / "site.toml"),
            WARROOM_USER=VIEWER,
            XDG_CONFIG_HOME=str(folder / "xdg-config"),
            XDG_DATA_HOME=str(folder / "xdg-data"),
            XDG_STATE_HOME=str(folder / "xdg-state"),
            XDG_CACHE_HOME=str(folder / "xdg-cache"),
            TERM="xterm-256color",
        )
        command = [str(Path(sys.executable).parent / "warroom"), "watch", "--db", str(path)]
        command += [ref] if ref else []
        self._tmux("new-session", "-d", "-s", "wall", "-x", str(SIZE[0]), "-y", str(SIZE[1]),
                   shlex.join(command), env=env)  # fmt: skip
        pane = int(self._tmux("list-panes", "-t", "wall", "-F", "#{pane_pid}").split()[0])
        self.pid = self._python_under(pane)
        self.rebuilds = None
        self.fill_rss = None
        wanted = ref or "open incident"
        deadline = time.monotonic() + 120
        while wanted not in self._tmux("capture-pane", "-p", "-t", "wall"):
            if time.monotonic() > deadline:
                raise SystemExit(f"`warroom watch` did not show {wanted!r}")
            time.sleep(0.2)
        time.sleep(3.0)  # older pages load after the first paint
        self.ref = ref

    def fill(self) -> None:
        """Fill the room's strip cache as the child wall does: page up, then end."""
        if self.ref:
            for _ in range(TMUX_PAGES):
                self._tmux("send-keys", "-t", "wall", "PPage")
                time.sleep(0.03)
            self._tmux("send-keys", "-t", "wall", "End")

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return done.stdout

    @staticmethod
    def _python_under(pid: int) -> int:
        """The `warroom` process: the pane's process, or its descendant (via sh -c)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = [pid]
            for _ in range(4):
                for candidate in list(found):
                    try:
                        cmdline = Path(f"/proc/{candidate}/cmdline").read_bytes()
                    except OSError:
                        continue
                    if (
                        b"warroom" in cmdline
                        and b"tmux" not in cmdline
                        and b"sh\0-c" not in cmdline
                    ):
                        return candidate
                children = []
                for entry in Path("/proc").iterdir():
                    if entry.name.isdigit():
                        try:
                            stat = (entry / "stat").read_text()
                        except OSError:
                            continue
                        if int(stat.rsplit(")", 1)[1].split()[1]) in found:
                            children.append(int(entry.name))
                found = children
            time.sleep(0.2)
        raise SystemExit("cannot find the `warroom watch` process")

    def probe(self) -> dict[str, Any] | None:
        return None

    def ask(self, command: str) -> dict[str, Any]:
        raise SystemExit("--trace needs the child wall (not --tmux)")

    def stop(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


# -- one run ---------------------------------------------------------------------------------


def start_child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--role", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def run(args: argparse.Namespace, mode: str, path: Path, ids: list[str]) -> dict[str, Any]:
    """One wall (room or list) with its baseline and writer; the samples and figures."""
    from warroom.store.sqlite import SQLiteStore

    incident_id = ids[0] if mode == "room" else None
    targets = ids[:1] if mode == "room" else ids
    with SQLiteStore(path) as store:
        ref = store.incident(ids[0]).ref if mode == "room" else None
        open_count = len(store.incidents())
    base = start_child("baseline", str(path), incident_id or "-")
    assert base.stdout is not None
    base_ready = json.loads(base.stdout.readline())
    started = time.monotonic()
    if args.tmux:
        wall: ChildWall | TmuxWall = TmuxWall(path, ref, path.parent)
    else:
        expected = held_count(path, incident_id) if mode == "room" else open_count
        wall = ChildWall(path, incident_id, expected, args.trace, args.collect)
    first_paint = time.monotonic() - started
    print(
        f"{mode}: wall pid {wall.pid} ready after {first_paint:.1f} s "
        f"({'tmux, `warroom watch`' if args.tmux else 'headless child'}); "
        f"baseline holds {base_ready['ready']} events"
        + (f"; {wall.rebuilds} card rebuilds filled the caches" if wall.rebuilds else "")
        + (
            f"; RSS {wall.fill_rss[0] / 1024:.1f} MB after the first paint, "
            f"{wall.fill_rss[1] / 1024:.1f} MB after the fills"
            if wall.fill_rss
            else ""
        ),
        flush=True,
    )
    samples: list[dict[str, Any]] = []
    snaps: list[str] = []

    def sample(phase: str, at: float) -> None:
        probe = wall.probe()
        record = {
            "t": time.monotonic() - at,
            "phase": phase,
            "events": held_count(path, incident_id),
            "wall_rss_kb": rss_kb(wall.pid),
            "wall_cpu_s": cpu_seconds(wall.pid),
            "base_rss_kb": rss_kb(base.pid),
        }
        if probe:
            record |= probe
        samples.append(record)

    def snap(name: str) -> None:
        if args.trace:
            wall.ask(f"snap {name}")
            snaps.append(name)

    writer_process = start_child(
        "writer", str(path), str(args.rate), str(args.warmup + args.minutes * 60), *targets
    )
    try:
        assert writer_process.stdout is not None
        writer_process.stdout.readline()  # "started": imported, the store open
        t0 = time.monotonic()
        writing = args.warmup + args.minutes * 60
        half = args.warmup + args.minutes * 30
        halfway_snapped = False
        filled = False
        next_at = t0
        while writer_process.poll() is None:
            elapsed = time.monotonic() - t0
            if not filled and elapsed >= args.warmup / 2:
                wall.fill()  # the room's strip cache, once live events flow
                filled = True
                continue
            if elapsed >= next_at - t0 and elapsed < writing:
                phase = "warmup" if elapsed < args.warmup else "writing"
                if phase == "writing" and not halfway_snapped and elapsed >= half:
                    snap("half")
                    halfway_snapped = True
                sample(phase, t0)
                next_at += args.interval
            time.sleep(max(0.0, min(next_at - time.monotonic(), 0.25)))
        written = json.loads(writer_process.stdout.read().strip().splitlines()[-1])
        sample("writing", t0)  # the end of writing
        snap("written")
        idle_end = time.monotonic() + SETTLE + args.idle_minutes * 60
        settle_end = time.monotonic() + SETTLE
        while time.monotonic() < settle_end:
            time.sleep(min(args.interval, max(0.0, settle_end - time.monotonic())))
        snap("idle_start")
        next_at = time.monotonic()
        while True:
            sample("idle", t0)
            next_at += args.interval
            if next_at > idle_end + 1e-6:
                break
            time.sleep(max(0.0, next_at - time.monotonic()))
        snap("idle_end")
        assert base.stdin is not None and base.stdout is not None
        base.stdin.write("cost\n")
        base.stdin.flush()
        event_cost = json.loads(base.stdout.readline())
        diffs = {}
        if args.trace:
            diffs["writing, second half"] = wall.ask("diff half written")["diff"]
            diffs["idle"] = wall.ask("diff idle_start idle_end")["diff"]
    finally:
        if writer_process.poll() is None:
            writer_process.terminate()
        wall.stop()
        if base.poll() is None:
            base.terminate()
        base.wait()
    return {
        "mode": mode,
        "tmux": args.tmux,
        "trace": args.trace,
        "collect": args.collect,
        "first_paint_s": first_paint,
        "fill_rss_kb": wall.fill_rss,
        "rebuilds": wall.rebuilds,
        "written": written,
        "event_cost": event_cost,
        "samples": samples,
        "diffs": diffs,
    }


# -- figures ---------------------------------------------------------------------------------


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y on x (0 when x does not vary)."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    if len(points) < 2 or max(xs) == min(xs):
        return 0.0
    return statistics.linear_regression(xs, ys).slope


def figures(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    samples = result["samples"]
    writing = [s for s in samples if s["phase"] == "writing"]
    idle = [s for s in samples if s["phase"] == "idle"]
    half = args.warmup + args.minutes * 30
    second = [s for s in writing if s["t"] >= half]
    mb = 1 / 1024

    def per_hour(rows: list[dict[str, Any]], key: str) -> float:
        return slope([(s["t"], s[key] * mb) for s in rows]) * 3600

    def per_event(rows: list[dict[str, Any]], key: str) -> float:
        return slope([(s["events"], s[key] * 1024) for s in rows])

    start, end = writing[0], writing[-1]
    probe_cpu = sum(s.get("probe_cpu_s", 0.0) for s in idle[1:])
    idle_seconds = idle[-1]["t"] - idle[0]["t"]
    idle_cpu = (idle[-1]["wall_cpu_s"] - idle[0]["wall_cpu_s"] - probe_cpu) / idle_seconds
    probe_cpu_writing = sum(s.get("probe_cpu_s", 0.0) for s in writing[1:])
    writing_cpu = (end["wall_cpu_s"] - start["wall_cpu_s"] - probe_cpu_writing) / (
        end["t"] - start["t"]
    )
    out = {
        "events_start": start["events"],
        "events_end": end["events"],
        "wall_rss_start_mb": start["wall_rss_kb"] * mb,
        "wall_rss_end_mb": end["wall_rss_kb"] * mb,
        "wall_rss_idle_end_mb": idle[-1]["wall_rss_kb"] * mb,
        "base_rss_start_mb": start["base_rss_kb"] * mb,
        "base_rss_end_mb": end["base_rss_kb"] * mb,
        "wall_mb_per_h": per_hour(second, "wall_rss_kb"),
        "base_mb_per_h": per_hour(second, "base_rss_kb"),
        "wall_b_per_event": per_event(second, "wall_rss_kb"),
        "base_b_per_event": per_event(second, "base_rss_kb"),
        "wall_b_per_event_all": (end["wall_rss_kb"] - start["wall_rss_kb"])
        * 1024
        / max(end["events"] - start["events"], 1),
        "base_b_per_event_all": (end["base_rss_kb"] - start["base_rss_kb"])
        * 1024
        / max(end["events"] - start["events"], 1),
        "idle_mb_per_h": per_hour(idle, "wall_rss_kb"),
        "idle_delta_kb": idle[-1]["wall_rss_kb"] - idle[0]["wall_rss_kb"],
        "idle_minutes": idle_seconds / 60,
        "idle_cpu_pct": idle_cpu * 100,
        "writing_cpu_pct": writing_cpu * 100,
        "second_half_samples": len(second),
        "idle_samples": len(idle),
    }
    if "gc_objects" in start:
        out["gc_objects"] = (start["gc_objects"], end["gc_objects"], idle[-1]["gc_objects"])
        out["gc_per_event"] = slope([(s["events"], s["gc_objects"]) for s in second])
        out["idle_gc_delta"] = idle[-1]["gc_objects"] - idle[0]["gc_objects"]
        out["widgets"] = (start["widgets"], end["widgets"], idle[-1]["widgets"])
        out["workers"] = (start["workers"], end["workers"], idle[-1]["workers"])
        out["idle_frames_per_s"] = (idle[-1]["frames"] - idle[0]["frames"]) / idle_seconds
        out["cell_len_lru"] = (start["cell_len_lru"], idle[-1]["cell_len_lru"])
        out["inner_outer_lru"] = (start["inner_outer_lru"], idle[-1]["inner_outer_lru"])
        if "strips" in end:
            out["strips"] = (start["strips"], end["strips"], end["strips_max"])
            out["rows"] = (start["rows"], end["rows"])
        if "traced_kb" in end:
            out["traced_mb"] = (start["traced_kb"] * mb, end["traced_kb"] * mb)
            out["idle_traced_delta_kb"] = idle[-1]["traced_kb"] - idle[0]["traced_kb"]
    # what the events need: the larger of the baseline's RSS slope and their traced size
    out["event_traced_b"] = result["event_cost"]["bytes"]
    need = max(out["base_b_per_event"], out["event_traced_b"])
    out["need_b_per_event"] = need
    out["ratio"] = out["wall_b_per_event"] / need
    limit = ROOM_RATIO if result["mode"] == "room" else LIST_RATIO
    out["growth_ok"] = out["wall_b_per_event"] <= limit * need
    out["idle_ok"] = abs(out["idle_mb_per_h"]) <= IDLE_SLOPE_MB_H
    out["cpu_ok"] = out["idle_cpu_pct"] <= IDLE_CPU_PCT
    return out


def report(result: dict[str, Any], fig: dict[str, Any], args: argparse.Namespace) -> None:
    mode = result["mode"]
    rows: list[tuple[str, str, str]] = []

    def row(what: str, figure: str, note: str = "") -> None:
        rows.append((what, figure, note))

    def ok(flag: bool) -> str:
        return "ok" if flag else "MISSED"

    written = result["written"]
    row(
        "writer",
        f"{written['written']} events in {written['seconds']:.0f} s",
        f"{written['written'] / written['seconds']:.2f}/s "
        f"({'to the incident' if mode == 'room' else 'round-robin over the open incidents'})",
    )
    row(
        "events the wall holds / receives",
        f"{fig['events_start']:,} -> {fig['events_end']:,}",
        "after the warm-up -> end of writing",
    )
    row(
        "wall RSS",
        f"{fig['wall_rss_start_mb']:.1f} -> {fig['wall_rss_end_mb']:.1f} MB",
        f"after the warm-up -> end of writing; {fig['wall_rss_idle_end_mb']:.1f} MB after idle",
    )
    row(
        "baseline RSS (a list of the Events)",
        f"{fig['base_rss_start_mb']:.1f} -> {fig['base_rss_end_mb']:.1f} MB",
    )
    row(
        "growth, 2nd half of writing: wall",
        f"{fig['wall_mb_per_h']:+.2f} MB/h",
        f"{fig['wall_b_per_event']:+.0f} B/event ({fig['second_half_samples']} samples; "
        f"whole writing phase {fig['wall_b_per_event_all']:+.0f} B/event)",
    )
    row(
        "growth, 2nd half of writing: baseline",
        f"{fig['base_mb_per_h']:+.2f} MB/h",
        f"{fig['base_b_per_event']:+.0f} B/event "
        f"(whole writing phase {fig['base_b_per_event_all']:+.0f} B/event)",
    )
    row(
        "the appended events' own size (traced)",
        f"{fig['event_traced_b']:.0f} B/event",
        f"read again under tracemalloc in the baseline ({result['event_cost']['events']} events; "
        f"{result['event_cost']['objects']:.1f} gc-tracked objects each)",
    )
    limit = ROOM_RATIO if mode == "room" else LIST_RATIO
    row(
        "ratio wall / events' need (B/event)",
        f"{fig['ratio']:.2f}",
        f"need = max(baseline slope, traced size) = {fig['need_b_per_event']:.0f} B; "
        f"target <= {limit}: {ok(fig['growth_ok'])}",
    )
    row(
        f"idle ({fig['idle_minutes']:.1f} min, no writes): RSS slope",
        f"{fig['idle_mb_per_h']:+.2f} MB/h",
        f"{fig['idle_delta_kb']:+d} KiB over the phase ({fig['idle_samples']} samples); "
        f"target |slope| <= {IDLE_SLOPE_MB_H}: {ok(fig['idle_ok'])}",
    )
    row(
        "idle CPU",
        f"{fig['idle_cpu_pct']:.2f}% of a core",
        f"target <= {IDLE_CPU_PCT}%: {ok(fig['cpu_ok'])}",
    )
    row("CPU while writing", f"{fig['writing_cpu_pct']:.1f}% of a core", f"at {args.rate}/s")
    if "gc_objects" in fig:
        start, end, after = fig["gc_objects"]
        row(
            "gc-tracked objects",
            f"{start:,} -> {end:,} -> {after:,}",
            f"{fig['gc_per_event']:+.1f}/event (2nd half); idle {fig['idle_gc_delta']:+,d}",
        )
        row(
            "widgets / workers",
            f"{fig['widgets'][0]} -> {fig['widgets'][1]} -> {fig['widgets'][2]} / "
            f"{fig['workers'][0]} -> {fig['workers'][1]} -> {fig['workers'][2]}",
            f"idle frames {fig['idle_frames_per_s']:.2f}/s",
        )
        if "strips" in fig:
            row(
                "timeline rows / strip cache",
                f"{fig['rows'][0]:,} -> {fig['rows'][1]:,} / "
                f"{fig['strips'][0]} -> {fig['strips'][1]}",
                f"(the strip cache is an LRU of {fig['strips'][2]} rows)",
            )
        row(
            "cached_cell_len / get_inner_outer LRUs",
            f"{fig['cell_len_lru'][0]} -> {fig['cell_len_lru'][1]} / "
            f"{fig['inner_outer_lru'][0]} -> {fig['inner_outer_lru'][1]}",
            "entries (of 4096 / 1024); full: the fill reached the steady state",
        )
        if "traced_mb" in fig:
            row(
                "tracemalloc traced",
                f"{fig['traced_mb'][0]:.1f} -> {fig['traced_mb'][1]:.1f} MB",
                f"idle {fig['idle_traced_delta_kb']:+d} KiB",
            )
    width = [max(len(line[column]) for line in rows) for column in range(2)]
    how = "`warroom watch` in tmux" if result["tmux"] else "headless"
    how += ", tracemalloc on" if result["trace"] else ""
    how += ", gc.collect() before each probe" if result["collect"] else ""
    print(f"\nwall bench, {mode} ({how})")
    for what, figure, note in rows:
        print(f"  {what:<{width[0]}}  {figure:>{width[1]}}  {note}".rstrip())
    for name, lines in result["diffs"].items():
        print(f"  tracemalloc, biggest growths by traceback over {name}:")
        for line in lines:
            print(f"    {line}")
    good = fig["growth_ok"] and fig["idle_ok"] and fig["cpu_ok"]
    missed = [
        name
        for name, flag in (
            ("growth", fig["growth_ok"]),
            ("idle RSS", fig["idle_ok"]),
            ("idle CPU", fig["cpu_ok"]),
        )
        if not flag
    ]
    holds = (
        f"grows {fig['ratio']:.2f}x what its events need"
        if mode == "room"
        else f"grows {fig['ratio']:.2f}x what holding the events would cost (it holds none)"
    )
    print(
        f"VERDICT {mode}: {'ok' if good else 'MISSED (' + ', '.join(missed) + ')'} -- "
        f"while writing the wall {holds}; "
        f"idle RSS {fig['idle_mb_per_h']:+.2f} MB/h, idle CPU {fig['idle_cpu_pct']:.2f}%"
    )


# -- main ------------------------------------------------------------------------------------


def child(role: list[str]) -> None:
    what, rest = role[0], role[1:]
    if what == "writer":
        writer(rest[0], float(rest[1]), float(rest[2]), rest[3:])
    elif what == "baseline":
        baseline(rest[0], None if rest[1] == "-" else rest[1])
    elif what == "wall":
        flags = rest[3].split(",")
        incident_id = None if rest[1] == "-" else rest[1]
        wall_child(rest[0], incident_id, int(rest[2]), "trace" in flags, "collect" in flags)
    else:
        raise SystemExit(f"unknown role {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("room", "list", "both"), default="room")
    parser.add_argument("--minutes", type=float, default=6.0, help="writing phase (after warm-up)")
    parser.add_argument("--idle-minutes", type=float, default=3.0, help="idle phase")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds of writing, unmeasured")
    parser.add_argument("--rate", type=float, default=5.0, help="events appended per second")
    parser.add_argument("--events", type=int, default=3000, help="events of the incident at start")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--tmux", action="store_true", help="the real `warroom watch` in tmux")
    parser.add_argument("--trace", action="store_true", help="tracemalloc diffs in the wall")
    parser.add_argument(
        "--collect", action="store_true", help="a full gc.collect() in the wall before each probe"
    )
    parser.add_argument(
        "--quick", action="store_true", help="warm-up 10 s, 1 min writing, 0.5 min idle, 2 s"
    )
    parser.add_argument("--json", type=Path, help="write the samples and figures here")
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        child(args.role)
        return
    if args.quick:
        args.warmup, args.minutes, args.idle_minutes, args.interval = 10.0, 1.0, 0.5, 2.0
    if args.tmux and (args.trace or args.collect):
        parser.error("--trace and --collect need the child wall (not --tmux)")

    import textual

    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-wall-"))
    began, load_before = time.monotonic(), os.getloadavg()[0]
    results = []
    try:
        for mode in ("room", "list") if args.mode == "both" else (args.mode,):
            run_folder = folder / mode
            run_folder.mkdir()
            path, ids = make_store(run_folder, args.events)
            result = run(args, mode, path, ids)
            results.append((result, figures(result, args)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\nwall bench: {SIZE[0]}x{SIZE[1]}; Textual {textual.__version__}, "
        f"Python {platform.python_version()}; {args.events:,} events at start, "
        f"{args.rate}/s for {args.warmup:.0f} s warm-up + {args.minutes} min, "
        f"{args.idle_minutes} min idle, samples every {args.interval} s; "
        f"{time.monotonic() - began:.0f} s; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)"
    )
    for result, fig in results:
        report(result, fig, args)
    if args.quick:
        print(
            "note: --quick only tries the bench out: over a 30 s window the garbage awaiting "
            "Python's next full collection (a sawtooth of a few MB) dominates the growth "
            "figures; judge growth from a run of the default length"
        )
    if args.json:
        args.json.write_text(
            json.dumps([{**result, "figures": fig} for result, fig in results], indent=1)
        )
        print(f"samples: {args.json}")


if __name__ == "__main__":
    main()
