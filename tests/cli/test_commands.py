"""Every command of the command-line contract (issue 2), end to end.

One store is built once through the real CLI (`room`); the tests then read
what each command printed and what the store shows afterwards.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli, assert_safe
from tests.conftest import Result

SHOW_KEYS = {
    "ref", "id", "title", "severity", "status", "service", "summary", "roles", "participants",
    "milestones", "links", "last_update_at", "next_update_due", "last_seq", "drill",
}  # fmt: skip
ENVELOPE_KEYS = {
    "id", "incident_id", "seq", "gseq", "kind", "actor", "occurred_at", "recorded_at",
    "base_seq", "data",
}  # fmt: skip
CSV_COLUMNS = ["seq", "occurred_at", "recorded_at", "kind", "actor", "text"]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def seconds(later: str, earlier: str) -> float:
    return (when(later) - when(earlier)).total_seconds()


@dataclass
class Room:
    cli: Cli
    out: dict[str, Result]
    incident_id: str

    def json(self, name: str) -> Any:
        return json.loads(self.out[name].stdout)

    @property
    def timeline(self) -> list[dict[str, Any]]:
        return self.json("timeline_json")

    def event(self, kind: str, **data: Any) -> dict[str, Any]:
        found = [
            event
            for event in self.timeline
            if event["kind"] == kind and all(event["data"].get(k) == v for k, v in data.items())
        ]
        assert len(found) == 1, (kind, data, [e["kind"] for e in self.timeline])
        return found[0]


@pytest.fixture(scope="module")
def room(module_cli: Cli) -> Room:
    """INC-1 lives through every write command; INC-2..5 give the list its shape.

    Independent chains of commands run side by side (two processes at a time)
    to keep this file fast; within a chain the order is kept.
    """
    cli = module_cli
    out = {
        "declare": cli.ok(
            "declare",
            "Checkout API 502s",
            "--sev",
            "2",
            "--service",
            "checkout",
            "--lead",
            "alice",
            "--started-at",
            "-30m",
            "--detected-at",
            "-20m",
            "--json",
        )
    }
    incident_id = json.loads(out["declare"].stdout)["id"]
    chains: list[dict[str, tuple[str, ...]]] = [
        {
            "declare_dup": ("declare", "Cart errors", "--sev", "4", "--service", "checkout"),
            "declare_drill": ("declare", "Game day: failover", "--sev", "1", "--drill", "--json"),
            "declare_low": ("declare", "Slow admin page", "--sev", "5"),
            "declare_mid": ("declare", "Search degraded", "--sev", "3"),
            "cancel": ("status", "INC-2", "cancelled", "--duplicate-of", "INC-1"),
            "resolve": ("status", "INC-3", "resolved"),
            "declare_old": ("declare", "Old outage", "--sev", "2"),
            "resolve_old": ("status", "INC-6", "resolved"),
            "close_old": ("status", "INC-6", "closed", "--note", "review done"),
        },
        {  # REF forms: INC-n, n, and an id prefix of 6 or more hex characters.
            "log_backdated": ("log", "INC-1", "502s began at the edge", "--at", "-5m"),
            "log_finding": ("log", "1", "deploy 4411 halved the pool", "--kind", "finding"),
            "log_action": ("log", incident_id[:6], "rolled back 4411", "--kind", "action"),
            "log_decision": ("log", "INC-1", "freeze deploys", "--kind", "decision"),
            "log_note": ("log", "INC-1", "a plain note", "--kind", "note"),
        },
        {
            "status": ("status", "INC-1", "identified", "--note", "bad deploy"),
            "sev": ("sev", "1", "1", "--note", "all users now"),
            "set": (
                "set",
                incident_id[:8],
                "--title",
                "Checkout down",
                "--service",
                "payments",
                "--summary",
                "checkout fails / pool too small / roll back",
            ),
            "milestone": ("milestone", "INC-1", "acknowledged", "--at", "-3m"),
            "link": ("link", "INC-1", "https://meet.example/bridge", "--label", "bridge"),
        },
        {
            "assign": ("assign", "INC-1", "responder", "bob"),
            "assign_comms": ("assign", "INC-1", "comms", "carol"),
            "release": ("release", "INC-1", "comms", "carol"),
            "join": ("join", "INC-1", "dave"),
            "leave": ("leave", "INC-1", "dave"),
            "join_erin": ("join", "INC-1", "erin"),
            "update": ("update", "INC-1", "We are rolling back", "--audience", "customers"),
            "update_default": ("update", "INC-1", "Rollback 50% done"),
        },
    ]
    reads = {
        "show": ("show", "INC-1"),
        "show_json": ("show", "INC-1", "--json"),
        "list": ("list",),
        "list_json": ("list", "--json"),
        "list_all_json": ("list", "--all", "--json"),
        "timeline": ("timeline", "INC-1"),
        "timeline_json": ("timeline", "INC-1", "--json"),
        "timeline_csv": ("timeline", "INC-1", "--csv"),
    }
    for chain, results in zip(chains, cli.chains([list(c.values()) for c in chains]), strict=True):
        out.update(zip(chain, results, strict=True))
    out.update(zip(reads, cli.many(list(reads.values())), strict=True))
    for name, result in out.items():
        assert result.returncode == 0, (name, result.stderr)
        assert_safe(result)
    return Room(cli, out, incident_id)


NO_RUNBOOK = "warroom: no runbook lists the service checkout; see `warroom runbook list`\n"


def test_declare_prints_the_contract_object(room: Room) -> None:
    declared = room.json("declare")
    assert declared.keys() >= SHOW_KEYS
    assert declared["ref"] == "INC-1" and declared["id"] == room.incident_id
    assert declared["title"] == "Checkout API 502s"
    assert declared["severity"] == 2 and isinstance(declared["severity"], int)
    assert declared["status"] == "investigating" and declared["service"] == "checkout"
    assert declared["roles"] == {"lead": ["alice"]}
    assert declared["drill"] is False and declared["last_seq"] == 1
    assert all(set(p) == {"name", "joined_at"} for p in declared["participants"])
    assert room.out["declare"].stderr == NO_RUNBOOK  # no runbook in this test's library
    # --started-at -30m and --detected-at -20m, typed with a space, back-date the milestones.
    declared_at = room.event("declared")["occurred_at"]
    assert abs(seconds(declared_at, declared["milestones"]["started"]) - 1800) < 10
    assert abs(seconds(declared_at, declared["milestones"]["detected"]) - 1200) < 10
    # SEV2's default cadence: a stakeholder update every 30 minutes.
    assert seconds(declared["next_update_due"], declared_at) == 30 * 60


def test_declare_plain_prints_the_ref_and_warns_about_a_busy_service(room: Room) -> None:
    dup = room.out["declare_dup"]
    assert dup.stdout == "INC-2\n"
    assert dup.stderr.startswith(NO_RUNBOOK) and len(dup.stderr.splitlines()) == 2
    busy = dup.stderr.splitlines()[1]
    assert "warning" in busy and "checkout" in busy and "INC-1" in busy
    assert room.out["declare_low"].stdout == "INC-4\n" and room.out["declare_low"].stderr == ""
    drill = room.json("declare_drill")
    assert drill["ref"] == "INC-3" and drill["drill"] is True and drill["severity"] == 1


def test_every_ref_form_reaches_the_same_incident(room: Room) -> None:
    for name in ("log_backdated", "log_finding", "log_action", "set", "sev"):
        assert room.out[name].stdout.startswith("INC-1: "), name
    assert room.event("action", text="rolled back 4411")["incident_id"] == room.incident_id


def test_log_kinds_and_a_backdated_entry(room: Room) -> None:
    for kind, text in (
        ("note", "502s began at the edge"),
        ("finding", "deploy 4411 halved the pool"),
        ("action", "rolled back 4411"),
        ("decision", "freeze deploys"),
        ("note", "a plain note"),
    ):
        event = room.event(kind, text=text)
        assert event["actor"] == "tester"
    backdated = room.event("note", text="502s began at the edge")
    assert abs(seconds(backdated["recorded_at"], backdated["occurred_at"]) - 300) < 10
    plain = room.event("note", text="a plain note")
    assert abs(seconds(plain["recorded_at"], plain["occurred_at"])) < 5


def test_status_severity_and_set_change_the_incident(room: Room) -> None:
    shown = room.json("show_json")
    assert shown["status"] == "identified"
    assert shown["severity"] == 1
    assert shown["title"] == "Checkout down" and shown["service"] == "payments"
    assert shown["summary"] == "checkout fails / pool too small / roll back"
    assert room.event("status_changed", to="identified")["data"]["reason"] == "bad deploy"
    assert room.event("severity_changed", severity=1)["data"]["note"] == "all users now"
    assert len(room.out["set"].stdout.splitlines()) == 3


def test_roles_participants_milestones_links_and_updates(room: Room) -> None:
    shown = room.json("show_json")
    assert shown["roles"] == {"lead": ["alice"], "responder": ["bob"]}
    names = [p["name"] for p in shown["participants"]]
    assert "erin" in names and "dave" not in names
    milestone = room.event("milestone", name="acknowledged")
    assert shown["milestones"]["acknowledged"] == milestone["occurred_at"]
    assert abs(seconds(milestone["recorded_at"], milestone["occurred_at"]) - 180) < 10
    assert shown["links"] == [{"url": "https://meet.example/bridge", "label": "bridge"}]
    assert room.event("comms_update", text="We are rolling back")["data"]["audience"] == "customers"
    latest = room.event("comms_update", text="Rollback 50% done")
    assert latest["data"]["audience"] == "internal"
    assert shown["last_update_at"] == latest["occurred_at"]
    # Now SEV1: the next update is due 15 minutes after the last one.
    assert seconds(shown["next_update_due"], shown["last_update_at"]) == 15 * 60
    assert shown["last_seq"] == max(event["seq"] for event in room.timeline)


def test_cancelled_as_a_duplicate(room: Room) -> None:
    cancelled = {item["ref"]: item for item in room.json("list_all_json")}["INC-2"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["duplicate_of"] == room.incident_id


def test_list_most_severe_first_and_all(room: Room) -> None:
    open_refs = [item["ref"] for item in room.json("list_json")]
    assert open_refs == ["INC-1", "INC-5", "INC-4"]  # SEV1, SEV3, SEV5
    lines = room.out["list"].stdout.splitlines()
    assert [line.split()[0] for line in lines] == open_refs
    assert "Checkout down" in lines[0] and "Slow admin page" in lines[2]
    everything = {item["ref"]: item for item in room.json("list_all_json")}
    assert set(everything) == {"INC-1", "INC-2", "INC-3", "INC-4", "INC-5", "INC-6"}
    statuses = {ref: everything[ref]["status"] for ref in ("INC-2", "INC-3", "INC-6")}
    assert statuses == {"INC-2": "cancelled", "INC-3": "resolved", "INC-6": "closed"}
    # `list --json` holds the very objects `show --json` prints.
    assert everything["INC-1"] == room.json("show_json")
    assert all(item.keys() >= SHOW_KEYS for item in everything.values())


def test_show_human(room: Room) -> None:
    text = room.out["show"].stdout
    for needle in ("INC-1", "SEV1", "identified", "Checkout down", "payments", "alice", "bob"):
        assert needle in text, needle
    assert "checkout fails / pool too small / roll back" in text
    assert "https://meet.example/bridge" in text


def test_timeline_json_is_ordered_by_occurred_at_then_seq(room: Room) -> None:
    events = room.timeline
    assert all(set(event) == ENVELOPE_KEYS for event in events)
    assert [e["seq"] for e in events] != sorted(e["seq"] for e in events)  # back-dated entries
    assert events == sorted(events, key=lambda e: (when(e["occurred_at"]), e["seq"]))
    assert events[0]["data"] == {"text": "502s began at the edge"}
    assert events[1]["kind"] == "milestone"  # acknowledged, back-dated 3 minutes
    assert events[2]["kind"] == "declared" and events[2]["seq"] == 1
    assert sorted(e["seq"] for e in events) == list(range(1, len(events) + 1))


def test_timeline_human_and_csv_follow_the_same_order(room: Room) -> None:
    lines = room.out["timeline"].stdout.splitlines()
    assert len(lines) == len(room.timeline)
    assert "502s began at the edge" in lines[0] and "Checkout API 502s" in lines[2]
    rows = list(csv.reader(io.StringIO(room.out["timeline_csv"].stdout)))
    assert rows[0] == CSV_COLUMNS
    assert [int(row[0]) for row in rows[1:]] == [e["seq"] for e in room.timeline]
    assert [row[1] for row in rows[1:]] == [e["occurred_at"] for e in room.timeline]
    assert [row[2] for row in rows[1:]] == [e["recorded_at"] for e in room.timeline]
    assert [row[3] for row in rows[1:]] == [e["kind"] for e in room.timeline]
    assert {row[4] for row in rows[1:]} == {"tester"}
    assert rows[1][5] == "502s began at the edge"


def test_export_then_import_twice_into_another_store(room: Room, tmp_path: Path) -> None:
    export_file = tmp_path / "inc-1.json"
    exported = room.cli.ok("export", "INC-1", "--out", str(export_file))
    assert exported.stdout == ""
    document = json.loads(export_file.read_text(encoding="utf-8"))
    assert document["format"] == "warroom-export" and document["version"] == 1
    assert document["incident"] == room.json("show_json")
    assert {e["id"] for e in document["events"]} == {e["id"] for e in room.timeline}

    other = ["--db", str(tmp_path / "other.db")]
    first = room.cli.ok("import", str(export_file), *other)
    assert "INC-1" in first.stdout and f"{len(room.timeline)} new" in first.stdout
    after_first = room.cli.json("timeline", "INC-1", "--json", *other)
    shown_first = room.cli.everything(*other)
    second = room.cli.ok(*other, "import", str(export_file))
    assert "0 new" in second.stdout
    assert room.cli.json("timeline", "INC-1", "--json", *other) == after_first
    assert room.cli.everything(*other) == shown_first

    def kept(event: dict[str, Any]) -> tuple:
        return (
            event["id"],
            event["incident_id"],
            event["seq"],
            event["kind"],
            event["actor"],
            event["occurred_at"],
            event["base_seq"],
            event["data"],
        )

    assert [kept(e) for e in after_first] == [kept(e) for e in room.timeline]
    assert shown_first == {"INC-1": room.json("show_json")}


def test_global_flags_before_and_after_the_command(warroom, tmp_path: Path) -> None:
    db = str(tmp_path / "flags.db")
    first = warroom("--db", db, "--as", "bob", "declare", "Flags first")
    second = warroom("declare", "Flags after", "--db", db, "--as", "carol")
    assert (first.stdout, second.stdout) == ("INC-1\n", "INC-2\n"), (first, second)
    listed = warroom("list", "--json", "--db", db)
    before = warroom("--db", db, "list", "--json")
    assert listed.stdout == before.stdout
    by_ref = {item["ref"]: item for item in json.loads(listed.stdout)}
    assert by_ref["INC-1"]["declared_by"] == "bob" and by_ref["INC-1"]["roles"]["lead"] == ["bob"]
    assert by_ref["INC-2"]["declared_by"] == "carol"
    # --db overrode WARROOM_DB: the environment's store stayed empty.
    assert json.loads(warroom("list", "--all", "--json").stdout) == []


def test_actor_resolution_order(warroom, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('user = "from-config"\n', encoding="utf-8")
    login = {"LOGNAME": "from-login", "USER": "from-login"}
    with_env = {"WARROOM_USER": "from-env", **login}
    no_env = {"WARROOM_USER": "", **login}
    assert warroom("declare", "A", "--as", "from-flag", env=with_env).returncode == 0
    assert warroom("declare", "B", env=with_env).returncode == 0
    assert warroom("declare", "C", env=no_env).returncode == 0
    (tmp_path / "config.toml").unlink()
    assert warroom("declare", "D", env=no_env).returncode == 0
    actors = {
        item["title"]: item["declared_by"] for item in json.loads(warroom("list", "--json").stdout)
    }
    assert actors == {"A": "from-flag", "B": "from-env", "C": "from-config", "D": "from-login"}


def test_configuration_layers_and_a_cadence_override(warroom, tmp_path: Path) -> None:
    site = tmp_path / "etc" / "site.toml"
    site.parent.mkdir()
    site.write_text(
        'db = "shared.db"\nuser = "site-user"\n[severities.2]\nupdate_every_minutes = 7\n',
        encoding="utf-8",
    )
    user_file = tmp_path / "user.toml"
    base = {
        "WARROOM_SITE_CONFIG": str(site),
        "WARROOM_CONFIG": str(user_file),
        "WARROOM_DB": "",
        "WARROOM_USER": "",
    }

    def declare(*more: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        done = warroom(
            "declare", "Layered", "--sev", "2", "--json", *more, env={**base, **(env or {})}
        )
        assert done.returncode == 0, done.stderr
        shown = json.loads(done.stdout)
        shown["cadence"] = seconds(shown["next_update_due"], shown["declared_at"]) / 60
        return shown

    site_only = declare()  # the user file does not exist yet
    assert (site_only["ref"], site_only["declared_by"], site_only["cadence"]) == (
        "INC-1",
        "site-user",
        7,
    )
    assert (site.parent / "shared.db").is_file()  # relative to the site file's folder

    user_file.write_text('user = "file-user"\n[severities.2]\nupdate_every_minutes = 5\n')
    with_user = declare()
    assert (with_user["ref"], with_user["declared_by"], with_user["cadence"]) == (
        "INC-2",
        "file-user",
        5,
    )

    env = {"WARROOM_USER": "env-user", "WARROOM_DB": str(tmp_path / "env.db")}
    with_env = declare(env=env)
    assert (with_env["ref"], with_env["declared_by"], with_env["cadence"]) == (
        "INC-1",
        "env-user",
        5,
    )
    assert (tmp_path / "env.db").is_file()

    flags = declare("--as", "flag-user", "--db", str(tmp_path / "flag.db"), env=env)
    assert (flags["ref"], flags["declared_by"], flags["cadence"]) == ("INC-1", "flag-user", 5)
    assert (tmp_path / "flag.db").is_file()
    # The override is read on every command, not only when declaring.
    shown = warroom("show", "INC-2", "--json", env=base)
    assert_safe(shown)
    assert json.loads(shown.stdout)["next_update_due"] == with_user["next_update_due"]


def test_version(warroom) -> None:
    from warroom import __version__

    done = warroom("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"warroom {__version__}")


def test_only_the_command_being_run_has_its_arguments_built() -> None:
    """`warroom log ...` builds the `log` parser alone; every command is still
    named (the handlers, `warroom --help`, the "invalid choice" list)."""
    from warroom.cli import _commands
    from warroom.cli.parser import command_named

    full, every = _commands()
    parser, commands = _commands("log")
    assert commands.handlers == every.handlers
    assert parser.format_help() == full.format_help()
    args = parser.parse_args(["--db", "x.db", "log", "INC-1", "a note", "--at=-5m"])
    assert (args.command, args.ref, args.text, args.at, args.db) == (
        "log",
        "INC-1",
        "a note",
        "-5m",
        "x.db",
    )
    assert command_named(["--db", "x.db", "--as", "bob", "log", "INC-1", "--at=-5m"]) == "log"
    assert command_named(["--db"]) is None and command_named([]) is None
