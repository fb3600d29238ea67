"""The status page's board over a real SQLite store: it follows new events,
re-reads only what changed, and keeps the same page while nothing public did."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import FIXED_NOW
from warroom.core.clock import FixedClock
from warroom.core.statuspage.config import PageConfig
from warroom.services.incidents import declare, write
from warroom.services.statuspage.board import PublicBoard
from warroom.services.statuspage.export import SITE_FILES, site_files, write_site
from warroom.store.sqlite import SQLiteStore

CONFIG = PageConfig.from_settings({"components": [{"id": "api", "name": "API"}]}, None)


def test_the_board_follows_the_store(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    board = PublicBoard(sqlite_store, CONFIG, clock)
    assert board.page().unresolved == ()
    incident = declare(sqlite_store, "alice", clock, "db-7 internal", severity=1)
    drill = declare(sqlite_store, "alice", clock, "game day", drill=True)
    first = board.page()
    write(sqlite_store, incident.id, "note", "alice", {"text": "internal"}, clock)
    assert board.page() is first  # nothing public changed: the same page
    for target in (incident, drill):
        data = {"text": "Errors", "audience": "customers", "components": {"api": "major_outage"}}
        write(sqlite_store, target.id, "comms_update", "alice", data, clock)
    page = board.page()
    assert page is not first and [i.id for i in page.unresolved] == [incident.id]
    assert page.components[0].status == "major_outage"
    write(sqlite_store, incident.id, "status_changed", "alice", {"to": "resolved"}, clock)
    page = board.page()
    assert page.unresolved == () and len(page.recent) == 1
    assert page.components[0].status == "operational"


def test_a_board_opened_later_sees_the_same_page(
    sqlite_store: SQLiteStore, clock: FixedClock, tmp_path
) -> None:
    incident = declare(sqlite_store, "alice", clock, "db-7 internal")
    write(
        sqlite_store,
        incident.id,
        "comms_update",
        "alice",
        {"text": "Hi", "audience": "customers"},
        clock,
    )
    following = PublicBoard(sqlite_store, CONFIG, clock)
    following.page()
    write(sqlite_store, incident.id, "status_changed", "alice", {"to": "mitigated"}, clock)
    fresh = PublicBoard(sqlite_store, CONFIG, FixedClock(FIXED_NOW + timedelta(seconds=1)))
    assert site_files(following.page()) == site_files(fresh.page())
    written = write_site(tmp_path / "site", fresh.page())
    assert len(written) == len(SITE_FILES)
    assert write_site(tmp_path / "site", fresh.page()) == []  # unchanged files stay as they are


def test_a_past_incident_shows_its_last_update_and_folds_the_earlier_ones(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    from html.parser import HTMLParser

    from warroom.services.statuspage.render import render_html

    board = PublicBoard(sqlite_store, CONFIG, clock)
    incident = declare(sqlite_store, "alice", clock, "db-7 internal")
    for text in ("First look", "Found it", "All fixed"):
        data = {"text": text, "audience": "customers", "public_title": "API errors"}
        write(sqlite_store, incident.id, "comms_update", "alice", data, clock)
    active = render_html(board.page())
    assert "<details" not in active  # an active incident shows every update
    write(sqlite_store, incident.id, "status_changed", "alice", {"to": "resolved"}, clock)
    html = render_html(board.page())

    class Folded(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth = 0  # inside <details>
            self.open: list[str] = []
            self.folded: list[str] = []
            self.summary = ""
            self._in_summary = False
            self._in_body = False

        def handle_starttag(self, tag, attrs) -> None:
            self.depth += tag == "details"
            self._in_summary = tag == "summary"
            self._in_body = ("class", "body") in attrs

        def handle_endtag(self, tag) -> None:
            self.depth -= tag == "details"
            self._in_summary = self._in_body = False

        def handle_data(self, data) -> None:
            if self._in_summary:
                self.summary += data
            if self._in_body:
                (self.folded if self.depth else self.open).append(data)

    parsed = Folded()
    parsed.feed(html.split('id="history"', 1)[1])
    assert parsed.open == ["All fixed"]
    assert parsed.folded == ["Found it", "First look"]
    assert parsed.summary == "2 earlier updates"
    # the rendered block is kept, yet a change to the incident is shown
    write(
        sqlite_store,
        incident.id,
        "comms_update",
        "alice",
        {"text": "Postmortem soon", "audience": "customers"},
        clock,
    )
    assert "Postmortem soon" in render_html(board.page())
