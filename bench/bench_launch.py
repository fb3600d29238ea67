"""Launching `warroom tui REF` in a real terminal (tmux) until the incident's
title is on screen, against a bare Textual app with four empty panes launched
the same way, same run.

    .venv/bin/python bench/bench_launch.py [RUNS]

Each launch is a new process in a new tmux session (`new-session -d`, 160x48,
on a tmux server of its own, started before the first timed launch); the time
runs from just before `new-session` to the first `capture-pane` whose text
holds the title, so it is what a user sees: process start, imports, opening
the store, the first frame.  The bare app (`bench_launch.py bare TITLE`, this
file) has the room's four panes and stylesheet (as bench_room.py's baseline)
and shows the title in its header.  The war room opens an incident with 200
events.  Runs interleaved; medians.  Target: room/bare <= 1.6.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TITLE = "Launch bench: checkout 502s"
SIZE = (160, 48)
SOCKET = f"warroom-bench-{os.getpid()}"
POLL_S = 0.002
TIMEOUT_S = 60.0


def run_bare(title: str) -> None:
    """The baseline app: four empty panes, the title in the header."""
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal, Vertical
    from textual.scroll_view import ScrollView
    from textual.widgets import Static

    from warroom.resources import styles_path

    class Bare(App[None]):
        CSS_PATH = str(styles_path("app.tcss"))
        CSS = "#bare-header { height: 5; padding: 0 1; background: $panel; }"

        def compose(self) -> ComposeResult:
            yield Static(title, id="bare-header", markup=False)
            with Horizontal(id="room-body"):
                yield ScrollView(id="timeline")
                with Vertical(id="side"):
                    yield Static("", id="roster")
                    yield Static("", id="runbook")

    Bare().run()


def tmux(*args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False
    )
    return done.stdout


def launch(command: list[str], env: dict[str, str], name: str) -> float:
    """Seconds from starting `command` in a new tmux session until TITLE shows."""
    shell = " ".join(f"'{part}'" for part in command)
    exports = " ".join(f"{key}='{value}'" for key, value in env.items())
    started = time.perf_counter()
    tmux(
        "new-session", "-d", "-s", name, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
        f"env {exports} {shell}",
    )  # fmt: skip
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            if TITLE in tmux("capture-pane", "-p", "-t", name):
                return time.perf_counter() - started
            time.sleep(POLL_S)
        raise SystemExit(f"{name}: the title did not show in {TIMEOUT_S} s")
    finally:
        tmux("kill-session", "-t", name)
        time.sleep(0.3)  # let the killed app exit before the next launch


def make_store(folder: Path) -> dict[str, str]:
    from warroom.core.clock import SYSTEM_CLOCK
    from warroom.services.incidents import declare, write
    from warroom.store.sqlite import SQLiteStore

    db = folder / "launch.db"
    with SQLiteStore(db) as store:
        incident = declare(store, "bench", SYSTEM_CLOCK, title=TITLE, severity=2)
        for index in range(199):
            write(store, incident.id, "note", "bench", {"text": f"note {index}"}, SYSTEM_CLOCK)
    return {
        "WARROOM_DB": str(db),
        "WARROOM_CONFIG": str(folder / "none.toml"),
        "WARROOM_SITE_CONFIG": str(folder / "none.toml"),
        "WARROOM_USER": "bench",
    }


def main(runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-launch-"))
    env = make_store(folder)
    env["PATH"] = os.environ.get("PATH", "")
    tmux("new-session", "-d", "-s", "anchor", "-x", "80", "-y", "24", "sleep 3600")
    room_cmd = [sys.executable, "-m", "warroom", "tui", "INC-1"]
    bare_cmd = [sys.executable, str(Path(__file__).resolve()), "bare", TITLE]
    try:
        launch(bare_cmd, env, "warm-bare")  # warm the OS caches, untimed
        launch(room_cmd, env, "warm-room")
        bare_times, room_times = [], []
        for index in range(runs):
            bare_times.append(launch(bare_cmd, env, f"bare-{index}"))
            room_times.append(launch(room_cmd, env, f"room-{index}"))
    finally:
        tmux("kill-server")
    bare = statistics.median(bare_times)
    room = statistics.median(room_times)
    load = os.getloadavg()[0]
    print(f"bare app, 4 panes : median {bare * 1000:.0f} ms (n={runs})")
    print(f"warroom tui INC-1 : median {room * 1000:.0f} ms (n={runs})")
    print(f"ratio             : {room / bare:.2f}  (target <= 1.6; load average {load:.1f})")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "bare":
        run_bare(sys.argv[2])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
