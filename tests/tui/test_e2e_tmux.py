"""End to end in a real terminal: tmux on a private socket runs `warroom`;
declare with `d`, log a note with `n`; a second window in wall mode
(`warroom watch INC-1`) shows the note.  `warroom replay INC-1` steps
through an incident and writes nothing."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore

DEADLINE = 30.0  # seconds for any one thing to appear on screen

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)


class Tmux:
    """A tmux server of our own (`-L <unique socket>`), killed at the end."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"warroom-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = env

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=15,
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def screen(self, target: str) -> str:
        return self("capture-pane", "-p", "-t", target)

    def wait_for(self, target: str, text: str, deadline: float = DEADLINE) -> str:
        return self.wait_until(target, lambda screen: text in screen, text, deadline)

    def wait_until(
        self, target: str, check: Callable[[str], bool], what: str, deadline: float = DEADLINE
    ) -> str:
        end = time.monotonic() + deadline
        screen = ""
        while time.monotonic() < end:
            screen = self.screen(target)
            if check(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{what!r} did not appear in {target} within {deadline}s:\n{screen}")

    def kill(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            capture_output=True,
            env=self.env,
            timeout=15,
        )


@pytest.fixture
def tmux(isolated_env: dict[str, str]) -> Iterator[Tmux]:
    env = {**isolated_env, "TERM": "xterm-256color", "TZ": "UTC"}
    env.pop("TMUX", None)
    server = Tmux(env)
    try:
        yield server
    finally:
        server.kill()


def _command(env: dict[str, str], *args: str) -> str:
    """A shell command running warroom with the test's environment, made explicit."""
    names = sorted(k for k in env if k.startswith(("WARROOM_", "XDG_")) or k in ("TERM", "TZ"))
    assignments = " ".join(f"{name}={shlex.quote(env[name])}" for name in names)
    program = " ".join(shlex.quote(part) for part in (sys.executable, "-m", "warroom", *args))
    return f"env {assignments} {program}"


def test_declare_note_and_wall_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    env = tmux.env
    writer = _command(env) + "; echo warroom exited $?; sleep 60"
    tmux("new-session", "-d", "-s", "wr", "-x", "120", "-y", "36", writer)
    tmux.wait_for("wr:0", "No open incidents")

    tmux("send-keys", "-t", "wr:0", "d")
    tmux.wait_for("wr:0", "Declare an incident")
    tmux("send-keys", "-t", "wr:0", "-l", "Disk full on db-7")
    tmux("send-keys", "-t", "wr:0", "Enter")
    tmux.wait_until(
        "wr:0",
        lambda screen: "INC-1" in screen and "Timeline" in screen,
        "the war room of INC-1",
    )

    tmux("send-keys", "-t", "wr:0", "n")
    tmux.wait_for("wr:0", "note ›")
    tmux("send-keys", "-t", "wr:0", "-l", "pruned old WAL segments")
    tmux("send-keys", "-t", "wr:0", "Enter")
    tmux.wait_until(
        "wr:0",
        lambda screen: "pruned old WAL segments" in screen and "note ›" not in screen,
        "the note in the writer's timeline",
    )

    tmux("new-window", "-t", "wr", _command(env, "watch", "INC-1"))
    wall = tmux.wait_for("wr:1", "pruned old WAL segments")
    assert "Disk full on db-7" in wall
    assert "SEV3" in wall

    tmux("send-keys", "-t", "wr:0", "q")
    tmux.wait_for("wr:0", "1 open incident")  # back on the list
    tmux("send-keys", "-t", "wr:0", "q")
    tmux.wait_for("wr:0", "warroom exited 0")  # quits cleanly: no thread left behind

    store = SQLiteStore(Path(env["WARROOM_DB"]))
    try:
        [incident] = store.incidents()
        kinds = [(event.kind, event.actor) for event in store.events(incident.id)]
    finally:
        store.close()
    assert kinds == [("declared", "tester"), ("note", "tester")]
    assert incident.lead == "tester"


def test_replay_steps_through_an_incident_in_a_real_terminal(tmux: Tmux) -> None:
    env = tmux.env
    store = SQLiteStore(Path(env["WARROOM_DB"]))
    try:
        incident = declare(store, "alice", SYSTEM_CLOCK, "Disk full on db-7", severity=2)
        for kind, data in (
            ("note", {"text": "pruned old WAL segments"}),
            ("status_changed", {"to": "identified", "reason": "WAL growth"}),
            ("note", {"text": "disk at 61%"}),
        ):
            write(store, incident.id, kind, "alice", data, SYSTEM_CLOCK)
    finally:
        store.close()
    command = _command(env, "replay", "INC-1") + "; echo warroom exited $?; sleep 60"
    tmux("new-session", "-d", "-s", "wr", "-x", "120", "-y", "36", command)
    screen = tmux.wait_for("wr:0", "event 4 of 4")
    assert "REPLAY" in screen and "disk at 61%" in screen and "IDENTIFIED" in screen

    tmux("send-keys", "-t", "wr:0", "Home")
    screen = tmux.wait_for("wr:0", "event 1 of 4")
    assert "INVESTIGATING" in screen and "pruned old WAL segments" not in screen
    tmux("send-keys", "-t", "wr:0", "Right")
    screen = tmux.wait_for("wr:0", "event 2 of 4")
    assert "pruned old WAL segments" in screen and "disk at 61%" not in screen
    tmux("send-keys", "-t", "wr:0", "]")
    screen = tmux.wait_for("wr:0", "event 3 of 4")
    assert "IDENTIFIED" in screen
    tmux("send-keys", "-t", "wr:0", "n")  # a write key: the hint, nothing written
    tmux.wait_for("wr:0", "replay is read-only")
    tmux("send-keys", "-t", "wr:0", "Escape")
    tmux.wait_for("wr:0", "warroom exited 0")

    store = SQLiteStore(Path(env["WARROOM_DB"]))
    try:
        assert len(store.events(incident.id)) == 4
    finally:
        store.close()
