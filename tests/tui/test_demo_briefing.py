"""`warroom demo` in the TUI (Textual Pilot, with the drill really running in
its thread): the app starts with the briefing `warroom drill` prints, the
score appears on a screen of its own the moment the drill ends (wrapped, never
cut, even at 80x24), and opening the room (its automatic join) is not the
team declaring."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.tui.helpers import screen_text, wait_until
from warroom.config import Settings
from warroom.core.clock import SYSTEM_CLOCK
from warroom.services.drills import load_scenario, start_demo
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.run import app_for_store
from warroom.tui.screens.drill import DrillNotice
from warroom.tui.screens.room import RoomScreen


def _boxed(app: WarroomApp) -> str:
    """The text inside the notice's frame, its wrapped rows joined again."""
    rows = [
        row[row.index("│") + 1 : row.rindex("│")]
        for row in screen_text(app).splitlines()
        if row.count("│") >= 2
    ]
    return " ".join(" ".join(rows).split())


def _words(line: str) -> str:
    return " ".join(line.split())


async def test_the_demo_starts_with_the_briefing_and_shows_the_score_when_the_drill_ends(
    tmp_path: Path,
) -> None:
    scenario = load_scenario("checkout-5xx-after-deploy")
    settings = Settings(db=tmp_path / "mine.db", db_is_default=False, user="newcomer")
    demo = start_demo(tmp_path / "demo", scenario, speed=600, settings=settings)  # 4.5 s
    store = SQLiteStore(demo.settings.db, clock=SYSTEM_CLOCK)
    try:
        app = app_for_store(
            store,
            user="newcomer",
            incident_id=(demo_id := store.resolve(demo.ref)),
            settings=demo.settings,
            briefing=demo.briefing,
            on_drill_over=demo.end.listen,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, DrillNotice))
            # the briefing: what `warroom drill` prints first, whole
            assert demo.briefing[0].startswith("INC-1: drill started: Checkout API")
            boxed = _boxed(app)
            assert "Drill briefing" in screen_text(app)
            for line in demo.briefing:
                assert _words(line) in boxed
            assert _words(scenario.briefing) in boxed  # the facilitator's paragraph
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
            # the score, as soon as the drill is over, not only after quitting
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, DrillNotice)
                    and app.screen.title_text.startswith("Drill over")
                ),
                timeout=30,
                what="the drill's score",
            )
            notice: Any = app.screen
            await pilot.pause(0.1)
            assert demo.thread.is_alive() or demo.result is not None
            lines = notice.lines
            assert lines[0].startswith("INC-1: drill over (time ran out)")
            assert lines[-1].endswith("expected responses met")
            boxed = _boxed(app)
            for line in lines:  # every line whole (wrapped at 80 columns)
                assert _words(line) in boxed
            assert max(map(len, lines)) > 76  # so it is wrapped, not cut
            # the room was opened (an automatic join), but nobody took the incident
            joins = [e for e in store.events(demo_id) if e.kind == "participant_joined"]
            assert [(e.actor, e.data.get("opened")) for e in joins] == [("newcomer", True)]
            [declare] = [line for line in lines if re.search(r"\bdeclare\b", line)]
            assert "MISSED" in declare and "not done" in declare
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
        result = demo.stop()
        assert result is not None and result.ended == "time ran out"
    finally:
        demo.stop()
        store.close()
