"""Alerts in the TUI, on a real SQLite file fed by the alert service with the
sources' documented payloads (tests/alerts/payloads): the home screen counts
the inbox and opens the alert list, where keys declare, attach and ignore; a
new critical alert is announced on home and on walls; the room's header
counts the alerts firing; alert entries have their own look in the timeline
(one that fired again after resolution stands out); hostile alert text shows
literally in the list, the banner, the notification and the timeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from tests.tui.helpers import (
    contrast,
    screen_text,
    segment_style,
    wait_for_room,
    wait_for_screen,
    wait_until,
)
from tests.tui.test_hostile import (
    CLICK,
    HOSTILE,
    Spy,
    assert_inert,
    assert_no_links,
    assert_safe,
)
from warroom.core.alerts.model import Ingested, alert_id
from warroom.core.alerts.rules import AlertSettings, load_rules
from warroom.core.alerts.sources import parse
from warroom.core.clock import FixedClock
from warroom.core.kinds import TITLE_MAX
from warroom.core.text import REPLACEMENT, clean
from warroom.services import alerts as alert_service
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp, binding_ids
from warroom.tui.screens import alerts as alerts_screen
from warroom.tui.screens.alert_forms import AlertAttachForm, AlertDeclareForm
from warroom.tui.screens.alerts import AlertsScreen
from warroom.tui.screens.forms import ConfirmScreen
from warroom.tui.screens.home import HomeScreen
from warroom.tui.screens.room import RoomScreen
from warroom.tui.screens.wall import WallHomeScreen, WallRoomScreen

SIZE = (160, 40)
PAYLOADS = Path(__file__).parent.parent / "alerts" / "payloads"
# every alert of these payloads waits in the inbox (InboxRules)
INBOX = ("alertmanager_firing", "grafana_firing", "pagerduty_trigger", "generic_firing")


# a team's own rule: every alert waits in the inbox, critical ones too
INBOX_RULES = load_rules([("test.toml", {"alert_rules": [{"name": "inbox", "action": "inbox"}]})])


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def ingest_payload(store: SQLiteStore, clock: FixedClock, source: str, body: Any) -> Ingested:
    alerts = parse(source, body)
    return alert_service.ingest(store, alerts, INBOX_RULES, AlertSettings(), clock)


def ingest(store: SQLiteStore, clock: FixedClock, *names: str) -> Ingested:
    """The named payloads, parsed as their source sends them, through the
    alert service into the store's inbox."""
    result = Ingested()
    for name in names:
        result.accepted += ingest_payload(store, clock, name.split("_")[0], payload(name)).accepted
    return result


async def open_alerts(pilot: Any) -> AlertsScreen:
    """From home, `a`: the alert list once its alerts are read."""
    await wait_for_screen(pilot, HomeScreen)
    await pilot.press("a")
    return await wait_for_screen(pilot, AlertsScreen)


async def inbox_read(pilot: Any, app: WarroomApp, timeout: float = 5.0) -> None:
    """Let the app run until its inbox monitor has read the inbox once."""
    monitor = app.inbox_monitor()
    await wait_until(pilot, lambda: monitor.state is not None, timeout, "the inbox read")


def toasts(app: WarroomApp) -> list[str]:
    """The notifications' texts, whole (on screen they wrap)."""
    return [notification.message for notification in app._notifications]


def row_of(screen: AlertsScreen, summary: str) -> int:
    """The list's row of the alert with this summary."""
    for index, alert in enumerate(screen.alerts):
        if alert.summary == summary:
            return index
    raise AssertionError(f"no alert {summary!r} in the list")


def fired(clock: FixedClock, key: str, summary: str, **extra: Any) -> dict[str, Any]:
    """An alert_fired event's data, as the alert intake writes it."""
    now = clock.now()
    return {
        "alert": alert_id("alertmanager", key, now),
        "source": "alertmanager",
        "summary": summary,
        "severity": extra.pop("severity", "warning"),
        "service": "checkout",
        "group": '{}:{alertname="CheckoutErrors"}',
        "starts_at": now.isoformat().replace("+00:00", "Z"),
        "labels": extra.pop("labels", {"alertname": "CheckoutErrors"}),
        "annotations": extra.pop("annotations", {"summary": summary}),
        **extra,
    }


