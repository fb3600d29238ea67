"""The command line against hostile input (issue 2, "Errors").

Every failure: exit 2 for a usage error, 1 for anything else, one `warroom:`
line on stderr, never a traceback, and the incidents stored before are all
still there, unchanged.  Untrusted text prints with no raw control character.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli, assert_fails, assert_safe

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"
CLICK = "[@click=app.quit]x[/]"
# OSC window title, OSC 52 clipboard, CSI clear screen, a C1 CSI, NEL, DEL, CR,
# bidi overrides, and Textual markup that would run an action.
HOSTILE = (
    "evil\x1b]0;pwned\x07 \x1b]52;c;cHduZWQ=\x07 \x1b[2J \x9b31m \x85 \x7f \r"
    f" \u202eabc\u202c \u2066x\u2069 {CLICK}"
)


@pytest.fixture(scope="module")
def victim(module_cli: Cli) -> tuple[Cli, dict[str, Any]]:
    """A store with an open, a cancelled and a resolved incident; their state."""
    cli = module_cli
    cli.ok("declare", "Checkout 502s", "--sev", "2", "--service", "checkout")
    cli.ok("declare", "Duplicate page")
    cli.ok("declare", "Old thing", "--sev", "4")
    for result in cli.many(
        [
            ("log", "INC-1", "first finding", "--kind", "finding", "--at", "-2m"),
            ("status", "INC-2", "cancelled", "--duplicate-of", "INC-1"),
            ("status", "INC-3", "resolved"),
        ]
    ):
        assert result.returncode == 0, result.stderr
    return cli, cli.everything()


def failures(cli: Cli, cases: list[tuple[tuple[str, ...], tuple[str, ...]]], status: int) -> None:
    results = cli.many([args for args, _ in cases])
    for (args, needles), result in zip(cases, results, strict=True):
        try:
            assert_fails(result, status, *needles)
        except AssertionError as error:
            raise AssertionError(f"warroom {' '.join(args)[:120]!r}: {error}") from None


def test_usage_errors_exit_2(victim: tuple[Cli, dict[str, Any]]) -> None:
    cli, before = victim
    failures(
        cli,
        [
            (("declare",), ("title",)),
            (("declare", "T", "--sev", "0"), ("1-5",)),
            (("declare", "T", "--sev", "9"), ("1-5",)),
            (("declare", "T", "--sev", "abc"), ("abc",)),
            (("sev", "INC-1", "9"), ("1-5",)),
            (("sev", "INC-1", "abc"), ("abc",)),
            (("log", "INC-1", "x", "--at", "garbage"), ("garbage",)),
            (("log", "INC-1", "x", "--at", "25:99"), ("25:99",)),
            (("milestone", "INC-1", "detected", "--at", "half past never"), ("never",)),
            (("log", "INC-1", "x", "--kind", "gossip"), ("gossip",)),
            (("status", "INC-1", "on-fire"), ("on-fire", "investigating")),
            (("assign", "INC-1", "wizard", "bob"), ("wizard", "lead")),
            (("milestone", "INC-1", "lunch"), ("lunch", "acknowledged")),
            (("set", "INC-1"), ("--title",)),
            (("status", "INC-1", "identified", "--duplicate-of", "INC-3"), ("cancelled",)),
            (("frobnicate",), ("frobnicate",)),
        ],
        status=2,
    )
    assert cli.everything() == before


def test_other_errors_exit_1(victim: tuple[Cli, dict[str, Any]]) -> None:
    cli, before = victim
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    failures(
        cli,
        [
            (("declare", ""), ("title",)),
            (("declare", "x" * 100_000), ("title", "long")),
            (("show", "INC-99"), ("INC-99",)),
            (("log", "INC-42", "x"), ("INC-42",)),
            (("show", "abcdef12"), ("abcdef12",)),
            (("show", "no-such"), ("no-such",)),
            (("status", "INC-1", "closed"), ("identified, mitigated, resolved, cancelled",)),
            (("status", "INC-3", "mitigated"), ("investigating, closed",)),
            (("status", "INC-2", "investigating"), ("cancelled",)),
            (("milestone", "INC-1", "resolved", "--at", tomorrow), ("future",)),
            (("log", "INC-1", "from the future", "--at", tomorrow), ("future",)),
            (("declare", "T", "--detected-at", tomorrow), ("future",)),
        ],
        status=1,
    )
    assert cli.everything() == before


def test_a_database_that_is_not_warroom_s(
    victim: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, before = victim
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_bytes(b"my precious notes, not a database\n" * 100)
    folder = tmp_path / "folder.db"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep me")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE accounts (name TEXT)")
        conn.execute("INSERT INTO accounts VALUES ('alice')")
    foreign_bytes = foreign.read_bytes()
    failures(
        cli,
        [
            (("list", "--db", str(not_sqlite)), ("notes.db", "not")),
            (("declare", "T", "--db", str(not_sqlite)), ("notes.db", "not")),
            (("--db", str(folder), "list"), ("directory",)),
            (("declare", "T", "--db", str(foreign)), ("foreign.db",)),
            (("declare", "T", "--db", str(tmp_path / "missing" / "w.db")), ("missing",)),
        ],
        status=1,
    )
    assert not_sqlite.read_bytes() == b"my precious notes, not a database\n" * 100
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert foreign.read_bytes() == foreign_bytes  # not even switched to WAL
    assert cli.everything() == before


def test_bad_configuration(victim: tuple[Cli, dict[str, Any]], tmp_path: Path) -> None:
    cli, before = victim
    broken = tmp_path / "broken.toml"
    broken.write_text('user = "unterminated\n[severities.1\n', encoding="utf-8")
    wrong_type = tmp_path / "wrong.toml"
    wrong_type.write_text("user = 5\n", encoding="utf-8")
    bad_cadence = tmp_path / "cadence.toml"
    bad_cadence.write_text('[severities.1]\nupdate_every_minutes = "often"\n', encoding="utf-8")
    for env, needle in (
        ({"WARROOM_CONFIG": str(broken)}, "broken.toml"),
        ({"WARROOM_SITE_CONFIG": str(broken)}, "broken.toml"),
        ({"WARROOM_CONFIG": str(wrong_type), "WARROOM_USER": ""}, "user"),
        ({"WARROOM_CONFIG": str(bad_cadence)}, "cadence.toml"),
        ({"WARROOM_CONFIG": str(tmp_path)}, "directory"),
    ):
        assert_fails(cli("log", "INC-1", "not stored", env=env), 2, needle)
    assert cli.everything() == before


def test_import_of_a_bad_file_stores_nothing(
    victim: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, before = victim
    export = json.loads(cli.ok("export", "INC-1").stdout)
    new_note = {**export["events"][-1], "id": str(uuid.uuid4()), "kind": "note"}
    new_note["data"] = {"text": "must not be stored"}
    future = {**new_note, "id": str(uuid.uuid4()), "kind": "milestone"}
    future["data"] = {"name": "resolved"}
    future["occurred_at"] = "2999-01-01T00:00:00Z"
    malformed = {**new_note, "id": str(uuid.uuid4()), "occurred_at": "yesterday-ish"}
    bad_kind = {**new_note, "id": str(uuid.uuid4()), "kind": "Bad!"}
    files = {
        "not-json.json": "{ this is not json",
        "binary.json": "\udcff\udcfe garbage",
        "other.json": json.dumps({"format": "something-else", "events": []}),
        "v2.json": json.dumps({**export, "version": 2}),
        "no-events.json": json.dumps({**export, "events": []}),
        "malformed.json": json.dumps({**export, "events": [new_note, malformed]}),
        "not-object.json": json.dumps({**export, "events": [new_note, "an event"]}),
    }
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    cases = [(("import", str(tmp_path / name)), (name,)) for name in files]
    cases.append((("import", str(tmp_path / "absent.json")), ("absent.json",)))
    cases.append((("import", str(tmp_path)), ("directory",)))
    failures(cli, cases, status=2)
    # A refused event refuses the whole file: the valid note before it is not kept.
    refused = tmp_path / "refused.json"
    refused.write_text(json.dumps({**export, "events": [new_note, future]}), encoding="utf-8")
    assert_fails(cli("import", str(refused)), 1, "future")
    bad_kind_file = tmp_path / "bad-kind.json"
    bad_kind_file.write_text(json.dumps({**export, "events": [new_note, bad_kind]}))
    assert_fails(cli("import", str(bad_kind_file)), 1, "Bad!")
    # Same id, other content: a conflict, not an overwrite.
    changed = [{**event, "actor": "mallory"} for event in export["events"]]
    conflict = tmp_path / "conflict.json"
    conflict.write_text(json.dumps({**export, "events": changed}), encoding="utf-8")
    assert_fails(cli("import", str(conflict)), 1, "different content")
    assert cli.everything() == before


def test_hostile_text_prints_without_control_characters(tmp_path: Path) -> None:
    cli = Cli.make(tmp_path)
    declared = cli.json("declare", HOSTILE, "--service", HOSTILE, "--lead", HOSTILE, "--json")
    assert declared["title"] == HOSTILE  # stored exactly as typed
    again = cli.ok("declare", "second", "--service", HOSTILE)
    # no runbook lists that service; the busy-service warning
    assert len(again.stderr.splitlines()) == 2
    assert REPLACEMENT in again.stderr and "INC-1" in again.stderr
    writes = [
        [
            ("log", "INC-1", HOSTILE, "--as", HOSTILE),
            ("set", "INC-1", "--summary", HOSTILE),
            ("link", "INC-1", f"https://example.com/{HOSTILE}", "--label", HOSTILE),
        ],
        [("update", "INC-1", HOSTILE), ("join", "INC-1", f"{HOSTILE[:60]} 2")],
    ]
    for result in [result for chain in cli.chains(writes) for result in chain]:
        assert result.returncode == 0, result.stderr
        assert_safe(result)
    reads = cli.many(
        [
            ("list",),
            ("show", "INC-1"),
            ("timeline", "INC-1"),
            ("timeline", "INC-1", "--csv"),
            ("show", "INC-1", "--json"),
            ("timeline", "INC-1", "--json"),
        ]
    )
    for result in reads:
        assert result.returncode == 0, result.stderr
        assert_safe(result)
    for result in reads[:3]:
        assert REPLACEMENT in result.stdout and CLICK in result.stdout
        assert "pwned" in result.stdout  # shown literally, defused
    rows = list(csv.reader(io.StringIO(reads[3].stdout)))
    assert any(REPLACEMENT in row[5] and CLICK in row[5] for row in rows[1:])
    assert any(REPLACEMENT in row[4] for row in rows[1:])  # the hostile --as actor
    shown = json.loads(reads[4].stdout)
    assert shown["summary"] == HOSTILE and shown["service"] == HOSTILE
    assert shown["roles"]["lead"] == [HOSTILE]
    assert shown["links"] == [{"url": f"https://example.com/{HOSTILE}", "label": HOSTILE}]
    assert {event["actor"] for event in json.loads(reads[5].stdout)} == {"tester", HOSTILE}
    # Hostile text in the arguments of a failing command: the error line is safe too.
    failing = cli.many(
        [
            ("show", HOSTILE),
            ("status", "INC-1", HOSTILE),
            ("assign", "INC-1", HOSTILE, "bob"),
            ("log", "INC-1", "x", "--at", HOSTILE),
            # A raw, undecodable C1 byte in argv (not UTF-8): refused cleanly.
            ("declare", "raw \udc9b31m byte"),
        ]
    )
    for result, status in zip(failing, (1, 2, 2, 2, 1), strict=True):
        assert_fails(result, status)
