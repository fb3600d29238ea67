"""Every key that writes stores the right event, with me as actor; Esc loses
nothing; a failed write keeps the text; only allowed statuses are offered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from tests.tui.helpers import (
    realistic_incident,
    screen_text,
    wait_for_room,
    wait_for_writes,
    wait_until,
)
from warroom.core.clock import FixedClock
from warroom.core.describe import KIND_LABELS
from warroom.core.events import Event
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.forms import FormScreen, StatusForm
from warroom.tui.screens.keys import KeysScreen

SIZE = (120, 36)


def kind_label(kind: str) -> str:
    return f"{KIND_LABELS[kind]:<9} "


def _new(store: SQLiteStore, since: int) -> list[Event]:
    return store.events_after(since)


@pytest.fixture
def incident_id(sqlite_store: SQLiteStore, clock: FixedClock) -> str:
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2, lead="alice")
    return incident.id


async def _write_and_wait(
    pilot: Any, store: SQLiteStore, keys: list[str], count: int = 1
) -> list[Event]:
    since = store.last_gseq()
    await pilot.press(*keys)
    await wait_until(pilot, lambda: len(_new(store, since)) >= count, what=f"{keys} to store")
    return _new(store, since)


@pytest.mark.parametrize(
    ("key", "kind"),
    [("n", "note"), ("f", "finding"), ("a", "action"), ("D", "decision")],
)
async def test_text_keys_store_their_kind_with_me_as_actor(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    incident_id: str,
    key: str,
    kind: str,
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        assert app.focused is room.timeline
        stored = await _write_and_wait(pilot, sqlite_store, [key, *"db!", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [(kind, "me", {"text": "db!"})]
        await wait_until(pilot, lambda: f"{kind_label(kind)}me     db!" in screen_text(app))
        assert not room.entry.display
        assert app.focused is room.timeline


async def test_e_edits_the_summary_and_u_prefills_the_update_from_it(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        stored = await _write_and_wait(pilot, sqlite_store, ["e", *"EU down", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("summary_set", "me", {"text": "EU down"})
        ]
        await wait_until(pilot, lambda: room.incident.summary == "EU down")
        await pilot.press("e")  # opens with the current summary to edit
        assert room.entry.input.value == "EU down"
        await pilot.press("escape", "u")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        assert app.screen.query_one("#text", Input).value == "EU down"
        await pilot.press("shift+tab", "down", "down")  # the audience list: customers
        # back in the text (shift+tab: to customers, Tab goes on to the public
        # title), selected again: `end` keeps it and types after it
        stored = await _write_and_wait(pilot, sqlite_store, ["shift+tab", "end", *" (EU)", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("comms_update", "me", {"text": "EU down (EU)", "audience": "customers"})
        ]
        await wait_until(pilot, lambda: app.screen is room)


async def test_s_and_v_change_status_and_severity(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        # s: the first allowed move from investigating is identified; with a reason
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusForm))
        stored = await _write_and_wait(pilot, sqlite_store, ["tab", *"rca", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("status_changed", "me", {"to": "identified", "reason": "rca"})
        ]
        # v: SEV1, the first level other than the current SEV2
        stored = await _write_and_wait(pilot, sqlite_store, ["v", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("severity_changed", "me", {"severity": 1})
        ]
        await wait_until(pilot, lambda: "SEV1 CRITICAL" in screen_text(app))


async def test_r_m_l_roles_milestones_and_links(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        # r: the first choice for me is "assign Incident Lead" (alice holds it)
        stored = await _write_and_wait(pilot, sqlite_store, ["r", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("role_assigned", "me", {"role": "lead", "person": "me"})
        ]
        # m: the first milestone not yet set (declaring set started, detected and
        # acknowledged), back-dated five minutes
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        stored = await _write_and_wait(pilot, sqlite_store, ["tab", *"-5m", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("milestone", "me", {"name": "mitigated"})
        ]
        assert (app.clock.now() - stored[0].occurred_at).total_seconds() == 300
        # l: a link with a label
        stored = await _write_and_wait(pilot, sqlite_store, ["l", *"x.io", "tab", *"br", "enter"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("link_added", "me", {"url": "x.io", "label": "br"})
        ]
        await wait_until(pilot, lambda: "br: x.io" in screen_text(app))


async def test_a_milestone_in_the_future_is_refused_in_the_form(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.press("tab", *"2099-01-01 00:00", "enter")
        await wait_until(pilot, lambda: "in the future" in screen_text(app))
        assert isinstance(app.screen, FormScreen)  # still open, with what was typed
        assert app.screen.query_one("#at", Input).value == "2099-01-01 00:00"
        assert _new(sqlite_store, since) == []


async def test_space_checks_and_unchecks_the_selected_step(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        assert "Runbook 2/4" in screen_text(app)
        await pilot.press("tab", "tab")  # timeline -> roster -> runbook
        assert app.focused is room.runbook
        # the first step not yet checked, mitigation first (INC-1 is identified):
        # the Mitigate section's second step
        step = room.runbook.selected_step
        assert step == list(room.incident.steps)[3]
        assert step is not None and not room.incident.steps[step].checked_by
        text = room.incident.steps[step].text
        stored = await _write_and_wait(pilot, sqlite_store, ["space"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("step_checked", "me", {"step": step, "text": text})
        ]
        await wait_until(pilot, lambda: "Runbook 3/4" in screen_text(app))
        stored = await _write_and_wait(pilot, sqlite_store, ["space"])
        assert [(e.kind, e.actor, e.data) for e in stored] == [
            ("step_unchecked", "me", {"step": step, "text": text})
        ]
        await wait_until(pilot, lambda: "Runbook 2/4" in screen_text(app))


async def test_escape_keeps_the_typed_text_and_stores_nothing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        await pilot.press("n", *"half", "escape")
        assert not room.entry.display
        assert app.focused is room.timeline
        await pilot.press("f", "escape")  # another kind opens empty
        await wait_for_writes(pilot)
        assert _new(sqlite_store, since) == []
        await pilot.press("n")
        assert room.entry.input.value == "half"
        stored = await _write_and_wait(pilot, sqlite_store, [*" ok", "enter"])
        assert [e.data for e in stored] == [{"text": "half ok"}]
        await pilot.press("n")
        assert room.entry.input.value == ""  # committed text is not a draft any more
        await pilot.press(*"later", "escape", "q")  # leave the room with a draft
        await wait_until(pilot, lambda: app.screen is not room)
        app.open_incident(incident_id)
        room = await wait_for_room(pilot)
        await pilot.press("n")
        assert room.entry.input.value == "later"


async def test_slash_searches_the_timeline(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        await pilot.press("slash", *"4812", "enter")
        match = room.timeline.match_event
        assert match is not None and "4812" in str(match.data)
        await pilot.press("enter")
        assert room.timeline.match_event is not match  # the next one
        await pilot.press("escape")
        assert room.timeline.match_event is None and not room.entry.display
        await pilot.press("slash", *"zzz", "enter")
        await wait_until(pilot, lambda: "no event matches 'zzz'" in screen_text(app))


async def test_escape_in_a_form_writes_nothing_and_changes_nothing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        before = screen_text(app)
        for key in ("u", "s", "v", "r", "m", "l"):
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is room)
        await wait_for_writes(pilot)
        assert _new(sqlite_store, since) == []
        assert screen_text(app) == before


async def test_a_failed_write_keeps_the_text_and_shows_why(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        since = sqlite_store.last_gseq()
        await pilot.press("n")
        too_long = "x" * 70_000  # over the store's limit: refused
        room.entry.input.value = too_long
        await pilot.press("enter")
        await wait_until(pilot, lambda: "too long" in screen_text(app))
        assert room.entry.display
        assert room.entry.input.value == too_long
        assert _new(sqlite_store, since) == []
        room.entry.input.value = "short"
        stored = await _write_and_wait(pilot, sqlite_store, ["enter"])
        assert [e.data for e in stored] == [{"text": "short"}]
        await wait_until(pilot, lambda: not room.entry.display)


async def test_only_allowed_statuses_are_offered(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    incident_id: str,
    clock: FixedClock,
) -> None:
    write(sqlite_store, incident_id, "status_changed", "alice", {"to": "resolved"}, clock)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusForm))
        offered = [option.id for option in app.screen.query_one("#moves", OptionList).options]
        assert offered == ["investigating", "closed"]
        await pilot.press("escape")

    write(sqlite_store, incident_id, "status_changed", "alice", {"to": "closed"}, clock)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusForm))
        options = app.screen.query_one("#moves", OptionList).options
        assert all(option.disabled for option in options)
        since = sqlite_store.last_gseq()
        await pilot.press("enter")
        await wait_for_writes(pilot)
        assert _new(sqlite_store, since) == []


async def test_opening_a_room_joins_me_once(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    for _ in range(2):
        app = make_app(incident_id=incident_id)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_room(pilot)
    joins = [e for e in sqlite_store.events(incident_id) if e.kind == "participant_joined"]
    assert [(e.actor, e.data) for e in joins] == [("me", {"person": "me", "opened": True})]


async def test_keys_are_remapped_from_the_config(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, incident_id: str
) -> None:
    app = make_app(incident_id=incident_id, keymap={"note": "N", "leave": "x"})
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        await pilot.press("n")
        assert not room.entry.display
        stored = await _write_and_wait(pilot, sqlite_store, ["N", *"remapped", "enter"])
        assert [(e.kind, e.data) for e in stored] == [("note", {"text": "remapped"})]
        await pilot.press("q")
        assert app.screen is room
        await pilot.press("x")
        await wait_until(pilot, lambda: app.screen is not room)


async def test_question_mark_shows_every_binding_even_at_80x24(
    make_app: Callable[..., WarroomApp], incident_id: str
) -> None:
    app = make_app(incident_id=incident_id, keymap={"milestone": "M"})
    async with app.run_test(size=(80, 24)) as pilot:
        room = await wait_for_room(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, KeysScreen))
        text = screen_text(app)
        for key, description in [
            ("n", "Note"), ("f", "Finding"), ("a", "Action"), ("D", "Decision"),
            ("u", "Comms"), ("e", "Summary"), ("s", "Status"), ("v", "Severity"),
            ("r", "Roles"), ("M", "Milestone"), ("l", "Link"), ("space", "Check step"),
            ("/", "Search"), ("tab", "Pane"), ("q", "Leave"), ("t", "UTC"),
            ("F", "Filter"), ("end", "Follow"), ("^p", "Palette"), ("^q", "Quit"),
        ]:  # fmt: skip
            assert f"{key} {description}" in text, f"{key} {description} is not shown"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is room)
        assert app.focused is room.timeline
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, KeysScreen))
        await pilot.press("question_mark")  # ? again closes it too
        await wait_until(pilot, lambda: app.screen is room)


async def test_narrow_terminal_switches_panes_with_tab(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = realistic_incident(sqlite_store, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=(80, 24)) as pilot:
        room = await wait_for_room(pilot)
        assert room.timeline.display and not room.roster.display
        await pilot.press("tab")
        assert room.roster.display and not room.timeline.display
        assert "Incident Lead" in screen_text(app)
        await pilot.press("tab")
        assert room.runbook.display and "Roll back the last deploy" in screen_text(app)
        await pilot.press("tab")
        assert room.timeline.display and app.focused is room.timeline


async def test_r_then_enter_never_releases_a_role_i_hold(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "Checkout errors", severity=2, lead="me")
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        stored = await _write_and_wait(pilot, sqlite_store, ["r", "enter"])
        assert [(e.kind, e.data) for e in stored] == [
            ("role_assigned", {"role": "responder", "person": "me"})
        ]
        await pilot.press("r")  # releasing is still there, after what adds
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        offered = [o.id for o in app.screen.query_one("#role-actions", OptionList).options]
        assert offered.index("release:lead") > offered.index("assign:comms")
        await pilot.press("escape")
    assert sqlite_store.incident(incident.id).lead == "me"


async def test_v_then_enter_escalates_by_one_level(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Search slow", severity=3, lead="alice")
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        stored = await _write_and_wait(pilot, sqlite_store, ["v", "enter"])
        assert [(e.kind, e.data) for e in stored] == [("severity_changed", {"severity": 2})]


async def test_the_entry_line_says_how_to_save_and_cancel(
    make_app: Callable[..., WarroomApp], incident_id: str
) -> None:
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_room(pilot)
        assert "esc cancel" not in screen_text(app)
        await pilot.press("n")
        last_lines = "\n".join(screen_text(app).splitlines()[-3:])
        assert "note ›" in last_lines and "⏎ save · esc cancel" in last_lines


async def test_an_unknown_key_id_in_the_config_is_reported(
    make_app: Callable[..., WarroomApp], incident_id: str
) -> None:
    app = make_app(incident_id=incident_id, keymap={"nte": "N", "finding": "F2"})
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await wait_for_room(pilot)
        await wait_until(pilot, lambda: "names no key binding" in screen_text(app))
        text = screen_text(app)
        assert "names no key binding: nte" in text and "(did you mean note?)" in text
        assert "finding" not in text  # a known id is remapped, not reported