def resolved(data: dict[str, Any], clock: FixedClock) -> dict[str, Any]:
    return {
        "alert": data["alert"],
        "summary": data["summary"],
        "ends_at": clock.now().isoformat().replace("+00:00", "Z"),
    }


def incident_with_alerts(store: SQLiteStore, clock: FixedClock, firing: int, done: int) -> str:
    """An incident with `firing + done` alerts recorded, `done` of them resolved."""
    incident = declare(store, "alerts:alertmanager", clock, "Checkout errors", severity=2)
    alerts = [fired(clock, f"k{n}", f"5xx ratio over 5% ({n})") for n in range(firing + done)]
    for data in alerts:
        write(store, incident.id, "alert_fired", "alerts:alertmanager", data, clock)
    for data in alerts[:done]:
        write(
            store,
            incident.id,
            "alert_resolved",
            "alerts:alertmanager",
            resolved(data, clock),
            clock,
        )
    return incident.id


async def test_the_header_counts_the_alerts_firing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident_id = incident_with_alerts(sqlite_store, clock, firing=3, done=2)
    app = make_app(incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await wait_for_room(pilot)
        assert "alerts: 3 firing / 5" in screen_text(app)
        data = [e.data for e in sqlite_store.events(incident_id) if e.kind == "alert_fired"]
        for item in data[2:]:  # the three still firing resolve: the room shows it live
            write(sqlite_store, incident_id, "alert_resolved", "am", resolved(item, clock), clock)
        await wait_until(pilot, lambda: "alerts: all resolved / 5" in screen_text(app))
        assert room.incident is not None and room.incident.status == "investigating"


async def test_an_incident_without_alerts_says_nothing_of_them(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "Slow search", severity=3)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        assert "alerts:" not in screen_text(app)


async def test_alert_entries_have_their_own_look_and_a_refiring_stands_out(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "Checkout errors", severity=2)
    actor = "alerts:alertmanager"
    plain = fired(clock, "a", "queue depth growing")
    critical = fired(clock, "b", "checkout down everywhere", severity="critical")
    again = fired(clock, "c", "payments flapping", after_resolution=True)
    note = {"text": "looking at the queue"}
    write(sqlite_store, incident.id, "note", "me", note, clock)
    for data in (plain, critical, again):
        write(sqlite_store, incident.id, "alert_fired", actor, data, clock)
    write(sqlite_store, incident.id, "alert_resolved", actor, resolved(plain, clock), clock)
    summary = {"group": "g1", "minute": "2026-11-26T03:40Z", "fired": 180, "resolved": 0}
    write(sqlite_store, incident.id, "alerts_summarized", actor, summary, clock)
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot)
        await pilot.press("home")  # the cursor off the newest row: its background is plain
        text = screen_text(app)
        assert "firing again after resolution: payments flapping" in text
        assert "+180 more alerts in group g1" in text
        assert "resolved: queue depth growing" in text
        # each look is the style of its row's icon and kind column
        look = {
            name: segment_style(app, icon)
            for name, icon in (("alert", "⚠"), ("again", "‼"), ("resolved", "○"), ("more", "≋"))
        }
        note = segment_style(app, "•")
        assert look["alert"].color != note.color
        assert look["again"] != look["alert"] and look["again"].bold
        assert look["again"].bgcolor != note.bgcolor  # a band across the kind, not just a colour
        assert look["resolved"].color != look["alert"].color
        assert look["more"].italic
        critical = segment_style(app, "checkout down everywhere")
        assert critical is not None


