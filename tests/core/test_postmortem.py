"""The blameless review draft: its sections, its facts, and that untrusted text
(titles, notes, names, follow-ups) cannot change its structure.  The incident is
written to a real SQLite store; the Markdown is read back with a real CommonMark
parser (markdown-it-py, with tables)."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from warroom.core.catalog import Catalog
from warroom.core.clock import FixedClock
from warroom.core.postmortem import note_tag, render_postmortem
from warroom.core.retro import tag_note
from warroom.core.text import clean_line
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore

PARSER = MarkdownIt("commonmark").enable("table")
T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

HEADINGS = [
    (1, None),  # the title
    (2, "Summary"),
    (2, "Impact window"),
    (2, "Key times"),
    (2, "Roles"),
    (2, "Timeline"),
    (2, "What went well"),
    (2, "What could be improved"),
    (2, "Where we got lucky"),
    (2, "Detection and monitoring"),
    (2, "Severity"),
    (2, "Responders' feedback and kudos"),
    (2, "Follow-ups"),
]

HOSTILE = (
    "# heading | [x](javascript:alert(1)) <script>alert(1)</script> `code` **b** _i_ "
    "&lt;b&gt; <https://evil.example> ![i](http://e.example/p.png)\n## second\n| a | b |\n"
    "---\n> quote\n- item\n1. one\n    indented\x1b]0;pwned\x07 \u202eevil"
)
HOSTILE_NAME = "# [x](javascript:a) | <b> `c`\n- z &amp;\x1b[2J"


@dataclass
class Words:
    """Every piece of untrusted text the incident holds."""

    title: str
    service: str
    summary: str
    decision: str
    update: str
    went_well: str
    improve: str
    note: str
    declarer: str
    responder: str
    lead: str
    followup: str
    owner: str


BENIGN = Words(
    title="Checkout API 502s",
    service="checkout",
    summary="Half of checkouts fail; bad deploy suspected; rolling back",
    decision="Roll back release 42",
    update="We are rolling back",
    went_well="The 502 alert paged within a minute",
    improve="The rollback took 20 minutes",
    note="Dashboards show 502s from one pool",
    declarer="alice",
    responder="bob",
    lead="carol",
    followup="Add a canary stage before full rollout",
    owner="dave",
)
NASTY = Words(
    title=HOSTILE[:300],
    service=HOSTILE_NAME,
    summary=HOSTILE,
    decision=HOSTILE,
    update=HOSTILE,
    went_well=HOSTILE,
    improve=HOSTILE,
    note=HOSTILE,
    declarer=HOSTILE_NAME,
    responder=HOSTILE_NAME + "2",
    lead=HOSTILE_NAME + "3",
    followup=HOSTILE,
    owner=HOSTILE_NAME,
)


@pytest.fixture
def local_zone() -> Iterator[None]:
    """Local time five and a half hours ahead of UTC, so the two columns differ."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "IST-5:30"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def build(tmp_path: Any, words: Words) -> tuple[Any, list[Any], Catalog]:
    """A realistic incident in a real store; returns its state and events."""
    clock = FixedClock(T0)
    store = SQLiteStore(tmp_path / "warroom.db", clock=clock)
    try:
        incident = declare(
            store,
            words.declarer,
            clock,
            title=words.title,
            severity=3,
            service=words.service,
            lead=words.declarer,
            started_at=T0 - timedelta(minutes=12),
            detected_at=T0 - timedelta(minutes=2),
        )
        iid = incident.id

        def at(minutes: float, kind: str, data: dict[str, Any], actor: str | None = None) -> None:
            clock.set(T0 + timedelta(minutes=minutes))
            write(store, iid, kind, actor or words.declarer, data, clock)

        at(3, "participant_joined", {"person": words.responder})  # acknowledged at 03:03
        at(4, "role_assigned", {"role": "responder", "person": words.responder})
        at(5, "note", {"text": words.note}, actor=words.responder)
        at(6, "severity_changed", {"severity": 2, "note": "half of checkouts"})
        at(7, "summary_set", {"text": words.summary})
        at(8, "decision", {"text": words.decision})
        at(9, "comms_update", {"text": "first update", "audience": "internal"})
        at(10, "role_assigned", {"role": "lead", "person": words.lead})
        at(14, "comms_update", {"text": words.update, "audience": "customers"}, words.lead)
        at(20, "status_changed", {"to": "mitigated"}, words.lead)
        at(45, "status_changed", {"to": "resolved"}, words.lead)
        at(50, "note", {"text": tag_note("went_well", words.went_well)}, words.responder)
        at(51, "note", {"text": f"#IMPROVE: {words.improve}"})
        at(52, "note", {"text": "#improvement is not a tag"})
        at(53, "status_changed", {"to": "closed"}, words.lead)
        at(54, "followup_added", {"id": "fa11ed01", "text": words.followup, "owner": words.owner,
                                  "due": "2026-12-15"})  # fmt: skip
        at(55, "followup_added", {"id": "fa11ed02", "text": "Page on 5xx", "owner": "erin",
                                  "due": "2026-12-01"})  # fmt: skip
        at(56, "followup_done", {"id": "fa11ed02"}, "erin")
        iid_events = store.events(iid)
        return store.incident(iid), iid_events, store.catalog
    finally:
        store.close()


