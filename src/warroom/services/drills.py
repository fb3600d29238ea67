"""The drill runner, behind `warroom drill SCENARIO [--speed N]` and `warroom demo`.

The runner declares a new incident marked as a drill (as the page would),
attaches the scenario's runbook, then writes the scenario's injects when
their time comes — at `speed` times real time — while responders work the
incident from the TUI or the CLI.  It ends when the incident is resolved
(or closed, or cancelled), when the scenario's time runs out, or on Ctrl-C;
then it scores the response against the checklist, puts the score on the
timeline and resolves the incident if it is still open.

Injects are written at the moment they are due, stamped with that moment:
never ahead of time.  The runner takes a clock and a sleep function, so a
test can run a whole drill without waiting.  Scenario parsing and scoring
are pure (`warroom.core.drill`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.config import Settings
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.drill import DRILL_ACTOR, Inject, Scenario, Score, parse_scenario, score
from warroom.core.errors import Refused, UsageError, WarroomError
from warroom.core.incident import Incident
from warroom.core.runbook_library import Library
from warroom.core.text import clean_line
from warroom.core.times import format_duration
from warroom.store.base import Store

POLL_SECONDS = 0.2  # how often the runner looks at the incident's status
MAX_SPEED = 10_000.0
Say = Callable[[str], None]


def scenario_folder() -> Path:
    from warroom.resources import data_path

    return data_path("scenarios")


def scenario_files() -> list[Path]:
    return sorted(scenario_folder().glob("*.toml"))


def load_scenario(query: str) -> Scenario:
    """A scenario by name (a file of data/scenarios without .toml) or by file."""
    path = Path(query).expanduser()
    if not path.is_file():
        path = scenario_folder() / f"{query}.toml"
    if not path.is_file():
        names = ", ".join(file.stem for file in scenario_files()) or "none"
        raise UsageError(f"no scenario {query!r} (scenarios: {names}; or give a TOML file)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    return parse_scenario(text, path.stem, str(path))


@dataclass
class DrillResult:
    incident_id: str
    ref: str
    ended: str  # resolved, closed, cancelled, time ran out, stopped, interrupted
    score: Score


@dataclass
class DrillRun:
    """One drill against one store; `run_drill` plays it from start to end."""

    store: Store
    scenario: Scenario
    speed: float
    clock: Clock
    sleep: Callable[[float], object]
    say: Say = lambda line: None
    stopped: Callable[[], bool] = lambda: False
    poll: float = POLL_SECONDS
    incident: Incident | None = None
    start: datetime | None = None

    def declare(self, runbooks: Library | None = None) -> Incident:
        from warroom.services.declare import declare_with_runbook

        scenario = self.scenario
        declared = declare_with_runbook(
            self.store,
            DRILL_ACTOR,
            self.clock,
            title=scenario.title,
            severity=scenario.severity,
            service=scenario.service,
            drill=True,
            page=scenario.page,
            runbooks=None if runbooks is None else lambda: runbooks,
            runbook=scenario.runbook,
        )
        incident = declared.incident
        self.incident, self.start = incident, incident.declared_at or self.clock.now()
        real = format_duration(scenario.duration.total_seconds() / self.speed)
        service = f", {clean_line(scenario.service)}" if scenario.service else ""
        self.say(
            f"{incident.ref}: drill started: {clean_line(scenario.title)} "
            f"(SEV{scenario.severity}{service}), {self.speed:g}x: "
            f"{format_duration(scenario.duration.total_seconds())} of drill time in {real}"
        )
        self.say(f"work it with: warroom tui {incident.ref}   (or warroom status/assign/update)")
        if scenario.briefing:
            self.say(clean_line(scenario.briefing))
        match = declared.runbook
        if match.error is not None:
            self.say(f"no runbook attached: {clean_line(str(match.error))}")
        elif match.attached is not None:
            self.say(f"runbook attached: {clean_line(match.attached.name)}")
        return incident

    def play(self) -> str:
        """Write the injects as they fall due; return why the drill ended."""
        assert self.start is not None
        for inject in self.scenario.injects:
            ended = self._wait_until(self.start + inject.at / self.speed)
            if ended:
                return ended
            self._inject(inject)
        return self._wait_until(self.start + self.scenario.duration / self.speed) or (
            "time ran out"
        )

    def _status(self) -> str:
        assert self.incident is not None
        return self.store.incident(self.incident.id).status

    def _wait_until(self, due: datetime) -> str | None:
        while True:
            if self.stopped():
                return "stopped"
            status = self._status()
            if not self.store.catalog.is_open(status):
                return status
            remaining = (due - self.clock.now()).total_seconds()
            if remaining <= 0:
                return None
            self.sleep(min(remaining, self.poll))

    def _inject(self, inject: Inject) -> None:
        from warroom.services.incidents import write

        assert self.incident is not None and self.start is not None
        offset = format_duration(((self.clock.now() - self.start) * self.speed).total_seconds())
        line = f"[+{offset}] {clean_line(inject.actor)}: {clean_line(inject.describe())}"
        if inject.if_status:
            status = self._status()
            if status not in inject.if_status:
                self.say(f"{line}  (skipped: the incident is {status})")
                return
        try:
            write(
                self.store,
                self.incident.id,
                inject.event_kind,
                inject.actor,
                inject.data,
                self.clock,
            )
        except Refused as error:
            self.say(f"{line}  (skipped: {clean_line(str(error))})")
            return
        self.say(line)

    def finish(self, ended: str, close: bool = True) -> Score:
        """Score the response, put the score on the timeline, and resolve the
        incident if it is still open (unless `close` is False)."""
        from warroom.services.incidents import write

        assert self.incident is not None
        incident_id = self.incident.id
        result = score(
            self.store.events(incident_id), self.scenario, self.speed, self.store.catalog
        )
        self.say(f"{self.incident.ref}: drill over ({ended}): {clean_line(self.scenario.title)}")
        for line in result.lines():
            self.say(line)
        write(self.store, incident_id, "note", DRILL_ACTOR, {"text": result.summary()}, self.clock)
        if close and self.store.catalog.is_open(self._status()):
            data = {"to": "resolved", "reason": f"the drill is over ({ended})"}
            write(self.store, incident_id, "status_changed", DRILL_ACTOR, data, self.clock)
        return result


def run_drill(
    store: Store,
    scenario: Scenario,
    *,
    speed: float = 1.0,
    clock: Clock = SYSTEM_CLOCK,
    sleep: Callable[[float], object] = time.sleep,
    runbooks: Library | None = None,
    say: Say = lambda line: None,
    stopped: Callable[[], bool] = lambda: False,
    close: bool = True,
    on_declared: Callable[[Incident], None] | None = None,
    poll: float = POLL_SECONDS,
) -> DrillResult:
    """Run a whole drill: declare, play the injects, score.  Ctrl-C ends it
    early and still scores what the team did."""
    check_speed(speed)
    run = DrillRun(store, scenario, speed, clock, sleep, say, stopped, poll)
    incident = run.declare(runbooks)
    if on_declared is not None:
        on_declared(incident)
    try:
        ended = run.play()
    except KeyboardInterrupt:
        ended = "interrupted"
    result = run.finish(ended, close=close)
    return DrillResult(incident.id, incident.ref, ended, result)


# -- warroom demo -------------------------------------------------------------------


class DrillEnd:
    """Tells whoever listens (from any thread) the drill's score lines once
    it is over; a listener that comes after the end is told at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: list[str] | None = None
        self._listeners: list[Callable[[Sequence[str]], None]] = []

    def listen(self, listener: Callable[[Sequence[str]], None]) -> None:
        with self._lock:
            lines = self._lines
            if lines is None:
                self._listeners.append(listener)
        if lines is not None:
            listener(lines)

    def over(self, lines: Sequence[str]) -> None:
        with self._lock:
            self._lines = list(lines)
            listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener(self._lines)


