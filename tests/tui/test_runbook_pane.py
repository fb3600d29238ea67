"""Runbooks in the war room (issue 5): mitigation first, commands shown and
copied, steps added during the incident, runbooks attached by library name,
and the runbook a declared service brings (the lead picks among several)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import OptionList

from tests.tui.helpers import (
    realistic_incident,
    run_command,
    screen_text,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from warroom.config import Settings
from warroom.core.clock import FixedClock
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp, binding_ids
from warroom.tui.screens.forms import AttachRunbookForm, FormScreen
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen

SIZE = (160, 40)


def _pane(room: RoomScreen) -> list[tuple[str | None, str]]:
    """The runbook pane's lines: (step id or None for a heading, text)."""
    return [(option.id, option.prompt.plain) for option in room.runbook.options]


async def test_mitigation_steps_come_first_while_investigating_or_identified(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)  # identified
    ids = list(incident.steps)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        pane = _pane(room)
        assert [step for step, _ in pane if step] == [ids[2], ids[3], ids[0], ids[1]]
        assert pane[0] == (None, "▲ Checkout degradation · Mitigate")
        assert room.runbook.border_subtitle == "▲ mitigation first"
        # the highlight rests on the next thing to do: the first unchecked mitigation step
        assert room.runbook.selected_step == ids[3]

        write(sqlite_store, incident.id, "status_changed", "bob", {"to": "mitigated"}, clock)
        await wait_until(pilot, lambda: room.incident.status == "mitigated")
        await wait_until(pilot, lambda: [s for s, _ in _pane(room) if s] == ids)
        assert _pane(room)[0] == (None, "Checkout degradation · Triage")
        assert room.runbook.border_subtitle == ""