async def test_hostile_alert_text_in_the_timeline_shows_literally(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "Alert storm", severity=2)
    data = fired(
        clock,
        "h",
        f"A {HOSTILE}",
        labels={"alertname": CLICK, "big": "x" * 10_000},
        annotations={"summary": f"A {HOSTILE}"},
        severity="[bold red]",
    )
    data["service"] = "[/]"
    data["links"] = [{"url": "https://grafana.example.com/d/1", "label": CLICK}]
    write(sqlite_store, incident.id, "alert_fired", "alerts:alertmanager", data, clock)
    app = make_app(incident_id=incident.id)
    spy = Spy(app)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for_room(pilot)
        text = screen_text(app)
        assert_safe(text)
        assert "A [@click=app.quit]x[/] [/] [bold red] [ @click=app.bell]y[/]" in text
        assert f"{REPLACEMENT}]0;pwned{REPLACEMENT}" in text
        await assert_inert(pilot, app, spy)
        await pilot.press("enter")  # the entry in full: its severity and service too
        await wait_until(pilot, lambda: "([bold red], [/])" in screen_text(app))
        text = screen_text(app)
        assert_safe(text)
        # and what the row has no room for: labels, annotations, links
        assert "labels     alertname=[@click=app.quit]x[/]" in text
        assert "big=xxxxxxxx" in text
        assert f"annotation summary=A {CLICK}" in text
        assert f"link       {CLICK} https://grafana.example.com/d/1" in text
        assert_no_links(app)
        assert app.is_running and spy.rang == 0


# -- the inbox: home, the list, declare / attach / ignore -------------------------------