def score_lines(lines: Sequence[str]) -> list[str]:
    """What a drill said from its end on: "drill over", then the score."""
    over = next((i for i, line in enumerate(lines) if "drill over" in line), len(lines))
    return list(lines[over:])


@dataclass
class Demo:
    """A drill running in a background thread on a temporary store."""

    settings: Settings  # the temporary store's settings, for the TUI
    ref: str
    thread: threading.Thread
    stop_event: threading.Event
    lines: list[str] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)
    briefing: list[str] = field(default_factory=list)  # what `warroom drill` prints first
    end: DrillEnd = field(default_factory=DrillEnd)

    @property
    def result(self) -> DrillResult | None:
        return self.outcome.get("result")

    def stop(self, timeout: float = 30.0) -> DrillResult | None:
        """End the drill (it scores what was done) and wait for its thread."""
        self.stop_event.set()
        self.thread.join(timeout)
        error = self.outcome.get("error")
        if error is not None:
            raise error
        return self.result


def start_demo(
    folder: Path,
    scenario: Scenario,
    speed: float,
    settings: Settings,
    clock: Clock = SYSTEM_CLOCK,
    timeout: float = 30.0,
) -> Demo:
    """Make a store in `folder` and start `scenario` on it in a background
    thread; return once the drill's incident exists."""
    from warroom.services.runbooks import library
    from warroom.store.sqlite import SQLiteStore

    folder.mkdir(parents=True, exist_ok=True)
    demo_settings = replace(
        settings, db=folder / "demo.db", db_is_default=False, server=None, token=None
    )
    runbooks = library(demo_settings)
    stop_event = threading.Event()
    ready = threading.Event()
    lines: list[str] = []
    outcome: dict[str, Any] = {}
    end = DrillEnd()

    def declared(incident: Incident) -> None:
        outcome["ref"] = incident.ref
        outcome["briefing"] = list(lines)  # said before the first inject
        ready.set()

    def work() -> None:
        try:
            store = SQLiteStore(demo_settings.db, demo_settings.catalog(), clock=clock)
            try:
                outcome["result"] = run_drill(
                    store,
                    scenario,
                    speed=speed,
                    clock=clock,
                    sleep=stop_event.wait,
                    runbooks=runbooks,
                    say=lines.append,
                    stopped=stop_event.is_set,
                    on_declared=declared,
                )
            finally:
                store.close()
            end.over(score_lines(lines))
        except BaseException as error:  # handed to the caller by Demo.stop()
            outcome["error"] = error
        finally:
            ready.set()

    thread = threading.Thread(target=work, name="warroom-demo-drill", daemon=True)
    thread.start()
    if not ready.wait(timeout) or "ref" not in outcome:
        stop_event.set()
        thread.join(timeout)
        error = outcome.get("error")
        raise WarroomError(f"the demo drill did not start: {error or 'timed out'}")
    return Demo(
        demo_settings, outcome["ref"], thread, stop_event, lines, outcome, outcome["briefing"], end
    )


def check_speed(speed: float) -> None:
    if not 0 < speed <= MAX_SPEED:
        raise UsageError(f"--speed must be above 0 and at most {MAX_SPEED:g}")
