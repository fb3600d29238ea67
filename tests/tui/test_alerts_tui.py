"""Alerts in the TUI: the room's header counts the alerts firing, alert
entries have their own look in the timeline (one that fired again after
resolution stands out), and hostile alert text shows literally there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.tui.helpers import screen_text, segment_style, wait_for_room, wait_until
from tests.tui.test_hostile import CLICK, HOSTILE, Spy, assert_inert, assert_safe
from warroom.core.alerts.model import alert_id
from warroom.core.clock import FixedClock
from warroom.core.text import REPLACEMENT
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp

SIZE = (160, 40)


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
        assert_safe(screen_text(app))
        assert app.is_running and spy.rang == 0
