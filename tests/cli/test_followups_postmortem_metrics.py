"""Issue 5 on the command line, end to end: `followup add|done|verify`,
`followups`, `postmortem` and `metrics`, each the real `python -m warroom` in a
subprocess over a real SQLite file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.cli.conftest import Cli, assert_fails, assert_safe
from tests.conftest import Result
from tests.core import year
from tests.test_imports import CLI_THEN_DUMP, UI_AND_SERVER, offending
from warroom.core.clock import SYSTEM_CLOCK, FixedClock
from warroom.core.text import clean_line
from warroom.core.times import format_duration
from warroom.services.incidents import declare, write
from warroom.store.sqlite import SQLiteStore

Run = Callable[..., Result]
ADDED = re.compile(
    r"^INC-(\d+): follow-up ([0-9a-f]{8}) added \(owner (.+), due (\S+)\) \(seq \d+\)$"
)
PARSER = MarkdownIt("commonmark").enable("table")


def ok(warroom: Run, *args: str, env: dict[str, str] | None = None) -> Result:
    result = warroom(*args, env=env)
    assert result.returncode == 0, (args, result.stderr)
    assert_safe(result)
    return result


def both(
    warroom: Run, commands: Sequence[Sequence[str]], env: dict[str, str] | None = None
) -> list[Result]:
    """Independent read-only commands, two at a time (the machine has two cores)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda args: ok(warroom, *args, env=env), commands))


def seed(folder: Path, *titles: str, closed: Sequence[int] = ()) -> None:
    """Incidents INC-1, INC-2, ... written straight to the store the `warroom`
    fixture uses (setup is not what these tests are about: it saves processes)."""
    store = SQLiteStore(folder / "warroom.db")
    try:
        for number, title in enumerate(titles, start=1):
            incident = declare(store, "tester", SYSTEM_CLOCK, title=title, severity=2)
            if number in closed:
                for target in ("resolved", "closed"):
                    write(store, incident.id, "status_changed", "tester", {"to": target},
                          SYSTEM_CLOCK)  # fmt: skip
    finally:
        store.close()


def add_followup(warroom: Run, ref: str, text: str, owner: str, due: str) -> str:
    line = ok(warroom, "followup", "add", ref, text, "--owner", owner, "--due", due).stdout
    match = ADDED.match(line.strip())
    assert match, line
    return match[2]


# -- follow-ups -------------------------------------------------------------------


def test_followups_across_incidents_with_filters(warroom: Run, tmp_path: Path) -> None:
    seed(tmp_path, "Checkout 502s", "Search slow", closed=[2])  # follow-ups come after the review
    soon = add_followup(warroom, "INC-1", "Add a canary stage", "alice", "+7d")
    late = add_followup(warroom, "INC-1", "Alert on 502 rate", "Bob", "2020-01-01")
    closed = add_followup(warroom, "INC-2", "Index the search table", "bob", "2021-06-01")
    ok(warroom, "followup", "done", closed[:6], "--note", "migration 812 shipped")
    ok(warroom, "followup", "verify", f"INC-2:{closed}")

    everything, open_only, overdue, bobs, text = both(
        warroom,
        [
            ("followups", "--json"),
            ("followups", "--open", "--json"),
            ("followups", "--overdue", "--json"),
            ("followups", "--owner", "BOB", "--json"),
            ("followups",),
        ],
    )
    listed = json.loads(everything.stdout)
    assert [item["id"] for item in listed] == [late, closed, soon]  # by due date
    by_id = {item["id"]: item for item in listed}
    assert by_id[soon]["state"] == "open" and by_id[soon]["overdue"] is False
    assert by_id[late]["overdue"] is True and by_id[late]["ref"] == "INC-1"
    assert by_id[closed] | {"added_at": None, "done_at": None, "verified_at": None} == {
        "id": closed,
        "text": "Index the search table",
        "owner": "bob",
        "due": "2021-06-01",
        "state": "verified",
        "overdue": False,  # due long ago, but done and verified
        "added_by": "tester",
        "added_at": None,
        "done_by": "tester",
        "done_at": None,
        "done_note": "migration 812 shipped",
        "verified_by": "tester",
        "verified_at": None,
        "verified_note": None,
        "ref": "INC-2",
        "incident_id": by_id[closed]["incident_id"],
        "incident_title": "Search slow",
    }
    today = datetime.now().astimezone().date()
    assert by_id[soon]["due"] == (today + timedelta(days=7)).isoformat()
    assert [item["id"] for item in json.loads(open_only.stdout)] == [late, soon]
    assert [item["id"] for item in json.loads(overdue.stdout)] == [late]
    assert [item["id"] for item in json.loads(bobs.stdout)] == [late, closed]
    lines = text.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(late) and "INC-1" in lines[0] and "OVERDUE" in lines[0]
    assert "OVERDUE" not in lines[1] and "verified" in lines[1]
    assert lines[2].endswith("Add a canary stage")


