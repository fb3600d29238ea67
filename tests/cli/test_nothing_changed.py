"""Scripts and alert hooks re-run commands: asking for what is already so
answers `nothing changed`, exit 0, and writes no event.  Mistakes stay errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from warroom.core.errors import NothingChanged, Refused
from warroom.core.incident import Incident
from warroom.core.unchanged import unchanged


def _count(warroom: Any) -> int:
    return len(json.loads(warroom("timeline", "INC-1", "--json").stdout))


def test_repeats_answer_nothing_changed_and_write_nothing(warroom: Any) -> None:
    assert (
        warroom("declare", "Checkout API 502s", "--sev", "2", "--service", "checkout").returncode
        == 0
    )
    for args in (
        ("assign", "INC-1", "comms", "dana"),
        ("status", "INC-1", "identified"),
        ("set", "INC-1", "--summary", "EU down"),
    ):
        assert warroom(*args).returncode == 0
    before = _count(warroom)
    repeats = {
        ("assign", "INC-1", "lead", "tester"): "tester already holds lead",
        ("assign", "INC-1", "comms", "dana"): "dana already holds comms",
        ("sev", "INC-1", "2"): "INC-1 is already SEV2",
        ("status", "INC-1", "identified", "--note", "again"): "INC-1 is already identified",
        ("set", "INC-1", "--title", "Checkout API 502s"): "the title of INC-1 is already",
        ("set", "INC-1", "--service", "checkout"): "the service of INC-1 is already checkout",
        ("set", "INC-1", "--summary", "EU down"): "the summary of INC-1 is already that",
    }
    for args, reason in repeats.items():
        done = warroom(*args)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout.startswith(f"nothing changed: {reason}"), (args, done.stdout)
        assert done.stderr == ""
    assert _count(warroom) == before
    # one field unchanged, another changed: the other is still set
    both = warroom("set", "INC-1", "--title", "Checkout API 502s", "--summary", "EU and US down")
    assert both.returncode == 0
    assert "nothing changed: the title" in both.stdout and "summary set" in both.stdout
    assert _count(warroom) == before + 1


def test_mistakes_are_still_errors(warroom: Any) -> None:
    assert warroom("declare", "Checkout API 502s").returncode == 0
    released = warroom("release", "INC-1", "comms", "dana")
    assert released.returncode == 1 and "dana does not hold comms" in released.stderr
    unknown = warroom("assign", "INC-1", "scribe", "dana")
    assert unknown.returncode == 2 and "unknown role" in unknown.stderr
    moved = warroom("status", "INC-1", "closed")
    assert moved.returncode == 1 and "cannot move" in moved.stderr


@pytest.mark.parametrize(
    ("kind", "data", "why"),
    [
        ("title_changed", {"title": " t "}, "the title of INC-4 is already 't'"),
        ("service_changed", {"service": None}, "INC-4 has no service already"),
        ("summary_set", {"text": ""}, "INC-4 has no summary already"),
        ("severity_changed", {"severity": 2}, "INC-4 is already SEV2"),
        ("status_changed", {"to": "investigating"}, "INC-4 is already investigating"),
        ("role_assigned", {"role": "lead", "person": "ann"}, "ann already holds lead"),
        ("role_assigned", {"role": "lead", "person": "bob"}, None),
        ("role_released", {"role": "lead", "person": "bob"}, None),  # validate's to refuse
        ("severity_changed", {"severity": 1}, None),
        ("note", {"text": "again"}, None),
        ("title_changed", {"title": ""}, None),  # bad data: validate says why
    ],
)
def test_the_rule_in_one_place(kind: str, data: dict[str, Any], why: str | None) -> None:
    state = Incident(id="x", number=4, title="t", severity=2, status="investigating")
    state.roles["lead"] = ["ann"]
    assert unchanged(state, kind, data) == why


def test_nothing_changed_is_still_a_refusal_for_the_stores() -> None:
    assert issubclass(NothingChanged, Refused)
    assert str(NothingChanged("x")) == "nothing changed: x"


def test_declare_says_when_no_runbook_lists_the_service(warroom: Any) -> None:
    done = warroom("declare", "Ledger drift", "--service", "no-such-service-here")
    assert done.returncode == 0 and done.stdout.strip() == "INC-1"
    assert done.stderr == (
        "warroom: no runbook lists the service no-such-service-here; see `warroom runbook list`\n"
    )


# -- import: one incident per file, and a clear error for what is not an export --------


def test_an_export_carrying_another_incidents_event_is_refused_whole(
    warroom: Any, tmp_path: Any
) -> None:
    for title in ("Checkout API 502s", "Search slow"):
        assert warroom("declare", title).returncode == 0
    assert warroom("log", "INC-1", "one").returncode == 0
    first = json.loads(warroom("export", "INC-1").stdout)
    second = json.loads(warroom("export", "INC-2").stdout)
    first["events"].append({**second["events"][0], "id": "0" * 8 + "-0000-4000-8000-" + "0" * 12})
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(first))
    refused = warroom("import", str(mixed))
    assert refused.returncode == 2
    assert "belongs to another incident" in refused.stderr
    assert "nothing imported" in refused.stderr
    assert len(json.loads(warroom("timeline", "INC-2", "--json").stdout)) == 1
    first["events"].pop()
    mixed.write_text(json.dumps(first))
    again = warroom("import", str(mixed))
    assert (again.returncode, again.stdout) == (
        0,
        "INC-1: imported 0 new events (2 already present)\n",
    )


def test_a_deeply_nested_file_is_a_clear_error(warroom: Any, tmp_path: Any) -> None:
    deep = tmp_path / "deep.json"
    depth = 100_000
    deep.write_text(
        '{"format": "warroom-export", "version": 1, "events": ' + "[" * depth + "]" * depth + "}"
    )
    done = warroom("import", str(deep))
    assert done.returncode == 2
    assert done.stderr == f"warroom: {deep}: its JSON is nested too deeply to be an export\n"
