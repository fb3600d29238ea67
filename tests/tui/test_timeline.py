"""The timeline widget: order, live inserts, follow mode, filter, search, UTC,
hostile text and a 100k-event incident, driven through a tiny host app."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.app import App, ComposeResult

from warroom.core.catalog import Catalog
from warroom.core.clock import FixedClock
from warroom.core.events import Event, make_event
from warroom.core.kinds import LOG_KINDS
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore
from warroom.tui.widgets.timeline import TimelineView

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
INCIDENT = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
HOSTILE = [
    "[@click=app.quit]x[/]",
    "[/]",
    "[bold red]loud",
    "[ @click=app.bell]y[/]",
    "title \x1b]0;pwned\x07 set",
    "clip \x1b]52;c;aGk=\x07 board",
    "c1 \x9b31m byte \x85",
    "bidi \u202eevil\u202c text",
]


class Host(App[None]):
    """Mounts only the timeline."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        yield TimelineView(self.catalog, id="timeline")


def stored(
    seq: int,
    kind: str = "note",
    data: dict[str, Any] | None = None,
    *,
    at: datetime,
    recorded_at: datetime | None = None,
) -> Event:
    """An event as the store returns it (seq, gseq and recorded_at set)."""
    event = make_event(INCIDENT, kind, "alice", data or {"text": f"n{seq}"}, at)
    return event.stored(seq, seq, recorded_at or at)


def notes(count: int, first_seq: int = 1, start: datetime = T0) -> list[Event]:
    return [
        stored(seq, at=start + timedelta(seconds=seq - first_seq))
        for seq in range(first_seq, first_seq + count)
    ]


def lines(timeline: TimelineView) -> list[str]:
    height = timeline.scrollable_content_region.height
    return [timeline.render_line(y).text for y in range(height)]


def seqs(timeline: TimelineView) -> list[int | None]:
    return [event.seq for event in timeline.visible_events()]