async def test_home_counts_the_inbox_and_a_opens_the_alert_list(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    assert ingest(sqlite_store, clock, *INBOX).accepted == 5
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await wait_until(pilot, lambda: "inbox: 5 alerts, ⚠ 3 critical" in screen_text(app))
        text = screen_text(app)
        assert (
            "⚠ 3 CRITICAL ALERTS (a: alert inbox) Nightly backup failed" in text
        )  # the newest critical
        assert "5 alerts wait in the inbox: a lists them." in text  # no incident yet
        assert "a Alerts" in text
        screen = await open_alerts(pilot)
        text = screen_text(app)
        assert "5 in the inbox" in text and "3 critical" in text
        for summary in (
            "Nightly backup failed",
            "DISK at 99% on machine prod-datapipe03.example.com",
            "BlackBox Probe Failure: https://server.example.org",
            "This alert was triggered for zone eu-1",
        ):
            assert summary in text
        assert screen.table.row_count == 5
        assert [row.value for row in screen.table.rows] == [a.id for a in screen.alerts]
        # the highlighted one in full below the list
        assert "pg_dump exited with status 1 on db1" in text
        assert "labels host=db1  team=storage" in text
        # a new alert arrives, one is sent again: the list follows the inbox
        ingest(sqlite_store, clock, "alertmanager_hostile")
        await wait_until(pilot, lambda: screen.table.row_count == 6, what="the new row")
        clock.advance(minutes=2)
        ingest(sqlite_store, clock, "generic_firing")
        await wait_until(pilot, lambda: "×2" in screen_text(app), what="the repeat counted")
        assert "sent 2 times" in screen_text(app)  # the highlighted one: the backup
        await pilot.press("q")
        await wait_until(pilot, lambda: "inbox: 6 alerts, ⚠ 4 critical" in screen_text(app))


async def test_d_declares_an_incident_from_the_highlighted_alert(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    ingest(sqlite_store, clock, *INBOX)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alerts(pilot)
        index = row_of(screen, "DISK at 99% on machine prod-datapipe03.example.com")
        for _ in range(index):
            await pilot.press("j")
        await pilot.press("d")
        form = await wait_for_screen(pilot, AlertDeclareForm)
        assert form.alert.summary.startswith("DISK at 99%")
        # the title is the alert's summary, the severity from the alert's (critical: 2)
        assert "Declare an incident from the alert" in screen_text(app)
        await pilot.press("tab", "backspace", "1", "enter")
        room = await wait_for_room(
            pilot, title="DISK at 99% on machine prod-datapipe03.example.com"
        )
        assert room.incident is not None and room.incident.severity == 1
        [record] = [a for a in sqlite_store.alert_rows("all") if a.source == "pagerduty"]
        assert record.state == "incident" and record.incident_id == room.incident_id
        kinds = [event.kind for event in sqlite_store.events(room.incident_id)]
        assert "alert_fired" in kinds
        await wait_until(pilot, lambda: "alerts: 1 firing / 1" in screen_text(app))
        assert len(sqlite_store.alert_rows("inbox")) == 4
        await pilot.press("q")  # back to the list, without the alert declared
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        await wait_until(pilot, lambda: screen.table.row_count == 4)


async def test_a_attaches_the_alert_to_an_open_incident_and_i_ignores_one(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    declare(sqlite_store, "me", clock, "Memory pressure in us-1", severity=3)
    other = declare(sqlite_store, "me", clock, "Payments slow", severity=2)
    ingest(sqlite_store, clock, "grafana_firing", "generic_firing")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alerts(pilot)
        index = row_of(screen, "This alert was triggered for zone us-1")
        for _ in range(index):
            await pilot.press("j")
        await pilot.press("a")
        form = await wait_for_screen(pilot, AlertAttachForm)
        # the open incidents, most severe first: SEV2 INC-2, then SEV3 INC-1
        assert [i.ref for i in form.incidents] == ["INC-2", "INC-1"]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        first = sqlite_store.incident(sqlite_store.resolve("INC-1"))
        await wait_until(pilot, lambda: screen.table.row_count == 1, what="the list shrunk")
        records = {a.summary: a for a in sqlite_store.alert_rows("all")}
        attached = records["This alert was triggered for zone us-1"]
        assert attached.state == "incident" and attached.incident_id == first.id
        assert sqlite_store.incident(first.id).alerts_total >= 1
        assert sqlite_store.incident(other.id).alerts_total == 0
        # the grafana group went along; the generic alert stays: ignore it
        assert [a.summary for a in screen.alerts] == ["Nightly backup failed"]
        await pilot.press("i")
        await wait_for_screen(pilot, ConfirmScreen)
        assert "Ignore the alert 'Nightly backup failed'?" in screen_text(app)
        await pilot.press("n")  # no: nothing changes
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        assert len(sqlite_store.alert_rows("inbox")) == 1
        await pilot.press("i")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.table.row_count == 0, what="the list emptied")
        [ignored] = [a for a in sqlite_store.alert_rows("all") if a.source == "generic"]
        assert ignored.state == "ignored" and ignored.incident_id is None
        assert "The inbox is empty." in screen_text(app)
        await pilot.press("c")  # every alert: where each went
        await wait_until(pilot, lambda: screen.table.row_count == 3)
        text = screen_text(app)
        assert "ignored" in text and "INC-1" in text


# -- new critical alerts announced ------------------------------------------------------


async def test_a_new_critical_alert_is_announced_on_home(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    ingest(sqlite_store, clock, "grafana_firing")  # not critical
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await wait_until(pilot, lambda: "inbox: 2 alerts" in screen_text(app))
        assert "CRITICAL" not in screen_text(app)
        ingest(sqlite_store, clock, "pagerduty_trigger")
        announced = "new critical alert (mysql): DISK at 99% on machine prod-datapipe03.example.com"
        await wait_until(pilot, lambda: announced in toasts(app), what="the toast")
        await wait_until(pilot, lambda: "new critical alert (mysql): DISK" in screen_text(app))
        text = screen_text(app)
        assert "inbox: 3 alerts, ⚠ 1 critical" in text
        assert (
            "⚠ CRITICAL ALERT (a: alert inbox) DISK at 99% on machine prod-datapipe03.example.com"
            in text
        )


async def test_a_new_critical_alert_is_announced_on_walls(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "me", clock, "Checkout errors", severity=2)
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_screen(pilot, WallHomeScreen)
        await inbox_read(pilot, app)  # empty: what comes next is new
        ingest(sqlite_store, clock, "generic_firing")
        await wait_until(
            pilot, lambda: "new critical alert (backups): Nightly backup failed" in screen_text(app)
        )
        assert "⚠ CRITICAL ALERT Nightly backup failed" in screen_text(app)
    app = make_app(read_only=True, incident_id=incident.id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_room(pilot, WallRoomScreen)
        await wait_until(
            pilot, lambda: "⚠ CRITICAL ALERT Nightly backup failed" in screen_text(app)
        )
        clock.advance(minutes=1)  # the newest critical alert: named on the banner
        ingest(sqlite_store, clock, "pagerduty_trigger")
        await wait_until(pilot, lambda: "new critical alert (mysql): DISK" in screen_text(app))
        assert "2 CRITICAL ALERTS DISK at 99%" in screen_text(app)


async def test_a_room_opened_directly_does_not_watch_the_inbox(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """`warroom tui REF`: the writer's room has no banner and reads no alerts."""
    incident = declare(sqlite_store, "me", clock, "Checkout errors", severity=2)
    ingest(sqlite_store, clock, "generic_firing")
    app = make_app(incident_id=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_room(pilot, RoomScreen)
        await pilot.pause(0.3)
        assert app._inbox_monitor is None
        assert "CRITICAL ALERT" not in screen_text(app)


# -- hostile alert text -------------------------------------------------------------------


HOSTILE_SUMMARY = f"[@click=app.quit]x[/] {REPLACEMENT}[31mred{REPLACEMENT}[0m [/]"


async def test_hostile_alert_text_shows_literally_in_the_list_banner_and_toast(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    app = make_app()
    spy = Spy(app)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await inbox_read(pilot, app)  # empty: what comes next is new
        ingest(sqlite_store, clock, "alertmanager_hostile")
        announced = f"new critical alert ([bold red]pay[/]): {HOSTILE_SUMMARY}"
        await wait_until(pilot, lambda: announced in toasts(app), what="the toast")
        await wait_until(pilot, lambda: "new critical alert ([bold red]pay[/])" in screen_text(app))
        text = screen_text(app)
        assert_safe(text)
        assert f"⚠ CRITICAL ALERT (a: alert inbox) {HOSTILE_SUMMARY}  ·  [bold red]pay[/]" in text
        await assert_inert(pilot, app, spy)
        screen = await open_alerts(pilot)
        text = screen_text(app)
        assert_safe(text)
        assert HOSTILE_SUMMARY in text and "[bold red]pay[/]" in text
        # the detail: labels and annotations as sent, cleaned, cut
        assert "alertname=[@click=app.quit]x[/]" in text
        assert f"instance={REPLACEMENT}]0;title{REPLACEMENT}host" in text
        assert f"team={REPLACEMENT}]52;c;AAAA{REPLACEMENT}ops" in text
        assert f"bidi=abc{REPLACEMENT}dcba{REPLACEMENT}" in text
        assert f"a{REPLACEMENT}b{REPLACEMENT}c" in text
        # a javascript: URL is text in its annotation, never one of the alert's links
        assert "runbook_url=javascript:alert(1)" in text
        assert not [line for line in text.splitlines() if "links " in line and "javascript" in line]
        await assert_inert(pilot, app, spy)
        assert app.screen is screen
        # declared from: the title as sent (cleaned), stored literally
        await pilot.press("d")
        await wait_for_screen(pilot, AlertDeclareForm)
        await pilot.press("enter")
        room = await wait_for_room(pilot)
        assert room.incident is not None
        assert room.incident.title.startswith("[@click=app.quit]x[/]")
        text = screen_text(app)
        assert_safe(text)
        assert "[@click=app.quit]x[/]" in text
        assert app.is_running and spy.rang == 0


async def test_a_10_kb_alert_shows_cut_everywhere_and_crashes_nothing(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await inbox_read(pilot, app)  # empty: what comes next is new
        huge = "W" * 10_000
        body = {"title": huge, "status": "firing", "severity": "critical", "service": huge}
        ingest_payload(sqlite_store, clock, "generic", body)
        await wait_until(pilot, lambda: "new critical alert" in screen_text(app), what="toast")
        assert "⚠ CRITICAL ALERT (a: alert inbox) WWWW" in screen_text(app)
        screen = await open_alerts(pilot)
        assert screen.table.row_count == 1 and "WWWWWWWW…" in screen_text(app)
        await pilot.press("d")
        form = await wait_for_screen(pilot, AlertDeclareForm)
        title = form.query_one("#title", Input).value
        assert title == "W" * len(title) and 0 < len(title) <= TITLE_MAX
        await pilot.press("enter")
        room = await wait_for_room(pilot)
        assert room.incident is not None and room.incident.title == title
        assert app.is_running


# -- the alert list, as it looks ------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [pytest.param((80, 24), id="80x24"), pytest.param((160, 40), id="160x40")]
)
def test_alert_list_snapshot(
    snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock, size: Any
) -> None:
    """The inbox of the documented payloads, at 03:40 UTC by a fixed clock.

    Update after an intended change: pytest tests/tui/test_alerts_tui.py --snapshot-update"""
    ingest(sqlite_store, clock, *INBOX)
    clock.advance(minutes=5)  # first and last seen stay 03:40; the hostile one came later
    ingest(sqlite_store, clock, "alertmanager_hostile")
    app = WarroomApp(sqlite_store, actor="alice", clock=clock)

    async def alerts_shown(pilot: Any) -> None:
        await open_alerts(pilot)
        await pilot.press("j")  # the second row's detail

    assert snap_compare(app, terminal_size=size, run_before=alerts_shown)


async def test_the_alert_keys_are_listed_and_remappable(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    ingest(sqlite_store, clock, "generic_firing")
    ids = {"alerts", "alerts.declare", "alerts.attach", "alerts.ignore", "alerts.all"}
    assert ids <= binding_ids()
    app = make_app(keymap={"alerts": "A", "alerts.ignore": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await pilot.press("a")  # no longer the key
        await pilot.pause(0.2)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("A")
        await wait_for_screen(pilot, AlertsScreen)
        await pilot.press("question_mark")
        await wait_until(
            pilot, lambda: "Declare" in screen_text(app) and "Ignore" in screen_text(app)
        )
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen))
        await pilot.press("x")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: sqlite_store.alert_rows("inbox") == [])


async def test_ignoring_an_alert_another_terminal_declared_says_why_not(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    ingest(sqlite_store, clock, "generic_firing")
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_alerts(pilot)
        app.inbox_monitor().stop()  # the list does not hear of what comes next
        [alert] = screen.alerts
        other = alert_service.inbox_for(sqlite_store, app.settings, clock)
        incident = other.declare(alert.id, "bob")
        await pilot.press("i")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        refused = f"the alert is not ignored: alert {alert.id} is already on {incident.ref}"
        await wait_until(pilot, lambda: refused in toasts(app), what="the refusal")
        await wait_until(pilot, lambda: screen.table.row_count == 0, what="the list read again")
        [record] = sqlite_store.alert_rows("all")
        assert record.state == "incident"


def test_home_with_critical_alerts_snapshot(
    snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """The home screen's inbox count and critical banner, at 80 columns."""
    declare(sqlite_store, "alice", clock, "Checkout errors for EU users", severity=2)
    ingest(sqlite_store, clock, *INBOX)
    app = WarroomApp(sqlite_store, actor="alice", clock=clock)

    async def banner_shown(pilot: Any) -> None:
        await wait_for_screen(pilot, HomeScreen)
        await wait_until(pilot, lambda: "CRITICAL ALERTS" in screen_text(app))

    assert snap_compare(app, terminal_size=(80, 24), run_before=banner_shown)


def test_room_with_alert_entries_snapshot(
    snap_compare: Any, sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    """Alert entries' looks in the timeline and the header's count."""
    incident = declare(sqlite_store, "alice", clock, "Checkout errors", severity=2)
    actor = "alerts:alertmanager"
    plain = fired(clock, "a", "queue depth growing")
    write(sqlite_store, incident.id, "note", "alice", {"text": "looking at the queue"}, clock)
    for data in (
        plain,
        fired(clock, "b", "checkout down everywhere", severity="critical"),
        fired(clock, "c", "payments flapping", after_resolution=True),
    ):
        write(sqlite_store, incident.id, "alert_fired", actor, data, clock)
    write(sqlite_store, incident.id, "alert_resolved", actor, resolved(plain, clock), clock)
    summary = {"group": "g1", "minute": "2026-11-26T03:40Z", "fired": 180, "resolved": 0}
    write(sqlite_store, incident.id, "alerts_summarized", actor, summary, clock)
    app = WarroomApp(sqlite_store, actor="alice", clock=clock, incident_id=incident.id)

    async def room_shown(pilot: Any) -> None:
        await wait_for_room(pilot)
        await pilot.press("home")  # the cursor on the first row: every alert row in its look

    assert snap_compare(app, terminal_size=(120, 24), run_before=room_shown)


async def test_a_long_inbox_lists_its_newest_and_says_of_how_many(
    make_app: Callable[..., WarroomApp],
    sqlite_store: SQLiteStore,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(alerts_screen, "LIST_LIMIT", 3)
    ingest(sqlite_store, clock, *INBOX)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alerts(pilot)
        assert screen.table.row_count == 3
        await wait_until(pilot, lambda: "the newest 3 of 5 in the inbox" in screen_text(app))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_the_banner_and_alert_looks_read_in_both_themes(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock, theme: str
) -> None:
    ingest(sqlite_store, clock, "generic_firing")
    incident = declare(sqlite_store, "me", clock, "Checkout errors", severity=2)
    for key, extra in (
        ("a", {}),
        ("b", {"after_resolution": True}),
        ("c", {"severity": "critical"}),
    ):
        data = fired(clock, key, f"alert {key} text", **extra)
        write(sqlite_store, incident.id, "alert_fired", "am", data, clock)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        await wait_for_screen(pilot, HomeScreen)
        await wait_until(pilot, lambda: "CRITICAL ALERT" in screen_text(app))
        ratio = contrast(segment_style(app, "Nightly backup failed"))
        assert ratio >= 3.0, f"the banner has contrast {ratio:.1f} in {theme}"
        app.open_incident(incident.id)
        await wait_for_room(pilot)
        await pilot.press("home")
        # the band of an alert firing again after resolution (a plain alert
        # takes the theme's warning text colour, as a finding does)
        ratio = contrast(segment_style(app, "‼"))
        assert ratio >= 3.0, f"the refiring band has contrast {ratio:.1f} in {theme}"


@pytest.mark.parametrize("name", ["alertmanager_firing", "alertmanager_hostile"])
async def test_the_lead_is_told_in_the_room_when_its_alerts_fire_again_after_resolution(
    name: str, make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    rules = load_rules()  # the shipped rules: the critical alert declares
    body = payload(name)
    first = parse("alertmanager", body)
    alert_service.ingest(sqlite_store, first, rules, AlertSettings(), clock)
    [incident] = sqlite_store.incidents()
    write(sqlite_store, incident.id, "role_assigned", "me", {"role": "lead", "person": "al"}, clock)
    write(sqlite_store, incident.id, "status_changed", "me", {"to": "resolved"}, clock)
    app = make_app(incident_id=incident.id)
    spy = Spy(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_room(pilot)
        assert not [t for t in toasts(app) if "again" in t]  # nothing to tell yet
        body["alerts"][0]["startsAt"] = clock.now().isoformat().replace("+00:00", "Z")
        again = parse("alertmanager", body)
        alert_service.ingest(sqlite_store, again, rules, AlertSettings(), clock)

        def told() -> list[str]:
            return [t for t in toasts(app) if "fire again" in t]

        await wait_until(pilot, lambda: bool(told()), 5.0, "the lead told")
        [notice] = told()
        assert incident.ref in notice and "lead al" in notice
        assert clean(first[0].summary) in notice  # literally, control characters shown as �
        await wait_until(pilot, lambda: "and its alerts fire" in screen_text(app))
        assert_safe(screen_text(app))
        await assert_inert(pilot, app, spy)
        assert app.is_running and spy.rang == 0


async def test_home_tells_the_lead_when_a_resolved_incident_fires_again(
    make_app: Callable[..., WarroomApp], sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    rules = load_rules()
    body = payload("alertmanager_firing")
    alert_service.ingest(sqlite_store, parse("alertmanager", body), rules, AlertSettings(), clock)
    [incident] = sqlite_store.incidents()
    write(sqlite_store, incident.id, "role_assigned", "me", {"role": "lead", "person": "al"}, clock)
    write(sqlite_store, incident.id, "status_changed", "me", {"to": "resolved"}, clock)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        await wait_until(pilot, lambda: app.screen.loaded, 5.0, "home loaded")
        assert incident.ref not in screen_text(app)  # resolved: not listed
        body["alerts"][0]["startsAt"] = clock.now().isoformat().replace("+00:00", "Z")
        alert_service.ingest(
            sqlite_store, parse("alertmanager", body), rules, AlertSettings(), clock
        )
        await wait_until(
            pilot, lambda: any("fire again" in t for t in toasts(app)), 5.0, "the lead told"
        )
        [notice] = [t for t in toasts(app) if "fire again" in t]
        assert notice.startswith(f"{incident.ref} (lead al) was resolved")
