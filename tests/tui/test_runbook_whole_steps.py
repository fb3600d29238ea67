"""The runbook pane at 3 AM (issue "The war room at 3 AM", points 11 and 12):
a step's command is shown once, whole and wrapped, and `y` copies it; `space`
checks the selected step from any pane, and when there is nothing to check
the key bar says where to go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widget import Widget

from tests.tui.helpers import screen_text, wait_until
from warroom.core.clock import FixedClock
from warroom.core.runbook import parse_runbook
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.room import RoomScreen

COMMAND = "dbctl failover --from db-primary-eu-west-1 --to db-standby-eu-west-2 --confirm"
LONG_STEP = (
    "Fail the primary database over to the standby in the other region once "
    f"replication lag is under a second: `{COMMAND}`"
)
RUNBOOK = f"""# Database failover

## Mitigate
- [ ] {LONG_STEP}
- [ ] Tell support the database failed over

## Verify
- [ ] Check the error rate on the dashboard
"""


def _incident(store: SQLiteStore, clock: FixedClock, runbook: bool = True) -> str:
    incident = declare(store, "alice", clock, "Orders DB hung", severity=2, lead="alice")
    write(store, incident.id, "participant_joined", "me", {"person": "me"}, clock)
    if runbook:
        attached = parse_runbook(RUNBOOK, "Database failover")
        write(store, incident.id, "runbook_attached", "alice", attached.event_data(), clock)
    return incident.id


async def _room(pilot: Any, app: WarroomApp) -> RoomScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen) and app.screen.loaded)
    room = app.screen
    assert isinstance(room, RoomScreen)
    return room


def pane_text(app: WarroomApp, widget: Widget) -> str:
    """The text the screen shows inside `widget`, its lines joined by spaces."""
    region = widget.region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return " ".join(" ".join(line[region.x : region.right] for line in lines).split())


async def test_a_long_steps_command_is_shown_once_whole_and_y_copies_it(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    app = make_app(incident_id=_incident(sqlite_store, clock))
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        room = await _room(pilot, app)
        shown = pane_text(app, room.runbook).replace("│", " ")
        shown = " ".join(shown.split())
        assert shown.count("dbctl") == 1, shown  # once
        assert f"`{COMMAND}`" in shown  # whole (wrapped over the pane's lines)
        assert " ".join(LONG_STEP.split()) in shown  # the step too
        assert "…" not in shown
        assert app.focused is room.timeline
        await pilot.press("y")  # the selected step's: no need to go to the pane
        assert app.clipboard == COMMAND
        await wait_until(pilot, lambda: "copied: dbctl failover" in screen_text(app))


async def test_space_on_the_timeline_checks_the_selected_step(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident_id = _incident(sqlite_store, clock)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=(120, 36)) as pilot:
        room = await _room(pilot, app)
        assert app.focused is room.timeline
        step = room.runbook.selected_step  # the next thing to do
        assert step is not None and room.incident.steps[step].text == LONG_STEP
        since = sqlite_store.last_gseq()
        await pilot.press("space")
        await wait_until(pilot, lambda: bool(sqlite_store.events_after(since)))
        [checked] = sqlite_store.events_after(since)
        assert (checked.kind, checked.actor, checked.data["step"]) == ("step_checked", "me", step)
        assert app.focused is room.timeline  # still reading the timeline
        await wait_until(pilot, lambda: "Runbook 1/3" in screen_text(app))
        assert "checked: Fail the primary database over" in screen_text(app)


async def test_space_checks_the_selected_step_when_one_pane_is_shown_at_a_time(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """At 80x24 the runbook is not on screen: the check-off row in the timeline
    says what `space` checked."""
    incident_id = _incident(sqlite_store, clock)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=(80, 24)) as pilot:
        room = await _room(pilot, app)
        assert not room.runbook.display
        await pilot.press("tab", "tab", "down", "tab")  # pick the second step, back to the timeline
        assert app.focused is room.timeline
        step = room.runbook.selected_step
        assert step is not None
        assert room.incident.steps[step].text == "Tell support the database failed over"
        since = sqlite_store.last_gseq()
        await pilot.press("space")
        await wait_until(pilot, lambda: bool(sqlite_store.events_after(since)))
        assert [e.data["step"] for e in sqlite_store.events_after(since)] == [step]
        await wait_until(
            pilot, lambda: "checked: Tell support the database failed over" in screen_text(app)
        )


async def test_space_with_no_runbook_says_where_to_go_on_the_key_bar(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident_id = _incident(sqlite_store, clock, runbook=False)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await _room(pilot, app)
        since = sqlite_store.last_gseq()
        await pilot.press("space")
        await pilot.pause(0.2)
        bar = screen_text(app).splitlines()[-1]
        assert "No runbook attached: ctrl+p, then 'Attach a runbook'" in bar
        assert sqlite_store.events_after(since) == []
