"""The postmortem draft in the TUI (issue 5): the same Markdown as
`render_postmortem`, shown as plain text (no link or action in it is
clickable, whatever a title holds), written to a file with a key; notes
tagged for "What went well" / "What could be improved" / "Where we got lucky"
from the palette."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from tests.tui.helpers import (
    realistic_incident,
    run_command,
    screen_text,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from tests.tui.test_hostile import CLICK, SPACED_CLICK, Spy, assert_safe
from warroom.core.clock import FixedClock
from warroom.core.postmortem import render_postmortem
from warroom.core.text import markdown_unescape
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.commands import screen_commands
from warroom.tui.screens.postmortem import PostmortemScreen, WritePostmortemForm
from warroom.tui.screens.room import RoomScreen

SIZE = (120, 36)
HOSTILE_TITLE = (
    f"# Pwned | {CLICK} {SPACED_CLICK} [docs](https://evil.example/x) "
    "<https://evil.example> https://evil.example/y ![i](https://evil.example/i.png) \x1b]0;t\x07"
)


async def _postmortem(pilot: Any, app: WarroomApp) -> PostmortemScreen:
    await pilot.press("p")
    await wait_for_screen(pilot, PostmortemScreen)
    assert isinstance(app.screen, PostmortemScreen)
    return app.screen


def _expected(store: SQLiteStore, incident_id: str, clock: FixedClock) -> str:
    return render_postmortem(
        store.incident(incident_id), store.events(incident_id), store.catalog, clock.now()
    )


async def test_p_shows_the_same_draft_as_render_postmortem(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        screen = await _postmortem(pilot, app)
        shown = screen.query_one("#postmortem-text", TextArea).text
        assert shown == markdown_unescape(_expected(sqlite_store, incident.id, clock))
        text = screen_text(app)
        assert "# Postmortem: INC-1" in text and "Postmortem draft" in text
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))


async def test_a_hostile_title_links_nothing_and_runs_nothing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, HOSTILE_TITLE, severity=2)
    write(sqlite_store, incident.id, "note", "bob", {"text": "see https://evil.example/z"}, clock)
    app = make_app(incident_id=incident.id)
    spy = Spy(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        screen = await _postmortem(pilot, app)
        text = screen_text(app)
        assert_safe(text)
        # the title as typed (the view hides the Markdown escapes; the file keeps them)
        assert "# Postmortem: INC-1 — # Pwned | [@click=app.quit]x[/]" in text
        assert "[docs](https://evil.example/x)" in text
        assert r"\[docs\](https://evil.example/x)" in screen.text  # what a file gets
        assert "see https://evil.example/z" in screen.text
        for row, line in enumerate(text.splitlines()):
            for needle in ("click", "https://evil", "docs"):
                column = line.find(needle)
                if column >= 0:
                    await pilot.click(offset=(column + 1, row))
        await pilot.pause()
        assert app.is_running and app.screen is screen and spy.rang == 0
        for strip in app.screen._compositor.render_strips():
            for segment in strip:
                style = segment.style
                assert not (style and (style.link or (style.meta and "@click" in style.meta)))


async def test_w_writes_the_draft_to_a_file_and_asks_before_replacing_one(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_room(pilot)
        screen = await _postmortem(pilot, app)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, WritePostmortemForm))
        assert app.screen.query_one("#out").value == "INC-1-postmortem.md"
        await pilot.press("enter")
        out = tmp_path / "INC-1-postmortem.md"
        await wait_until(pilot, lambda: app.screen is screen)
        assert out.read_text(encoding="utf-8") == screen.text
        assert out.read_text(encoding="utf-8") == _expected(sqlite_store, incident.id, clock)
        messages = [notification.message for notification in app._notifications]
        assert f"wrote {out}" in messages

        out.write_text("my edits\n", encoding="utf-8")
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, WritePostmortemForm))
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Enter again replaces it" in screen_text(app))
        assert out.read_text(encoding="utf-8") == "my edits\n"
        await pilot.press("escape")  # keeps it
        await wait_until(pilot, lambda: app.screen is screen)
        assert out.read_text(encoding="utf-8") == "my edits\n"
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, WritePostmortemForm))
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: app.screen is screen)
        assert out.read_text(encoding="utf-8") == screen.text


async def test_notes_tagged_for_the_review_fill_its_sections(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        commands = dict(screen_commands(room))
        for label, kind, words in (
            ("What went well", "went_well", "the rollback took two minutes"),
            ("What could be improved", "improve", "no alert on the EU ratio"),
            ("Where we got lucky", "lucky", "it was not Black Friday"),
        ):
            if kind == "went_well":  # through the palette, as a user would
                await run_command(pilot, "went well")
            else:  # the same command, without typing its name
                commands[f"Note for the review: {label}"]()
            await wait_until(
                pilot, lambda kind=kind: room.entry.is_open and room.entry.kind == kind
            )
            room.entry.input.value = words  # as typed (pressing each key is slow)
            await pilot.press("enter")
            await wait_until(pilot, lambda: not room.entry.display)
        await wait_until(pilot, lambda: len(sqlite_store.events_after(since)) == 3)
        notes = [(e.kind, e.actor, e.data["text"]) for e in sqlite_store.events_after(since)]
        assert notes == [
            ("note", "me", "#went-well the rollback took two minutes"),
            ("note", "me", "#improve no alert on the EU ratio"),
            ("note", "me", "#lucky it was not Black Friday"),
        ]
        screen = await _postmortem(pilot, app)
        draft = screen.text
        for heading, item in (
            ("## What went well", "- the rollback took two minutes"),
            ("## What could be improved", "- no alert on the EU ratio"),
            ("## Where we got lucky", "- it was not Black Friday"),
        ):
            assert f"{heading}\n\n{item}\n" in draft