def test_followup_mistakes_are_one_clear_line(warroom: Run, tmp_path: Path) -> None:
    seed(tmp_path, "Checkout 502s")
    fid = add_followup(warroom, "INC-1", "Alert on 502 rate", "bob", "2030-01-01")
    checks = [
        (("followup", "verify", fid), 1, "still open: mark it done before verifying it"),
        (("followup", "done", "f" * 8 if fid != "f" * 8 else "e" * 8), 1, "no follow-up"),
        (("followup", "done", fid[:3]), 2, "at least 4 characters"),
        (("followup", "add", "INC-1", "x", "--owner", "bob", "--due", "2026-02-30"), 2, "due"),
        (("followup", "add", "INC-1", "x", "--due", "+1d"), 2, "--owner"),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda check: warroom(*check[0]), checks))
    for (_args, status, needle), result in zip(checks, results, strict=True):
        assert_fails(result, status, needle)
    ok(warroom, "followup", "done", fid)
    assert_fails(warroom("followup", "done", fid), 1, f"follow-up {fid} is already done")


def test_overdue_is_judged_in_local_time(warroom: Run, tmp_path: Path) -> None:
    """Due today where the reader is: not overdue; a day later somewhere else: overdue."""
    seed(tmp_path, "Checkout 502s")

    def dates() -> tuple[str, str]:
        now = datetime.now(UTC)
        return (now - timedelta(hours=12)).date().isoformat(), (
            now + timedelta(hours=14)
        ).date().isoformat()

    before = dates()
    fid = add_followup(warroom, "INC-1", "Alert on 502 rate", "bob", before[0])
    west = json.loads(ok(warroom, "followups", "--overdue", "--json", env={"TZ": "WRM+12"}).stdout)
    east = json.loads(ok(warroom, "followups", "--overdue", "--json", env={"TZ": "WRM-14"}).stdout)
    if dates() != before:
        pytest.skip("a date line was crossed while the test ran")
    assert west == []  # UTC-12: due today
    assert [item["id"] for item in east] == [fid]  # UTC+14: it is already the next day


# -- postmortem ---------------------------------------------------------------------


HOSTILE_TITLE = "# heading | [x](javascript:alert(1)) <script>x</script> `code`\n## two\x1b]0;t\x07"


def make_incident(folder: Path, title: str) -> None:
    """An incident with the title everywhere a person could type it."""
    clock = FixedClock(datetime.now(UTC) - timedelta(hours=2))
    store = SQLiteStore(folder / "warroom.db", clock=clock)
    try:
        iid = declare(
            store, "tester", clock, title=title, severity=2, service="checkout", lead="tester",
            started_at=clock.now() - timedelta(minutes=40),
            detected_at=clock.now() - timedelta(minutes=30),
        ).id  # fmt: skip
        for kind, data in (
            ("note", {"text": f"#went-well {title}"}),
            ("decision", {"text": title}),
            ("comms_update", {"text": title, "audience": "customers"}),
            ("participant_joined", {"person": "bob"}),
            ("status_changed", {"to": "mitigated"}),
            ("status_changed", {"to": "resolved"}),
            ("followup_added", {"id": "fa11ed01", "text": title, "owner": "bob",
                                "due": "2030-01-01"}),
        ):  # fmt: skip
            clock.advance(minutes=3)
            write(store, iid, kind, "tester", data, clock)
    finally:
        store.close()