def render(tmp_path: Any, words: Words) -> str:
    folder = tmp_path / ("benign" if words is BENIGN else "nasty")
    folder.mkdir(exist_ok=True)
    incident, events, catalog = build(folder, words)
    return render_postmortem(incident, events, catalog, NOW)


def headings(tokens: list[Token]) -> list[tuple[int, str]]:
    return [
        (int(token.tag[1]), tokens[index + 1].content)
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def section(tokens: list[Token], title: str) -> list[Token]:
    """The tokens between a level-2 heading and the next one."""
    start = next(
        i
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and tokens[i + 1].content == title
    )
    end = next(
        (i for i in range(start + 3, len(tokens)) if tokens[i].type == "heading_open"),
        len(tokens),
    )
    return tokens[start + 3 : end]


def plain(token: Token) -> str:
    """What a reader sees of an inline token: its text, escapes resolved."""
    return "".join(child.content for child in token.children or [] if child.type != "softbreak")


def table_rows(tokens: list[Token]) -> list[list[str]]:
    rows, current = [], None
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            current = []
        elif token.type in ("th_open", "td_open"):
            assert current is not None
            current.append(plain(tokens[index + 1]))
        elif token.type == "tr_close":
            rows.append(current)
    return rows


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    found, start = [], None
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            start = index
        elif token.type == "table_close":
            found.append(table_rows(tokens[start:index]))
    return found


def bullets(tokens: list[Token]) -> list[str]:
    return [
        plain(tokens[i + 2])
        for i, t in enumerate(tokens)
        if t.type == "list_item_open" and tokens[i + 2].type == "inline"
    ]


# -- the document ---------------------------------------------------------------


def test_the_sections_are_the_issues_in_order(tmp_path: Any) -> None:
    tokens = PARSER.parse(render(tmp_path, BENIGN))
    found = headings(tokens)
    assert [(level, text if level > 1 else None) for level, text in found] == HEADINGS
    assert found[0][1] == "Postmortem: INC-1 \N{EM DASH} Checkout API 502s"


def test_the_header_table(tmp_path: Any, local_zone: None) -> None:
    tokens = PARSER.parse(render(tmp_path, BENIGN))
    header = tables(tokens)[0]
    assert header == [
        ["Field", "Value"],
        ["Incident", "INC-1"],
        ["Title", "Checkout API 502s"],
        ["Severity", "SEV2 (High)"],
        ["Status", "closed"],
        ["Service", "checkout"],
        ["Declared", "2026-11-26 08:30:00 (2026-11-26 03:00:00Z)"],
        ["Drill", "no"],
    ]


def test_the_summary_has_the_pinned_summary_decisions_and_last_update(
    tmp_path: Any, local_zone: None
) -> None:
    tokens = PARSER.parse(render(tmp_path, BENIGN))
    text = [plain(t) for t in section(tokens, "Summary") if t.type == "inline"]
    assert text[0] == f"Pinned summary: {BENIGN.summary}"
    assert text[1] == "Decisions:"
    assert text[2] == f"2026-11-26 08:38:00 (2026-11-26 03:08:00Z): {BENIGN.decision}"
    assert text[3] == (  # the last of the two updates
        f"Last stakeholder update (customers, 2026-11-26 08:44:00 (2026-11-26 03:14:00Z)): "
        f"{BENIGN.update}"
    )


def test_impact_window_key_times_and_durations(tmp_path: Any, local_zone: None) -> None:
    tokens = PARSER.parse(render(tmp_path, BENIGN))
    impact = [plain(t) for t in section(tokens, "Impact window") if t.type == "inline"]
    assert impact == [
        "Impact from 2026-11-26 08:18:00 (2026-11-26 02:48:00Z) to "
        "2026-11-26 08:50:00 (2026-11-26 03:20:00Z) (mitigated): 32m 00s."
    ]
    milestones, durations = tables(section(tokens, "Key times"))
    assert milestones == [
        ["Milestone", "Local time", "UTC"],
        ["Impact started", "2026-11-26 08:18:00", "2026-11-26 02:48:00Z"],
        ["Detected", "2026-11-26 08:28:00", "2026-11-26 02:58:00Z"],
        ["Acknowledged", "2026-11-26 08:33:00", "2026-11-26 03:03:00Z"],
        ["Mitigated", "2026-11-26 08:50:00", "2026-11-26 03:20:00Z"],
        ["Resolved", "2026-11-26 09:15:00", "2026-11-26 03:45:00Z"],
    ]
    assert durations == [
        ["Duration", "From", "Time"],
        ["Time to detect", "impact start to detected", "10m 00s"],
        ["Time to acknowledge", "detected to acknowledged", "5m 00s"],
        ["Time to mitigate", "detected to mitigated", "22m 00s"],
        ["Time to resolve", "detected to resolved", "47m 00s"],
    ]


def test_roles_show_everyone_who_held_them(tmp_path: Any) -> None:
    tokens = PARSER.parse(render(tmp_path, BENIGN))
    assert tables(section(tokens, "Roles")) == [
        [
            ["Role", "Held by"],
            ["Incident Lead", "alice, then carol"],
            ["Technical Responder", "bob"],
            ["Communications Lead", "\N{EM DASH}"],
            ["Support Lead", "\N{EM DASH}"],
        ]
    ]


def test_the_timeline_has_every_event_with_local_time_utc_actor_kind(
    tmp_path: Any, local_zone: None
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    incident, events, catalog = build(folder, BENIGN)
    tokens = PARSER.parse(render_postmortem(incident, events, catalog, NOW))
    (rows,) = tables(section(tokens, "Timeline"))
    assert rows[0] == ["Local time", "UTC", "Actor", "Kind", "What happened"]
    assert len(rows) - 1 == len(events) == 19
    assert rows[1] == [
        "2026-11-26 08:30:00",
        "2026-11-26 03:00:00Z",
        "alice",
        "declared",
        "declared SEV3 Checkout API 502s (service checkout); lead alice",
    ]
    assert rows[4][2:] == ["bob", "note", BENIGN.note]
    assert rows[-1][2:] == ["erin", "followup", "follow-up fa11ed02 done"]
    times = [row[1] for row in rows[1:]]
    assert times == sorted(times)


def test_tagged_notes_fill_the_review_sections_and_prompts_fill_the_rest(tmp_path: Any) -> None:
    tokens = PARSER.parse(render(tmp_path, BENIGN))
    assert bullets(section(tokens, "What went well")) == [BENIGN.went_well]
    assert bullets(section(tokens, "What could be improved")) == [BENIGN.improve]
    lucky = bullets(section(tokens, "Where we got lucky"))
    assert len(lucky) == 1 and "#lucky" in lucky[0] and lucky[0].startswith("What could")
    detection = [
        plain(t) for t in section(tokens, "Detection and monitoring") if t.type == "inline"
    ]
    assert detection[0] == "Detected 10m 00s after the impact started."
    assert any("monitoring and alerting" in line for line in detection)
    severity = [plain(t) for t in section(tokens, "Severity") if t.type == "inline"]
    assert severity[0].startswith("Declared as SEV3 (Medium); changed to SEV2 (High) at ")
    assert "Was SEV2 (High) right" in severity[1]
    feedback = bullets(section(tokens, "Responders' feedback and kudos"))
    assert len(feedback) == 2 and feedback[1].startswith("Kudos")


def test_note_tags() -> None:
    assert note_tag("#went-well the alert fired") == ("went_well", "the alert fired")
    assert note_tag("  #Improve: runbook was stale") == ("improve", "runbook was stale")
    assert note_tag("#lucky") == ("lucky", "")
    assert note_tag("#improvement needed") is None
    assert note_tag("we were #lucky") is None
    assert tag_note("lucky", " the backup was fresh ") == "#lucky the backup was fresh"


def test_followups_as_a_table(tmp_path: Any) -> None:
    tokens = PARSER.parse(render(tmp_path, BENIGN))
    assert tables(section(tokens, "Follow-ups")) == [
        [
            ["ID", "Action item", "Owner", "Due", "State"],
            ["fa11ed01", BENIGN.followup, "dave", "2026-12-15", "open"],
            ["fa11ed02", "Page on 5xx", "erin", "2026-12-01", "done"],
        ]
    ]


def test_no_per_person_section(tmp_path: Any) -> None:
    """Blameless: people appear as role holders, actors and owners, never as a section."""
    document = render(tmp_path, BENIGN)
    titles = [text for _, text in headings(PARSER.parse(document))]
    for person in ("alice", "bob", "carol", "dave", "erin"):
        assert not any(person in title.lower() for title in titles)
    assert not any(
        word in title.lower() for title in titles for word in ("people", "participants", "who")
    )


def test_an_incident_without_tags_followups_or_start_gets_prompts(tmp_path: Any) -> None:
    clock = FixedClock(T0)
    store = SQLiteStore(tmp_path / "bare.db", clock=clock)
    try:
        incident = declare(store, "alice", clock, title="Search slow", severity=4)
        clock.advance(minutes=30)
        document = render_postmortem(
            store.incident(incident.id), store.events(incident.id), store.catalog, clock.now()
        )
    finally:
        store.close()
    tokens = PARSER.parse(document)
    assert [level for level, _ in headings(tokens)] == [level for level, _ in HEADINGS]
    for title in ("What went well", "What could be improved", "Where we got lucky"):
        (prompt,) = bullets(section(tokens, title))
        assert "fill this section" in prompt
    impact = [plain(t) for t in section(tokens, "Impact window") if t.type == "inline"]
    assert "assumed: the detection time" in impact[0] and "30m 00s so far" in impact[0]
    assert tables(section(tokens, "Key times"))[1][1][2] == "-"  # no time to detect
    (followups,) = bullets(section(tokens, "Follow-ups"))
    assert "warroom followup add INC-1 TEXT --owner NAME --due YYYY-MM-DD" in followups


# -- hostile text -----------------------------------------------------------------


def shape(document: str) -> tuple[list[tuple[str, str]], Counter[str]]:
    """The block structure (every token but inline text) and the kinds of inline markup."""
    tokens = PARSER.parse(document)
    blocks = [(token.type, token.tag) for token in tokens if token.type != "inline"]
    markup = Counter(
        child.type
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type not in ("text", "text_special", "softbreak")
    )
    return blocks, markup


def test_hostile_text_cannot_change_the_structure(tmp_path: Any) -> None:
    benign, nasty = render(tmp_path, BENIGN), render(tmp_path, NASTY)
    benign_blocks, benign_markup = shape(benign)
    nasty_blocks, nasty_markup = shape(nasty)
    assert nasty_blocks == benign_blocks  # same headings, tables, rows, cells, lists
    assert nasty_markup == benign_markup  # no extra links, HTML, code, emphasis, images
    for kind in ("html_inline", "html_block", "link_open", "image", "code_inline", "code_block"):
        assert kind not in nasty_markup and (kind, "") not in nasty_blocks
    tokens = PARSER.parse(nasty)
    assert len(headings(tokens)) == len(HEADINGS)
    assert [len(table) for table in tables(tokens)] == [
        len(t) for t in tables(PARSER.parse(benign))
    ]
    assert all(len(set(map(len, table))) == 1 for table in tables(tokens))  # no extra cells


def test_hostile_text_stays_text(tmp_path: Any) -> None:
    tokens = PARSER.parse(render(tmp_path, NASTY))
    shown = clean_line(NASTY.title).strip()
    assert headings(tokens)[0][1] != shown  # the raw line is escaped ...
    title_cell = tables(tokens)[0][2][1]
    assert title_cell == shown  # ... and reads back as exactly the (cleaned) text
    assert "\x1b" not in title_cell and "\u202e" not in title_cell
    assert bullets(section(tokens, "What went well")) == [clean_line(HOSTILE).strip()]
    assert tables(section(tokens, "Follow-ups"))[0][1][1:3] == [
        clean_line(HOSTILE).strip(),
        clean_line(HOSTILE_NAME).strip(),
    ]
    assert tables(section(tokens, "Roles"))[0][1][1] == (
        f"{clean_line(NASTY.declarer).strip()}, then {clean_line(NASTY.lead).strip()}"
    )


def test_words_read_as_typed_in_the_raw_markdown(tmp_path: Any) -> None:
    """Only what would change the document is escaped: `db-2`, not `db\\-2`."""
    words = Words(
        **{
            **BENIGN.__dict__,
            "title": "Checkout API: 5xx on db-2",
            "summary": "db-2 (service db) is slow; follow-up on v1.2.3!",
            "decision": "Fail over to db-3 (the replica): it is 100% in sync",
            "followup": "Alert on replica lag > 5s (db-2)",
        }
    )
    document = render(tmp_path, words)
    for typed in (words.title, words.summary, words.decision, words.followup):
        assert typed in document, typed
    assert "\\-" not in document and "\\(" not in document and "\\:" not in document