async def test_a_steps_command_is_shown_and_y_copies_it(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    ids = list(incident.steps)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        room = await wait_for_room(pilot)
        assert "Roll back the last deploy `deployctl rollback checkout`" in screen_text(app)
        await pilot.press("tab", "tab")
        assert app.focused is room.runbook
        room.runbook.highlighted = room.runbook.get_option_index(ids[2])
        await pilot.press("y")
        assert app.clipboard == "deployctl rollback checkout"
        await wait_until(pilot, lambda: "copied: deployctl rollback checkout" in screen_text(app))
        room.runbook.highlighted = room.runbook.get_option_index(ids[3])  # no command
        await pilot.press("y")
        await wait_until(pilot, lambda: "this step has no command" in screen_text(app))
        assert app.clipboard == "deployctl rollback checkout"


async def test_a_copied_command_is_one_clean_line(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """A command from a runbook file pasted into a shell must not run on paste
    (a newline) nor hide what it does (controls, bidi overrides)."""
    incident = declare(sqlite_store, "alice", clock, "DB down", severity=2)
    step = {
        "id": "s1",
        "text": "restart it",
        "section": "Mitigate",
        "command": "systemctl restart db\nrm -rf / \x1b]52;c;eA==\x07\u202e",
    }
    write(sqlite_store, incident.id, "step_added", "alice", {"step": step}, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        room.show_pane("runbook")
        await pilot.press("y")
        copied = app.clipboard
        assert copied.startswith("systemctl restart db rm -rf /")
        for char in ("\n", "\x1b", "\x07", "\u202e"):
            assert char not in copied


async def test_plus_adds_a_step_to_the_highlighted_steps_section(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    ids = list(incident.steps)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        room.show_pane("runbook")
        room.runbook.highlighted = room.runbook.get_option_index(ids[3])  # in "Mitigate"
        await pilot.press("plus")
        await wait_until(pilot, lambda: room.entry.is_open and room.entry.kind == "step")
        assert "new step in Mitigate ›" in screen_text(app)
        since = sqlite_store.last_gseq()
        room.entry.input.value = "Purge the CDN cache `cdnctl purge checkout`"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(sqlite_store.events_after(since)) == 1)
        [added] = sqlite_store.events_after(since)
        assert (added.kind, added.actor) == ("step_added", "me")
        step = added.data["step"]
        assert step["section"] == "Mitigate"
        assert step["text"] == "Purge the CDN cache `cdnctl purge checkout`"
        assert step["command"] == "cdnctl purge checkout"
        # shown with its section (mitigation first), marked as added, not yet checked
        await wait_until(pilot, lambda: step["id"] in room.incident.steps)
        order = [s for s, _ in _pane(room) if s]
        assert order == [ids[2], ids[3], step["id"], ids[0], ids[1]]
        line = dict(_pane(room))[step["id"]]
        assert "added by me" in line and line.startswith("☐ Purge the CDN cache")
        assert not room.entry.display


async def test_the_attach_form_takes_a_library_name_or_a_pick_from_the_list(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    first = declare(sqlite_store, "alice", clock, "Orders writes failing", severity=1)
    app = make_app(incident_id=first.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        await run_command(pilot, "attach a")
        await wait_until(pilot, lambda: isinstance(app.screen, AttachRunbookForm))
        form = app.screen
        library = form.query_one("#library", OptionList)
        await wait_until(pilot, lambda: library.option_count == 3)  # the shipped samples
        assert "database-failover" in screen_text(app)
        form.query_one("#path").value = "no-such-runbook"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "no runbook named 'no-such-runbook'" in screen_text(app))
        form.query_one("#path").value = "Database failover (PostgreSQL + Patroni)"  # a title
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
        attached = [e for e in sqlite_store.events(first.id) if e.kind == "runbook_attached"]
        assert [(e.actor, e.data["name"]) for e in attached] == [
            ("me", "Database failover (PostgreSQL + Patroni)")
        ]
        # the list: Enter attaches the highlighted one
        await run_command(pilot, "attach a")
        await wait_until(pilot, lambda: isinstance(app.screen, AttachRunbookForm))
        library = app.screen.query_one("#library", OptionList)
        await wait_until(pilot, lambda: library.option_count == 3 and app.focused is library)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RoomScreen))
        attached = [e for e in sqlite_store.events(first.id) if e.kind == "runbook_attached"]
        assert attached[-1].data["name"] == "Roll back a bad deploy"


async def test_the_palette_attaches_a_library_runbook_by_name(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout 5xx", severity=2)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        await wait_until(pilot, lambda: room.library_entries is not None)
        await run_command(pilot, "web-api")
        await wait_until(pilot, lambda: "Runbook 0/" in screen_text(app))
        [attached] = [e for e in sqlite_store.events(incident.id) if e.kind == "runbook_attached"]
        assert (attached.actor, attached.data["name"]) == ("me", "Web API error-rate spike")


def _settings(tmp_path: Path, *folders: Path) -> Settings:
    return Settings(
        db=tmp_path / "warroom.db", db_is_default=False, user="me", runbook_dirs=list(folders)
    )


async def test_declaring_with_a_service_attaches_its_runbook(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    app = make_app(settings=_settings(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("d", *"Orders writes failing", "tab", "1", "tab", *"orders-db", "enter")
        await wait_for_room(pilot)
        [incident] = sqlite_store.incidents()
        kinds = [(e.kind, e.actor) for e in sqlite_store.events(incident.id)]
        assert kinds[:2] == [("declared", "me"), ("runbook_attached", "me")]
        await wait_until(
            pilot, lambda: "Database failover (PostgreSQL + Patroni)" in screen_text(app)
        )
        assert "it lists the service orders-db" in screen_text(app)


async def test_with_several_runbooks_for_the_service_the_lead_picks_one(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "orders-read-replica.md").write_text(
        '+++\ntitle = "Orders read replica lag"\nservices = ["orders-db"]\n+++\n\n'
        "## Mitigate\n- [ ] Point reads at the primary `ordersctl reads primary`\n",
        encoding="utf-8",
    )
    app = make_app(settings=_settings(tmp_path, folder))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("d", *"Orders slow", "tab", "2", "tab", *"orders-db", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AttachRunbookForm))
        text = screen_text(app)
        assert "Several runbooks list the service orders-db" in text
        assert "orders-read-replica" in text and "database-failover" in text
        [incident] = sqlite_store.incidents()
        assert "runbook_attached" not in [e.kind for e in sqlite_store.events(incident.id)]
        picker = app.screen.query_one("#library", OptionList)
        assert picker.option_count == 2
        picker.highlighted = next(
            i for i, o in enumerate(picker.options) if "orders-read-replica" in o.prompt.plain
        )
        await pilot.press("enter")
        room = await wait_for_room(pilot)
        await wait_until(pilot, lambda: len(room.incident.steps) == 1)
        [attached] = [e for e in sqlite_store.events(incident.id) if e.kind == "runbook_attached"]
        assert (attached.actor, attached.data["name"]) == ("me", "Orders read replica lag")


async def test_new_keys_have_ids_and_can_be_remapped(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    ids = binding_ids()
    for name in ("add_step", "copy_command", "followup", "postmortem", "followups", "metrics"):
        assert name in ids
    assert {"followups.done", "postmortem.write", "metrics.refresh"} <= ids
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id, keymap={"add_step": "A"})
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        await pilot.press("A")
        await wait_until(pilot, lambda: room.entry.is_open and room.entry.kind == "step")
        await pilot.press("escape")
        assert not isinstance(app.screen, FormScreen)