@pytest.fixture
def local_zone() -> Iterator[None]:
    """The local zone is UTC+05:30 (no DST), so local and UTC times differ."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


async def test_rows_are_ordered_by_occurred_at_then_seq(catalog: Catalog) -> None:
    minutes = {1: 5, 2: 1, 3: 3, 4: 2, 5: 4, 6: 0, 7: 6, 8: 6}
    events = [stored(seq, at=T0 + timedelta(minutes=m)) for seq, m in minutes.items()]
    events.reverse()  # the input order must not matter
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.show_utc = True
        timeline.load(events)
        await pilot.pause()
        assert seqs(timeline) == [6, 2, 4, 3, 5, 1, 7, 8]
        shown = lines(timeline)
        assert shown[0].startswith("03:00:00Z") and "n6" in shown[0]
        assert shown[7].startswith("03:06:00Z") and "n8" in shown[7]
        assert timeline.event_count == 8


async def test_back_dated_live_event_lands_in_place_with_marker(
    catalog: Catalog, sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "alice", clock, "Checkout is down", severity=2)
    for text in ("first", "second", "third"):
        clock.advance(minutes=1)
        write(sqlite_store, incident.id, "note", "bob", {"text": text}, clock)
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.show_utc = True
        timeline.load(sqlite_store.events(incident.id))
        await pilot.pause()
        clock.advance(minutes=10)  # 03:53: "we saw it at 03:41:30"
        late = write(
            sqlite_store,
            incident.id,
            "finding",
            "carol",
            {"text": "errors began"},
            clock,
            at=datetime(2026, 11, 26, 3, 41, 30, tzinfo=UTC),
        )
        timeline.extend([late])
        await pilot.pause()
        shown = [line.rstrip() for line in lines(timeline)[:5]]
        assert "declared SEV2 Checkout is down" in shown[0]
        assert shown[1].endswith("first")
        assert shown[2].startswith("03:41:30Z")
        assert "[back-dated, logged 03:53Z] errors began" in shown[2]
        assert shown[3].endswith("second") and shown[4].endswith("third")
        assert "back-dated" not in "".join(shown[:2] + shown[3:])
        assert seqs(timeline) == [1, 2, 5, 3, 4]


async def test_concurrent_changes_are_marked(catalog: Catalog) -> None:
    events = [
        stored(1, "severity_changed", {"severity": 2}, at=T0),
        stored(2, "severity_changed", {"severity": 1}, at=T0 + timedelta(seconds=1)),
        stored(3, at=T0 + timedelta(seconds=2)),
    ]
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(events, concurrent=[1])
        await pilot.pause()
        assert "[concurrent] severity set to SEV2" in lines(timeline)[0]
        assert "[concurrent]" not in lines(timeline)[1]
        timeline.extend([], concurrent=[1, 2])
        await pilot.pause()
        assert "[concurrent] severity set to SEV1" in lines(timeline)[1]
        assert "[concurrent]" not in lines(timeline)[2]


async def test_follow_sticks_to_the_newest_row(catalog: Catalog) -> None:
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(notes(100))
        await pilot.pause()
        assert timeline.follow
        assert seqs(timeline)[-1] == 100
        timeline.extend(notes(3, first_seq=101, start=T0 + timedelta(minutes=5)))
        await pilot.pause()
        assert seqs(timeline)[-3:] == [101, 102, 103]
        assert lines(timeline)[-1].rstrip().endswith("n103")


async def test_reading_above_is_never_moved_by_new_events(catalog: Catalog) -> None:
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(notes(100, first_seq=1001, start=T0 + timedelta(hours=1)))
        await pilot.pause()
        await pilot.press("pageup", "pageup", "k")
        assert not timeline.follow
        first = timeline.visible_events()[0]
        before = lines(timeline)
        live = notes(5, first_seq=2001, start=T0 + timedelta(hours=2))  # newer: below
        back_dated = [  # older than what is on screen: inserted above the viewport
            stored(3001 + i, at=first.occurred_at - timedelta(seconds=30 + i)) for i in range(4)
        ]
        timeline.extend(live + back_dated)
        await pilot.pause()
        assert timeline.visible_events()[0].id == first.id
        assert lines(timeline) == before
        timeline.prepend(notes(500, first_seq=1, start=T0))  # a page of older events
        await pilot.pause()
        assert timeline.visible_events()[0].id == first.id
        assert lines(timeline) == before
        assert timeline.event_count == 609
        assert not timeline.follow


async def test_end_re_enables_follow(catalog: Catalog) -> None:
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(notes(100))
        await pilot.pause()
        await pilot.press("home")
        assert not timeline.follow and seqs(timeline)[0] == 1
        await pilot.press("end")
        assert timeline.follow and seqs(timeline)[-1] == 100
        timeline.extend(notes(1, first_seq=101, start=T0 + timedelta(hours=1)))
        await pilot.pause()
        assert seqs(timeline)[-1] == 101
        await pilot.press("pageup")
        assert not timeline.follow
        await pilot.press("pagedown", "pagedown", "j")  # scrolling back down also follows
        assert timeline.follow


async def test_kind_filter_cycles_and_hides_other_kinds(catalog: Catalog) -> None:
    kinds = ["note", "finding", "action", "decision", "status_changed", "comms_update"]
    data = {
        "status_changed": {"to": "identified"},
        "comms_update": {"text": "we are on it", "audience": "customers"},
    }
    events = [
        stored(seq, kind, data.get(kind, {"text": f"{kind} {seq}"}), at=T0 + timedelta(minutes=seq))
        for seq, kind in enumerate(kinds * 3, start=1)
    ]
    app = Host(catalog)
    async with app.run_test(size=(100, 30)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(events)
        await pilot.pause()
        assert len(timeline.visible_events()) == 18
        await pilot.press("F")
        shown = {event.kind for event in timeline.visible_events()}
        assert shown == set(LOG_KINDS)
        assert len(timeline.visible_events()) == 12
        assert "update" not in "".join(lines(timeline))
        timeline.extend(
            [stored(19, "status_changed", {"to": "mitigated"}, at=T0 + timedelta(hours=1))]
        )
        await pilot.pause()
        assert all(event.kind in LOG_KINDS for event in timeline.visible_events())
        await pilot.press("F")
        assert {event.kind for event in timeline.visible_events()} == {"status_changed"}
        assert len(timeline.visible_events()) == 4
        await pilot.press("F")
        assert {event.kind for event in timeline.visible_events()} == {"comms_update"}
        await pilot.press("F")
        assert len(timeline.visible_events()) == 19
        timeline.set_kind_filter(frozenset({"milestone"}))
        await pilot.pause()
        assert timeline.visible_events() == []
        assert "No events match the filter" in lines(timeline)[0]


async def test_search_jumps_to_and_highlights_a_match(catalog: Catalog) -> None:
    events = notes(200)
    events[9] = stored(10, "finding", {"text": "Needle in the pool"}, at=events[9].occurred_at)
    events[120] = stored(121, "note", {"text": "second NEEDLE"}, at=events[120].occurred_at)
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(events)
        await pilot.pause()
        assert timeline.search("needle")  # from the top of the screen on, wrapping
        await pilot.pause()
        assert timeline.match_event is not None and timeline.match_event.seq == 10
        assert 10 in seqs(timeline)
        assert not timeline.follow
        y = seqs(timeline).index(10)
        strip = timeline.render_line(y)
        match_style = timeline.get_component_rich_style("timeline--match")
        marked = [
            seg.text for seg in strip if seg.style and seg.style.bgcolor == match_style.bgcolor
        ]
        assert "Needle" in marked
        other = timeline.render_line((y + 1) % 12)
        assert not [seg for seg in other if seg.style and seg.style.bgcolor == match_style.bgcolor]
        assert timeline.search("needle")
        assert timeline.match_event is not None and timeline.match_event.seq == 121
        assert 121 in seqs(timeline)
        assert timeline.search("needle", backwards=True)
        assert timeline.match_event is not None and timeline.match_event.seq == 10
        assert not timeline.search("absent words")
        assert timeline.match_event is None


async def test_show_utc_changes_the_times(catalog: Catalog, local_zone: None) -> None:
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load([stored(1, at=datetime(2026, 11, 26, 3, 40, 5, tzinfo=UTC))])
        await pilot.pause()
        assert lines(timeline)[0].startswith("09:10:05 ")
        await pilot.press("t")
        assert timeline.show_utc
        assert lines(timeline)[0].startswith("03:40:05Z ")
        await pilot.press("t")
        assert lines(timeline)[0].startswith("09:10:05 ")


async def test_unknown_kinds_and_repeats(catalog: Catalog) -> None:
    events = [stored(1, "pager_fired", {"source": "[@click=app.quit]x[/]"}, at=T0), *notes(2, 2)]
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(events)
        timeline.extend(events[1:])  # the live feed repeats what the first load had
        await pilot.pause()
        assert timeline.event_count == 3
        assert "pager_fi" in lines(timeline)[0] and "[@click=app.quit]x[/]" in lines(timeline)[0]


async def test_hostile_text_shows_literally_and_does_nothing(
    catalog: Catalog, sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    incident = declare(sqlite_store, "[@click=app.quit]x[/]", clock, "[/] \x1b]0;pwned\x07")
    for text in HOSTILE:
        write(sqlite_store, incident.id, "note", "mallory [/]", {"text": text}, clock)
    write(sqlite_store, incident.id, "note", "mallory", {"text": "A" * 10_000}, clock)
    app = Host(catalog)
    async with app.run_test(size=(100, 24)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(sqlite_store.events(incident.id))
        await pilot.pause()
        strips = [timeline.render_line(y) for y in range(10)]
        shown = [strip.text for strip in strips]
        width = timeline.scrollable_content_region.width
        assert all(strip.cell_length == width for strip in strips)
        for text in ("[@click=app.quit]x[/]", "[/]", "[bold red]loud", "[ @click=app.bell]y[/]"):
            assert any(text in line for line in shown), text
        assert "title \ufffd]0;pwned\ufffd set" in shown[5]
        assert "bidi \ufffdevil\ufffd text" in shown[8]
        assert shown[9].endswith("AAA…")
        for strip in strips:
            for segment in strip:
                assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in segment.text)
                assert "\u202e" not in segment.text
                assert segment.style is None or not segment.style.meta
                assert segment.style is None or not segment.style.link
        # click on the would-be link: nothing happens, the app keeps running
        column = shown[1].index("[@click=app.quit]x") + len("[@click=app.quit]")
        await pilot.click(TimelineView, offset=(column, 1))
        await pilot.click(TimelineView, offset=(shown[0].index("[/]") + 1, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert lines(timeline)[:10] == shown


async def test_a_hundred_thousand_events_load_and_scroll(catalog: Catalog) -> None:
    count = 100_000
    kinds = ("note", "finding", "action", "decision")
    events = [
        Event(
            id=f"00000000-0000-4000-8000-{seq:012d}",
            incident_id=INCIDENT,
            kind=kinds[seq % 4],
            actor=("alice", "bob", "carol")[seq % 3],
            occurred_at=T0 + timedelta(seconds=seq),
            data={"text": f"entry number {seq}"},
            seq=seq,
            gseq=seq,
            recorded_at=T0 + timedelta(seconds=seq),
        )
        for seq in range(1, count + 1)
    ]
    app = Host(catalog)
    async with app.run_test(size=(120, 40)) as pilot:
        timeline = app.query_one(TimelineView)
        started = time.perf_counter()
        timeline.load(events)
        await pilot.pause()
        assert time.perf_counter() - started < 3.0  # generous: the bench measures it
        assert seqs(timeline)[-1] == count
        await pilot.press("home")
        assert seqs(timeline)[0] == 1
        await pilot.press("pagedown", "pagedown", "down")  # down moves the cursor, on screen
        assert seqs(timeline)[0] == 81
        assert timeline.cursor_event is not None and timeline.cursor_event.seq == 82
        first = timeline.visible_events()[0]
        # a back-dated live event far above, and another just below the screen
        timeline.extend(
            [
                stored(count + 1, at=T0 + timedelta(seconds=40, milliseconds=500)),
                stored(count + 2, at=T0 + timedelta(seconds=500, milliseconds=500)),
            ]
        )
        await pilot.pause()
        assert timeline.visible_events()[0].id == first.id
        await pilot.press("F", "F")  # status & severity: none here
        assert timeline.visible_events() == []
        await pilot.press("F", "F")
        assert timeline.event_count == count + 2
        assert timeline.search("entry number 99999")
        assert timeline.match_event is not None and timeline.match_event.seq == 99999
        await pilot.press("end")
        assert timeline.follow and seqs(timeline)[-1] == count


async def test_colours_follow_the_theme(catalog: Catalog) -> None:
    events = [
        stored(1, "finding", {"text": "disk full"}, at=T0),
        stored(2, "action", {"text": "rotated logs"}, at=T0 + timedelta(seconds=1)),
    ]
    app = Host(catalog)
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.load(events)
        looks = {}
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            background = timeline.rich_style.bgcolor
            strip = timeline.render_line(0)
            assert all(segment.style.bgcolor == background for segment in strip if segment.style)
            looks[theme] = [segment.style.color for segment in strip if segment.style]
            finding = timeline.get_component_rich_style("timeline--kind-finding").color
            action = timeline.get_component_rich_style("timeline--kind-action").color
            assert finding != action  # kinds are told apart by colour, not only by icon
        assert looks["textual-dark"] != looks["textual-light"]
