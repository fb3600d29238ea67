"""Runbooks as code, the pure half: front matter, step ids, the library and
its lint rules, mitigation-first ordering and the proposed edits, against
real files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.builder import Log
from warroom.core.catalog import Catalog
from warroom.core.errors import UsageError
from warroom.core.fold import fold
from warroom.core.incident import Step
from warroom.core.runbook import (
    is_mitigation_section,
    new_step,
    parse_document,
    parse_runbook,
    read_runbook,
    step_id,
    steps_for_display,
)
from warroom.core.runbook_library import load_library, shipped_folder
from warroom.core.runbook_suggest import ADDED_SECTION, propose_steps

RUNBOOK = """+++
title = "Orders DB failover"
services = ["orders-db", "Payments-DB"]
tags = ["postgres"]
severities = [1, 2]
+++

# Orders database

Some prose.

## Diagnostics
- [ ] See who leads `patronictl list orders` {#who-leads}
- [ ] Check lag `psql -c 'select 1'`

## Mitigation: fail over
- [ ] Fail over `patronictl failover orders --force` {#failover}

## Escalation
- [ ] Page the DBA
"""


@pytest.fixture
def log() -> Log:
    return Log()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_gives_title_services_tags_and_severities() -> None:
    doc = parse_document(RUNBOOK)
    assert doc.name == "Orders DB failover"  # the front matter's title beats the heading
    assert doc.meta.services == ("orders-db", "Payments-DB")
    assert doc.meta.tags == ("postgres",)
    assert doc.meta.severities == (1, 2)
    assert doc.problems == ()
    assert [(s.line, s.step["section"]) for s in doc.steps] == [
        (13, "Diagnostics"),
        (14, "Diagnostics"),
        (17, "Mitigation: fail over"),
        (20, "Escalation"),
    ]


def test_an_explicit_id_survives_edits_and_a_derived_one_does_not() -> None:
    steps = parse_runbook(RUNBOOK, "Orders DB failover").steps
    assert steps[0] == {
        "id": "who-leads",
        "text": "See who leads `patronictl list orders`",  # the marker is not text
        "section": "Diagnostics",
        "command": "patronictl list orders",
    }
    assert steps[1]["id"] == step_id("Orders DB failover", steps[1]["text"], 0)
    edited = RUNBOOK.replace("See who leads", "Find the leader").replace(
        "Check lag", "Check the lag"
    )
    again = parse_runbook(edited, "Orders DB failover").steps
    assert again[0]["id"] == "who-leads" and again[2]["id"] == "failover"
    assert again[1]["id"] != steps[1]["id"]


def test_a_plain_markdown_file_still_works(tmp_path: Path) -> None:
    path = write(
        tmp_path, "bare-steps.md", "# Restart the cache\n- [ ] `systemctl restart redis`\n"
    )
    runbook = read_runbook(path)
    assert runbook.name == "Restart the cache"
    assert runbook.steps[0]["command"] == "systemctl restart redis"
    untitled = write(tmp_path, "no-heading.md", "- [ ] one\n")
    assert read_runbook(untitled).name == "no-heading"


@pytest.mark.parametrize(
    "text",
    ["echo ${#array}", "count `echo ${#array}`", "step {#has space}", "step{#glued}"],
)
def test_only_a_separate_well_formed_marker_is_an_id(text: str) -> None:
    doc = parse_document(f"- [ ] {text}\n", "R")
    assert doc.steps[0].step["text"] == text
    assert not doc.steps[0].explicit_id


def test_a_marker_must_be_well_formed_and_unique() -> None:
    doc = parse_document("- [ ] a {#x}\n- [ ] b {#x}\n- [ ] c {#bad id}\n", "R")
    assert doc.steps[0].step["id"] == "x"
    assert doc.steps[1].step["id"] != "x"
    assert [line for line, _ in doc.problems] == [2, 3]
    assert "used twice (also line 1)" in doc.problems[0][1]
    assert "malformed step id" in doc.problems[1][1]


def test_lint_reports_each_problem_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "runbooks"
    write(folder, "good.md", RUNBOOK)
    write(folder, "toml.md", '+++\ntitle = "x"\nservices = [\n+++\n- [ ] a step\n')
    write(
        folder,
        "keys.md",
        '+++\ntitle = "Keys"\nservice = "orders-db"\nseverities = "1"\n+++\n- [ ] s\n',
    )
    write(folder, "open.md", "+++\ntitle = 'never closed'\n- [ ] s\n")
    write(folder, "empty.md", '+++\ntitle = "Nothing to do"\n+++\n# Nothing\nJust prose.\n')
    write(folder / "team", "good.md", "# Another good\n- [ ] step\n")  # the same file name
    write(folder, "copy.md", '+++\ntitle = "orders db FAILOVER"\n+++\n- [ ] step\n')  # same title
    write(folder, "notes.proposed.md", "no steps, but a proposal: not a runbook\n")
    write(folder, "README.md", "about this folder\n")
    problems = [str(problem) for problem in load_library([folder]).lint()]
    expected = [
        (f"{folder}/empty.md:1:", "no steps"),
        (f"{folder}/good.md:2:", "duplicate runbook name 'orders db failover' (also"),
        (f"{folder}/keys.md:3:", "unknown front-matter key 'service'"),
        (f"{folder}/keys.md:4:", "severities must be a list of severity levels"),
        (f"{folder}/open.md:1:", "never closed"),
        (f"{folder}/team/good.md:1:", "duplicate runbook name 'good'"),
        (f"{folder}/toml.md:3:", "malformed front matter"),
    ]
    assert len(problems) == len(expected), problems
    for (where, what), problem in zip(expected, problems, strict=True):
        assert problem.startswith(where) and what in problem, (where, what, problem)


def test_the_shipped_samples_are_clean_and_follow_the_guide() -> None:
    found = load_library([shipped_folder()])
    assert found.lint() == []
    assert {entry.slug for entry in found.entries} == {
        "web-api-error-rate",
        "database-failover",
        "rollback-bad-deploy",
    }
    for entry in found.entries:
        sections = " ".join(heading.title.lower() for heading in entry.doc.headings)
        for part in ("diagnostics", "logs and metrics", "known causes", "escalation", "rollback"):
            assert part in sections, (entry.slug, part)
        assert "](https://" in entry.doc.text  # links to the logs and metrics
        commands = [line.step.get("command") for line in entry.doc.steps]
        assert sum(1 for command in commands if command) >= 10, entry.slug
        assert any(is_mitigation_section(line.step["section"]) for line in entry.doc.steps)


def test_the_library_finds_by_file_name_or_title_and_by_service(tmp_path: Path) -> None:
    folder = tmp_path / "rb"
    write(folder, "orders-failover.md", RUNBOOK)
    write(folder, "cache.md", '+++\nservices = ["orders-db"]\n+++\n# Cache\n- [ ] flush\n')
    found = load_library([folder])
    assert found.find("orders-failover").name == "Orders DB failover"
    assert found.find("ORDERS db failover").slug == "orders-failover"
    with pytest.raises(UsageError, match="no runbook named 'nope'"):
        found.find("nope")
    assert [e.slug for e in found.for_service("payments-db")] == ["orders-failover"]
    assert sorted(e.slug for e in found.for_service("orders-db")) == ["cache", "orders-failover"]
    assert found.for_service("orders") == []
    missing = load_library([tmp_path / "absent"])
    assert "runbook folder does not exist" in str(missing.lint()[0])


def test_mitigation_steps_come_first_until_the_incident_is_mitigated(
    log: Log, catalog: Catalog
) -> None:
    log.declare()
    runbook = parse_runbook(RUNBOOK, "Orders DB failover")
    log.add("runbook_attached", runbook.event_data())
    log.add(
        "step_added",
        {"step": {"id": "extra", "text": "Roll back the config", "section": "Rollback"}},
    )
    in_file_order = ["who-leads", runbook.steps[1]["id"], "failover", runbook.steps[3]["id"]]
    for status, first in (
        ("investigating", ["failover", "extra"]),
        ("identified", ["failover", "extra"]),
    ):
        if status != "investigating":
            log.add("status_changed", {"to": status})
        shown = [step.id for step in steps_for_display(fold(log.events, catalog))]
        assert shown[:2] == first
        assert shown[2:] == [i for i in in_file_order if i != "failover"]
    log.add("status_changed", {"to": "mitigated"})
    shown = [step.id for step in steps_for_display(fold(log.events, catalog))]
    assert shown == [*in_file_order, "extra"]


def test_proposed_steps_go_to_their_section_or_a_new_one() -> None:
    steps = [
        Step(
            id="a", text="Check disk space", section="diagnostics", command="df -h", added_by="bob"
        ),
        Step(id="b", text="Restart orders-api", section="Mitigation: fail over"),
        Step(id="c", text="Ask the cloud provider", section="Vendor"),
        Step(id="d", text="Page the DBA", section="Escalation"),  # already there
        Step(id="e", text="Note the   timeline\nposition", section=""),
    ]
    proposal = propose_steps(RUNBOOK, steps, origin="INC-7")
    lines = proposal.text.splitlines()
    placed = {p.text: p for p in proposal.placements}
    assert proposal.added == 4
    first = placed["Check disk space `df -h`"]
    assert (
        first.section == "Diagnostics" and lines[first.line - 1] == "- [ ] Check disk space `df -h`"
    )
    assert lines[first.line] == "  <!-- added during INC-7 by bob -->"
    assert lines[first.line - 2].startswith("- [ ] Check lag")  # after the section's last step
    second = placed["Restart orders-api"]
    assert second.section == "Mitigation: fail over"
    assert lines[second.line - 2].startswith("- [ ] Fail over")
    assert placed["Page the DBA"].skipped == "already in the runbook"
    for text in ("Ask the cloud provider", "Note the timeline position"):
        assert placed[text].section == ADDED_SECTION
        assert lines[placed[text].line - 1] == f"- [ ] {text}"
    assert lines.index(f"## {ADDED_SECTION}") > lines.index("## Escalation")
    again = parse_document(proposal.text)
    assert again.problems == () and len(again.steps) == len(parse_document(RUNBOOK).steps) + 4
    assert {s.step["section"] for s in again.steps if s.step["text"] == "Restart orders-api"} == {
        "Mitigation: fail over"
    }
    assert again.name == "Orders DB failover" and again.meta.services == (
        "orders-db",
        "Payments-DB",
    )


def test_a_proposal_for_a_section_without_steps_keeps_the_markdown_apart() -> None:
    text = "# R\n\n## Diagnostics\nLook around first.\n## Rollback\n- [ ] undo\n"
    proposal = propose_steps(
        text, [Step(id="x", text="Check logs", section="Diagnostics")], "INC-1"
    )
    assert proposal.text.splitlines()[3:8] == [
        "Look around first.",
        "",
        "- [ ] Check logs",
        "  <!-- added during INC-1 -->",
        "",
    ]


def test_new_step_makes_a_fresh_id_and_one_line(log: Log, catalog: Catalog) -> None:
    log.declare()
    incident = fold(log.events, catalog)
    step = new_step(incident, "  Check\nthe `pgbouncer` pools ", "Diagnostics")
    assert step["text"] == "Check the `pgbouncer` pools"
    assert step["command"] == "pgbouncer" and step["section"] == "Diagnostics"
    assert step["id"].startswith("added-")
    log.add("step_added", {"step": step})
    again = new_step(fold(log.events, catalog), "Check the `pgbouncer` pools", command="psql")
    assert again["id"] != step["id"] and again["command"] == "psql"
    with pytest.raises(UsageError):
        new_step(incident, "   ")


def test_hostile_step_text_stays_one_plain_step_in_the_proposal() -> None:
    hostile = Step(
        id="h",
        text="rm\x1b]0;owned\x07 -rf\n## Injected heading\r\n- [ ] fake step",
        section="Diagnostics\n# top",
        command="echo `whoami`\x1b[2J",
        added_by="eve --> <script>",
    )
    proposal = propose_steps(RUNBOOK, [hostile], origin="INC-9")
    assert "\x1b" not in proposal.text and "\x07" not in proposal.text
    added = [line for line in proposal.text.splitlines() if "Injected" in line]
    assert len(added) == 1 and added[0].startswith("- [ ] rm")
    assert "## Injected heading" not in proposal.text.splitlines()
    comment = proposal.text.splitlines()[proposal.placements[0].line]
    assert comment.count("-->") == 1 and comment.endswith("-->")
    doc = parse_document(proposal.text)
    assert len(doc.steps) == len(parse_document(RUNBOOK).steps) + 1
    assert [h.title for h in doc.headings] == [
        h.title for h in parse_document(RUNBOOK).headings
    ] + [ADDED_SECTION]
