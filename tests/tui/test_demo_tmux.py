"""`warroom demo` end to end in a real terminal (tmux on a private socket):
the war room opens on the drill's incident, its events arrive live, and
quitting prints the drill's score."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.test_e2e_tmux import Tmux, _command

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)


@pytest.fixture
def demo_tmux(isolated_env: dict[str, str], tmp_path: Path) -> Iterator[Tmux]:
    temporary = tmp_path / "tmp"  # the demo's temporary store goes here, not in /tmp
    temporary.mkdir()
    env = {**isolated_env, "TERM": "xterm-256color", "TZ": "UTC", "TMPDIR": str(temporary)}
    # pytest-xdist workers have COLUMNS=80 LINES=24, which Textual would obey
    # over the tmux window's real size
    for name in ("TMUX", "COLUMNS", "LINES"):
        env.pop(name, None)
    server = Tmux(env)
    try:
        yield server
    finally:
        server.kill()


def test_demo_shows_a_live_drill_and_prints_the_score(demo_tmux: Tmux) -> None:
    tmux = demo_tmux
    demo = _command(tmux.env, "demo", "--speed", "600")
    command = f"TMPDIR={shlex.quote(tmux.env['TMPDIR'])} {demo}; echo warroom exited $?; sleep 60"
    tmux("new-session", "-d", "-s", "demo", "-x", "140", "-y", "40", command)
    # it starts with the briefing `warroom drill` prints
    briefing = tmux.wait_for("demo:0", "Drill briefing")
    assert "INC-1: drill started" in briefing and "Facilitator: the page goes out" in briefing
    tmux("send-keys", "-t", "demo:0", "Enter")

    tmux.wait_until(
        "demo:0",
        lambda screen: all(
            text in screen
            for text in ("INC-1", "Checkout API: 5xx ratio above SLO", "Timeline", "Runbook")
        ),
        "the drill's war room, its panes side by side",
    )
    [store] = Path(tmux.env["TMPDIR"]).iterdir()  # the demo's own temporary store
    assert store.name.startswith("warroom-demo-") and (store / "demo.db").exists()
    # the scenario's injects arrive live: the page, then (45 drill minutes in
    # 4.5 s) the end of the drill with its score on the timeline
    tmux.wait_for("demo:0", "CheckoutApiHighErrorRate")
    # the score on screen when the drill ends; opening the room did not declare
    score = tmux.wait_for("demo:0", "expected responses met")
    assert "Drill over: the score" in score and re.search(r"MISSED +declare .* not done", score)
    tmux("send-keys", "-t", "demo:0", "Enter")
    tmux.wait_for("demo:0", "Drill score")
    tmux.wait_for("demo:0", "Web API error-rate spike")  # the runbook its service brought

    tmux("send-keys", "-t", "demo:0", "q")
    tmux.wait_for("demo:0", "c: show closed too")  # the home screen
    tmux("send-keys", "-t", "demo:0", "q")
    out = tmux.wait_for("demo:0", "warroom exited 0")
    assert "INC-1: drill over (time ran out)" in out
    assert "expected responses met" in out
    # the temporary store is gone with the demo
    assert list(Path(tmux.env["TMPDIR"]).iterdir()) == []
