"""Drills: scenario files, scoring from the incident's events, the runner on
a real SQLite store with a test clock, the demo's background drill, and the
whole thing end to end through the CLI with a responder in another process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.config import Settings
from warroom.core.clock import SYSTEM_CLOCK, FixedClock
from warroom.core.drill import DRILL_ACTOR, parse_scenario, score
from warroom.core.errors import UsageError
from warroom.core.events import Event, make_event, new_id
from warroom.core.times import parse_wire_time
from warroom.services.drills import load_scenario, run_drill, scenario_files, start_demo
from warroom.services.incidents import write
from warroom.store.sqlite import SQLiteStore

SCENARIO = """
title = "Cache cluster down"
service = "sessions-cache"
severity = 3
duration = "30m"

[expect]
declare = "5m"
lead = "5m"
update = "10m"
mitigate = "12m"
resolve = "25m"
severity = 2

[[inject]]
at = "0s"
actor = "alertmanager"
text = "[FIRING] RedisDown sessions-cache-0"

[[inject]]
at = "3m"
kind = "finding"
actor = "grafana"
text = "evictions at 100%"

[[inject]]
at = "10m"
kind = "status"
to = "investigating"
if_status = ["mitigated"]
text = "errors are back"

[[inject]]
at = "11m"
kind = "alert"
actor = "alertmanager"
if_status = ["resolved"]
text = "never sent: the incident is not resolved at 11m"
"""


def test_the_shipped_scenarios_are_realistic_and_valid() -> None:
    files = scenario_files()
    assert [path.stem for path in files] == [
        "checkout-5xx-after-deploy",
        "orders-db-primary-hung",
    ]
    for path in files:
        scenario = load_scenario(path.stem)
        assert len(scenario.injects) >= 6
        assert {"declare", "lead", "update", "mitigate"} <= set(scenario.expect)
        assert scenario.expect_severity is not None and scenario.service
        assert scenario.injects[0].at == timedelta(0)  # the page comes first
        assert all(inject.at <= scenario.duration for inject in scenario.injects)
        assert len(scenario.systems) >= 4  # alertmanager, support, logs, ...


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('duration = "30m"', 'duration = "half an hour"', "'half an hour' is not a duration"),
        ('title = "Cache cluster down"', 'title = ""', "title must be a non-empty string"),
        ("severity = 3", 'severity = 3\ncolour = "red"', "unknown key 'colour'"),
        ('mitigate = "12m"', 'mitigate = "soon"', "'soon' is not a duration"),
        ('title = "Cache cluster down"', "title = [", "is not valid TOML"),
        ("", "[[inject]]\nat = '1m'\nkind = 'status'\nto = 'mitigated'", "the team's to do"),
        ("", "[[inject]]\nat = '40m'\ntext = 'late'", "after the duration"),
        ("", "[[inject]]\nat = '1m'\nkind = 'pager'\ntext = 'x'", "kind 'pager'"),
        ("", "[[inject]]\nat = '1m'\nkind = 'finding'", 'text = "..." is missing'),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_file(old: str, new: str, message: str) -> None:
    text = SCENARIO.replace(old, new, 1) if old else SCENARIO + "\n" + new + "\n"
    with pytest.raises(UsageError, match=r"drills/bad\.toml") as error:
        parse_scenario(text, "bad", "drills/bad.toml")
    assert message in str(error.value)


def _event(incident: str, kind: str, actor: str, data: dict, at: datetime, seq: int) -> Event:
    return make_event(incident, kind, actor, data, at, seq - 1).stored(seq, seq, at)


def test_score_counts_drill_time_from_the_team_s_own_events() -> None:
    scenario = parse_scenario(SCENARIO, "cache")
    start = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    incident = new_id()

    def at(real_seconds: float) -> datetime:
        return start + timedelta(seconds=real_seconds)

    timeline = [
        ("declared", DRILL_ACTOR, {"title": "t", "severity": 3, "drill": True}, 0),
        ("note", "alertmanager", {"text": "[FIRING]"}, 0),
        ("participant_joined", "bob", {"person": "bob"}, 12),  # 2m of drill time at 10x
        ("role_assigned", "bob", {"role": "responder", "person": "bob"}, 20),
        ("role_assigned", "bob", {"role": "lead", "person": "carol"}, 42),  # 7m: late
        ("severity_changed", "carol", {"severity": 2}, 48),
        ("status_changed", "carol", {"to": "mitigated"}, 54),  # 9m
        ("status_changed", DRILL_ACTOR, {"to": "investigating"}, 60),  # the relapse
        ("status_changed", "carol", {"to": "mitigated"}, 66),  # 11m: what counts
    ]
    events = [
        _event(incident, kind, actor, data, at(real), seq)
        for seq, (kind, actor, data, real) in enumerate(timeline, start=1)
    ]
    result = score(events, scenario, speed=10)
    took = {check.key: check.took for check in result.checks}
    met = {check.key: check.met for check in result.checks}
    assert took == {
        "declare": timedelta(minutes=2),
        "lead": timedelta(minutes=7),
        "update": None,
        "mitigate": timedelta(minutes=11),
        "resolve": None,
        "severity": timedelta(minutes=8),
    }
    assert met == {
        "declare": True,
        "lead": False,
        "update": False,
        "mitigate": True,
        "resolve": False,
        "severity": True,
    }
    assert result.met == 3
    text = "\n".join(result.lines())
    assert "MISSED  lead" in text and "not done" in text and "3 of 6 expected responses met" in text
    assert "lead 7m 00s (target 5m 00s)" in result.summary()


class Responder:
    """A second writer: acts on the same store when the (test) clock reaches
    each moment, as a person at another terminal would."""

    def __init__(self, store: SQLiteStore, clock: FixedClock) -> None:
        self.store, self.clock = store, clock
        self.plan: list[tuple[float, str, str, dict]] = []
        self.start: datetime | None = None
        self.incident_id = ""

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        assert self.start is not None
        while self.plan and self.clock.now() >= self.start + timedelta(seconds=self.plan[0][0]):
            _, kind, actor, data = self.plan.pop(0)
            write(self.store, self.incident_id, kind, actor, data, self.clock)

    def declared(self, incident) -> None:
        self.start, self.incident_id = incident.declared_at, incident.id


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock):
    opened = SQLiteStore(tmp_path / "drill.db", clock=clock)
    yield opened
    opened.close()


def test_the_runner_injects_on_time_and_scores_what_the_team_did(
    store: SQLiteStore, clock: FixedClock
) -> None:
    scenario = parse_scenario(SCENARIO, "cache")
    responder = Responder(store, clock)
    responder.plan = [  # real seconds after the page, at 10x: 6 s is 1 drill minute
        (12, "participant_joined", "bob", {"person": "bob"}),
        (18, "role_assigned", "bob", {"role": "lead", "person": "bob"}),
        (30, "comms_update", "bob", {"text": "cache down; logins slow", "audience": "internal"}),
        (36, "severity_changed", "bob", {"severity": 2}),
        (48, "status_changed", "bob", {"to": "mitigated"}),  # 8m; the relapse comes at 10m
        (84, "status_changed", "bob", {"to": "mitigated"}),  # 14m: late
        (120, "status_changed", "bob", {"to": "resolved"}),  # 20m: ends the drill
    ]
    lines: list[str] = []
    result = run_drill(
        store,
        scenario,
        speed=10,
        clock=clock,
        sleep=responder.sleep,
        say=lines.append,
        on_declared=responder.declared,
        poll=1.0,
    )
    assert result.ref == "INC-1" and result.ended == "resolved"
    events = store.events(result.incident_id)
    start = events[0].occurred_at
    injected = [(e.kind, e.actor, (e.occurred_at - start) * 10) for e in events if e.actor != "bob"]
    assert injected[:4] == [
        ("declared", DRILL_ACTOR, timedelta(0)),
        ("note", "alertmanager", timedelta(0)),
        ("finding", "grafana", timedelta(minutes=3)),
        ("status_changed", DRILL_ACTOR, timedelta(minutes=10)),
    ]
    assert all(event.occurred_at <= event.recorded_at for event in events)  # never ahead
    assert any("never sent" in line and "skipped" in line for line in lines)
    assert not any("never sent" in str(event.data) for event in events)
    took = {check.key: (check.took, check.met) for check in result.score.checks}
    assert took == {
        "declare": (timedelta(minutes=2), True),
        "lead": (timedelta(minutes=3), True),
        "update": (timedelta(minutes=5), True),
        "mitigate": (timedelta(minutes=14), False),
        "resolve": (timedelta(minutes=20), True),
        "severity": (timedelta(minutes=6), True),
    }
    note = [e for e in events if e.kind == "note" and e.actor == DRILL_ACTOR][-1]
    assert note.actor == DRILL_ACTOR and note.data["text"].startswith("Drill score (10x): 5 of 6")
    assert store.incident(result.incident_id).status == "resolved"
    assert store.incident(result.incident_id).drill


def test_when_time_runs_out_the_drill_resolves_the_incident_unless_kept_open(
    store: SQLiteStore, clock: FixedClock
) -> None:
    scenario = parse_scenario(SCENARIO, "cache")
    sleep = lambda seconds: clock.advance(seconds=seconds)  # noqa: E731
    first = run_drill(store, scenario, speed=100, clock=clock, sleep=sleep)
    assert first.ended == "time ran out"
    elapsed = clock.now() - store.incident(first.incident_id).declared_at
    assert abs(elapsed - timedelta(seconds=18)) < timedelta(milliseconds=1)  # 30m at 100x
    last = store.events(first.incident_id)[-1]
    assert (last.kind, last.actor, last.data["to"]) == ("status_changed", "drill", "resolved")
    assert not any(check.met for check in first.score.checks)
    kept = run_drill(store, scenario, speed=100, clock=clock, sleep=sleep, close=False)
    assert store.incident(kept.incident_id).status == "investigating"
    stopped = run_drill(store, scenario, speed=1, clock=clock, sleep=sleep, stopped=lambda: True)
    assert stopped.ended == "stopped"
    with pytest.raises(UsageError, match="--speed"):
        run_drill(store, scenario, speed=0, clock=clock, sleep=sleep)


def test_the_demo_runs_a_drill_in_the_background_on_a_temporary_store(tmp_path: Path) -> None:
    scenario = load_scenario("checkout-5xx-after-deploy")
    settings = Settings(db=tmp_path / "mine.db", db_is_default=False, user="newcomer")
    demo = start_demo(tmp_path / "demo", scenario, speed=1, settings=settings)
    assert demo.ref == "INC-1" and demo.thread.is_alive()
    assert demo.settings.db == tmp_path / "demo" / "demo.db" and demo.settings.user == "newcomer"
    assert demo.settings.server is None
    reader = SQLiteStore(demo.settings.db, clock=SYSTEM_CLOCK)  # what the TUI opens
    try:
        incident = reader.incident(reader.resolve(demo.ref))
        assert incident.drill and incident.service == "checkout-api"
        assert incident.runbooks[0]["name"] == "Web API error-rate spike"
        deadline = time.monotonic() + 10
        while not any(e.actor == "alertmanager" for e in reader.events(incident.id)):
            assert time.monotonic() < deadline, "the first alert never came"
            time.sleep(0.05)
        write(
            reader,
            incident.id,
            "participant_joined",
            "newcomer",
            {"person": "newcomer"},
            SYSTEM_CLOCK,
        )
        result = demo.stop()
        assert not demo.thread.is_alive()
        assert result is not None and result.ended == "stopped"
        assert result.score.checks[0].key == "declare" and result.score.checks[0].took is not None
        assert reader.incident(incident.id).status == "resolved"
        assert any("drill over (stopped)" in line for line in demo.lines)
    finally:
        reader.close()
    assert not (tmp_path / "mine.db").exists()  # the user's own store is never touched


def test_a_drill_end_to_end_with_a_responder_in_another_process(
    isolated_env: dict[str, str], tmp_path: Path, warroom
) -> None:
    drill = subprocess.Popen(
        [sys.executable, "-m", "warroom", "drill", "checkout-5xx-after-deploy", "--speed", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=isolated_env,
        cwd=tmp_path,
    )
    try:
        assert drill.stdout is not None
        first = drill.stdout.readline()
        assert first.startswith("INC-1: drill started: Checkout API"), first
        mitigated = warroom("status", "INC-1", "mitigated", "--note", "rolled back build 4812")
        assert mitigated.returncode == 0, mitigated.stderr
        lead = warroom("assign", "INC-1", "lead", "alice")
        assert lead.returncode == 0, lead.stderr
        out, err = drill.communicate(timeout=60)
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.wait()
    assert drill.returncode == 0, err
    output = first + out
    assert "drill over (time ran out)" in output
    events = json.loads(warroom("timeline", "INC-1", "--json").stdout)
    by_kind = {(e["kind"], e["actor"]): e for e in events}
    declared = by_kind[("declared", "drill")]
    start = parse_wire_time(declared["occurred_at"])
    assert declared["data"]["drill"] is True

    def drill_minutes(event: dict) -> float:
        moment = parse_wire_time(event["recorded_at"] or event["occurred_at"])
        return (moment - start).total_seconds() * 600 / 60

    status = next(e for e in events if e["kind"] == "status_changed" and e["actor"] == "tester")
    mitigate_line = next(line for line in output.splitlines() if " mitigate " in line)
    expected = drill_minutes(status)
    assert ("met" in mitigate_line) == (expected <= 30), (mitigate_line, expected)
    shown = mitigate_line.split("the impact is mitigated")[1].split("within")[0].strip()
    minutes, _, seconds = shown.partition("m") if "m" in shown else ("0", "", shown)
    minutes_shown = int(minutes) + int(seconds.strip().rstrip("s") or 0) / 60
    assert abs(minutes_shown - expected) <= 1, (shown, expected)
    assert "not done" in next(line for line in output.splitlines() if " update " in line)
    systems = {"drill", "alertmanager", "argocd", "loki", "zendesk", "pgbouncer"}
    for event in events:
        assert event["actor"] in systems | {"tester"}, event
        if event["actor"] in systems:  # never stamped ahead of when it was written
            assert event["occurred_at"] <= event["recorded_at"], event
    closing = [e for e in events if e["kind"] == "status_changed" and e["actor"] == "drill"]
    assert closing[-1]["data"] == {"to": "resolved", "reason": "the drill is over (time ran out)"}
    assert any(e["kind"] == "note" and "Drill score" in e["data"]["text"] for e in events)


def test_the_drill_command_lists_and_refuses_clearly(warroom) -> None:
    listed = warroom("drill", "--list")
    assert listed.returncode == 0
    assert (
        "checkout-5xx-after-deploy" in listed.stdout and "orders-db-primary-hung" in listed.stdout
    )
    unknown = warroom("drill", "nope")
    assert unknown.returncode == 2 and "no scenario 'nope'" in unknown.stderr
    too_fast = warroom("drill", "orders-db-primary-hung", "--speed", "0")
    assert too_fast.returncode == 2 and "--speed" in too_fast.stderr
