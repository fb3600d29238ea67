"""The drill's score counts what the team did: never the drill's own events,
and never the join a war room writes by itself when it is opened (the demo's
TUI opens the room at once, which is not the team declaring)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.test_drill import SCENARIO
from tests.tui.helpers import wait_until
from warroom.core.clock import FixedClock
from warroom.core.drill import DRILL_ACTOR, parse_scenario, score
from warroom.core.events import make_event, new_id
from warroom.services.drills import run_drill
from warroom.services.incidents import write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def test_an_automatic_join_is_not_the_team_declaring() -> None:
    scenario = parse_scenario(SCENARIO, "cache")
    incident = new_id()
    timeline = [
        ("declared", DRILL_ACTOR, {"title": "t", "severity": 3, "drill": True}, 0),
        ("note", "alertmanager", {"text": "[FIRING]"}, 1),
        ("participant_joined", "newcomer", {"person": "newcomer", "opened": True}, 2),
        ("note", "grafana", {"text": "p99 up"}, 3),
        ("note", "newcomer", {"text": "looking"}, 30),  # 5m of drill time at 10x
    ]
    events = [
        make_event(incident, kind, actor, data, START + timedelta(seconds=s), seq - 1).stored(
            seq, seq, START + timedelta(seconds=s)
        )
        for seq, (kind, actor, data, s) in enumerate(timeline, start=1)
    ]
    declare = {check.key: check.took for check in score(events, scenario, 10).checks}["declare"]
    assert declare == timedelta(minutes=5)
    alone = score(events[:4], scenario, 10)  # nobody did anything but open the room
    assert {check.key: check.took for check in alone.checks}["declare"] is None


async def test_opening_the_drill_s_war_room_does_not_score_the_declaration(
    tmp_path: Path, clock: FixedClock
) -> None:
    store = SQLiteStore(tmp_path / "drill.db", clock=clock)
    try:
        scenario = parse_scenario(SCENARIO, "cache")
        opened: dict[str, str] = {}

        def sleep(seconds: float) -> None:
            clock.advance(seconds=seconds)

        result = run_drill(
            store,
            scenario,
            speed=100,
            clock=clock,
            sleep=sleep,
            close=False,
            on_declared=lambda incident: opened.update(id=incident.id),
        )
        # the room is opened (as `warroom demo` does) after the drill: its join is automatic
        app = WarroomApp(store, actor="newcomer", clock=clock, incident_id=opened["id"])
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: "newcomer" in store.incident(opened["id"]).participants)
        [join] = [e for e in store.events(opened["id"]) if e.kind == "participant_joined"]
        assert join.actor == "newcomer" and join.data == {"person": "newcomer", "opened": True}
        again = score(store.events(opened["id"]), scenario, 100)
        assert {check.key: check.took for check in again.checks}["declare"] is None
        write(store, opened["id"], "note", "newcomer", {"text": "on it"}, clock)
        taken = score(store.events(opened["id"]), scenario, 100)
        assert {check.key: check.took for check in taken.checks}["declare"] is not None
        assert result.ended == "time ran out"
    finally:
        store.close()