def blocks(document: str) -> list[tuple[str, str]]:
    return [(t.type, t.tag) for t in PARSER.parse(document) if t.type != "inline"]


def test_postmortem_keeps_its_structure_and_writes_a_file(
    warroom: Run, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ist = {"TZ": "IST-5:30"}
    make_incident(tmp_path, HOSTILE_TITLE)
    out = tmp_path / "review.md"
    printed, written = both(
        warroom, [("postmortem", "INC-1"), ("postmortem", "INC-1", "--out", str(out))], env=ist
    )
    assert written.stdout == "" and written.stderr == f"wrote {out}\n"

    def without_generated_line(text: str) -> str:
        return re.sub(r"(?m)^_Blameless review draft, generated .*$", "", text)

    assert without_generated_line(out.read_text()) == without_generated_line(printed.stdout)

    tokens = PARSER.parse(printed.stdout)
    titles = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert len(titles) == 13 and titles[-1] == "Follow-ups"
    rendered = [t for t in tokens if t.type == "inline"]
    assert not any(
        child.type in ("html_inline", "link_open", "code_inline", "image")
        for token in rendered
        for child in token.children or []
    )
    assert not any(t.type in ("html_block", "code_block") for t in tokens)
    cells = ["".join(c.content for c in t.children or []) for t in rendered]
    title_cell = cells[cells.index("Title") + 1]
    assert title_cell == clean_line(HOSTILE_TITLE)

    # The same incident with a plain title has the same structure, cell for cell.
    folder = tmp_path_factory.mktemp("plain")  # a second store
    make_incident(folder, "Checkout API 502s")
    plain = ok(Cli.make(folder), "postmortem", "INC-1").stdout
    assert blocks(plain) == blocks(printed.stdout)

    # Local time with UTC beside it: IST is UTC+5:30.
    row = next(line for line in printed.stdout.splitlines() if "| declared |" in line)
    local, utc = (cell.strip() for cell in row.split("|")[1:3])
    assert datetime.fromisoformat(local) - datetime.fromisoformat(utc[:-1]) == timedelta(
        hours=5, minutes=30
    )


def test_postmortem_mistakes(warroom: Run, tmp_path: Path) -> None:
    seed(tmp_path, "Checkout 502s")
    missing, folder = (
        warroom("postmortem", "INC-4"),
        warroom("postmortem", "INC-1", "--out", str(tmp_path)),
    )
    assert_fails(missing, 1, "no incident INC-4")
    assert_fails(folder, 2, "is a directory")


# -- metrics ---------------------------------------------------------------------


@pytest.fixture
def year_db(tmp_path: Path) -> list[year.Plan]:
    """The generated year, written where the `warroom` fixture's store is."""
    plans = year.generate()
    store = SQLiteStore(tmp_path / "warroom.db", clock=FixedClock(year.STORE_NOW))
    try:
        store.append_many(year.all_events(plans))
    finally:
        store.close()
    return plans


def test_metrics_of_a_generated_year(warroom: Run, year_db: list[year.Plan]) -> None:
    whole, quarter, checkout, text = both(
        warroom,
        [
            ("metrics", "--json"),
            ("metrics", "--json", "--since", "2025-04-01T00:00Z", "--until", "2025-07-01T00:00Z"),
            ("metrics", "--json", "--service", "Checkout", "--sev", "3"),
            ("metrics",),
        ],
    )
    report = json.loads(whole.stdout)
    assert list(report) == [
        "mttd", "mtta", "mttm", "mttr", "impact", "per_week", "per_month", "severity",
        "repeat_services",
    ]  # fmt: skip
    assert list(report["mttr"]) == ["mean_seconds", "median_seconds", "p90_seconds", "count"]
    assert list(report["per_week"][0]) == ["week", "starts", "incidents"]
    assert list(report["per_month"][0]) == ["month", "incidents", "mttr"]
    assert list(report["repeat_services"][0]) == ["service", "incidents", "refs"]
    year.assert_metrics_match(report, year.expected(year_db))
    year.assert_metrics_match(
        json.loads(quarter.stdout),
        year.expected(
            year_db,
            since=datetime(2025, 4, 1, tzinfo=UTC),
            until=datetime(2025, 7, 1, tzinfo=UTC),
        ),
    )
    year.assert_metrics_match(
        json.loads(checkout.stdout), year.expected(year_db, service="checkout", severity=3)
    )

    want = year.expected(year_db)
    lines = text.stdout.splitlines()
    kept = len(year.select(year_db))
    drills = sum(plan.drill for plan in year_db)
    cancelled = sum(plan.cancelled for plan in year_db)
    assert lines[0] == (
        f"Response metrics: {kept} incident(s) ({drills} drill(s) and {cancelled} "
        "cancelled left out)"
    )
    for key, name in (
        ("mttd", "time to detect"),
        ("mtta", "time to acknowledge"),
        ("mttm", "time to mitigate"),
        ("mttr", "time to resolve"),
    ):
        row = next(line for line in lines if line.startswith(key.upper()))
        stat = want[key]
        assert row.split() == [
            key.upper(),
            *name.split(),
            *format_duration(stat["mean_seconds"]).split(),
            *format_duration(stat["median_seconds"]).split(),
            *format_duration(stat["p90_seconds"]).split(),
            str(stat["count"]),
        ]
    assert "Definitions:" in lines
    assert "  MTTR  time to resolve: resolved - detected" in lines
    assert any("nearest rank" in line for line in lines)
    assert any("Drills and cancelled incidents are excluded" in line for line in lines)


def test_metrics_mistakes_and_an_empty_store(warroom: Run) -> None:
    empty, bad_sev, backwards, bad_time = (
        warroom(*args)
        for args in (
            ("metrics", "--json"),
            ("metrics", "--sev", "9"),
            ("metrics", "--since", "2025-06-01", "--until", "2025-01-01"),
            ("metrics", "--since", "someday"),
        )
    )
    assert empty.returncode == 0, empty.stderr
    report = json.loads(empty.stdout)
    assert report["mttr"] == {
        "mean_seconds": None, "median_seconds": None, "p90_seconds": None, "count": 0,
    }  # fmt: skip
    assert report["per_week"] == [] and report["repeat_services"] == []
    assert report["severity"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}
    assert_fails(bad_sev, 2, "severity 9 is not defined")
    assert_fails(backwards, 2, "--since must be before --until")
    assert_fails(bad_time, 2, "cannot read the time")


def test_metrics_help_documents_the_json_shapes(warroom: Run) -> None:
    text = ok(warroom, "metrics", "--help").stdout
    for needle in ('"per_week": [{"week": "2026-W05"', '"per_month": [{"month"', "repeat_services"):
        assert needle in text


# -- import rules --------------------------------------------------------------------


def test_issue5_commands_load_no_textual_or_server(
    warroom: Run, isolated_env: dict[str, str], tmp_path: Path
) -> None:
    seed(tmp_path, "Setup")
    commands = [
        ("followup", "add", "INC-1", "Alert on 502s", "--owner", "bob", "--due", "+7d"),
        ("followups", "--json"),
        ("postmortem", "INC-1"),
        ("metrics", "--json"),
    ]
    for index, command in enumerate(commands):
        dump = tmp_path / f"modules{index}.json"
        done = subprocess.run(
            [sys.executable, "-c", CLI_THEN_DUMP, str(dump), *command],
            capture_output=True,
            text=True,
            env=isolated_env,
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 0, (command, done.stderr)
        modules: list[Any] = json.loads(dump.read_text())
        assert offending(modules, UI_AND_SERVER) == [], command
