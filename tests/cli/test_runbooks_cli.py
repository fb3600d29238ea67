"""`warroom runbook list | show | attach | add-step | lint | suggest` and the
runbook `declare --service` attaches, through the real command in a
subprocess, with runbook folders named in real configuration files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, assert_fails, assert_safe
from warroom.core.runbook import parse_document
from warroom.core.runbook_library import shipped_folder

TEAM = """+++
title = "Sessions cache outage"
services = ["sessions-cache", "checkout-api"]
tags = ["redis"]
severities = [2, 3]
+++

# Sessions cache outage

## Diagnostics
- [ ] Ping the primary `redis-cli -h sessions-cache ping` {#ping}
- [ ] Check memory `redis-cli -h sessions-cache info memory`

## Mitigation
- [ ] Fail over to the replica `redis-cli -h sessions-cache-1 replicaof no one` {#promote}

## Escalation
- [ ] Page the platform team
"""


@pytest.fixture(scope="module")
def cli(module_cli: Cli) -> Cli:
    """A store and a configuration naming two runbook folders: one in the
    user's config file (relative to it), one in WARROOM_RUNBOOK_DIRS."""
    folder = module_cli.folder
    team = folder / "conf" / "team-runbooks"
    team.mkdir(parents=True)
    (team / "sessions-cache.md").write_text(TEAM, encoding="utf-8")
    (folder / "conf" / "config.toml").write_text('runbook_dirs = ["team-runbooks"]\n')
    personal = folder / "mine"
    personal.mkdir()
    (personal / "search.md").write_text(
        '+++\ntitle = "Search slow"\nservices = ["search"]\n+++\n## Diagnostics\n- [ ] one\n'
    )
    module_cli.env["WARROOM_CONFIG"] = str(folder / "conf" / "config.toml")
    module_cli.env["WARROOM_RUNBOOK_DIRS"] = str(personal)
    return module_cli


def test_list_shows_the_samples_and_the_configured_folders(cli: Cli) -> None:
    listed = cli.ok("runbook", "list").stdout
    for name in ("web-api-error-rate", "database-failover", "rollback-bad-deploy"):
        assert name in listed
    assert "sessions-cache" in listed and "Sessions cache outage" in listed
    assert "search" in listed and "[services: search]" in listed
    as_json = {item["name"]: item for item in cli.json("runbook", "list", "--json")}
    assert as_json["sessions-cache"]["services"] == ["sessions-cache", "checkout-api"]
    assert as_json["sessions-cache"]["path"].endswith("conf/team-runbooks/sessions-cache.md")
    assert as_json["database-failover"]["steps"][0]["id"] == "who-leads"


def test_show_prints_sections_steps_and_copyable_commands(cli: Cli) -> None:
    shown = cli.ok("runbook", "show", "database-failover").stdout
    assert shown.startswith("Database failover (PostgreSQL + Patroni)\nfile: ")
    assert "services: orders-db, payments-db" in shown
    assert "\nMitigation: fail over to a replica\n" in shown
    assert "      $ patronictl failover orders --candidate orders-db-2 --force\n" in shown
    by_title = cli.ok("runbook", "show", "sessions cache OUTAGE").stdout
    assert "#ping" in by_title and "$ redis-cli -h sessions-cache ping" in by_title
    assert_fails(cli("runbook", "show", "nope"), 2, "no runbook named 'nope'")


def test_lint_is_clean_for_the_configured_folders_and_exits_1_on_problems(cli: Cli) -> None:
    assert "5 runbook(s) checked: no problems" in cli.ok("runbook", "lint").stdout
    bad = cli.folder / "bad"
    bad.mkdir()
    (bad / "broken.md").write_text('+++\ntitle = "x\n+++\n- [ ] s\n')
    (bad / "empty.md").write_text("# Nothing here\n")
    (bad / "twin.md").write_text('+++\ntitle = "Broken twin"\n+++\n- [ ] s\n')
    (bad / "sub").mkdir()
    (bad / "sub" / "twin.md").write_text("- [ ] s\n")
    done = cli("runbook", "lint", str(bad))
    assert_safe(done)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{bad}/broken.md:2: malformed front matter: Unterminated string (at end of document)",
        f"{bad}/empty.md:1: no steps: a step is a line starting '- [ ]'",
        f"{bad}/twin.md:1: duplicate runbook name 'twin' (also {bad}/sub/twin.md)",
    ]
    assert done.stderr == "3 problem(s) in 3 file(s)\n"
    one = cli("runbook", "lint", str(bad / "empty.md"))
    assert one.returncode == 1 and one.stdout.startswith(f"{bad}/empty.md:1: no steps")
    assert_fails(cli("runbook", "lint", str(bad / "absent")), 2, "no such file or folder")


def test_declare_with_a_service_attaches_its_runbook(cli: Cli) -> None:
    declared = cli.ok("declare", "Orders writes failing", "--sev", "1", "--service", "orders-db")
    ref = declared.stdout.strip()
    assert declared.stdout == f"{ref}\n"  # stdout stays the reference alone
    assert "runbook Database failover (PostgreSQL + Patroni) attached (24 steps" in declared.stderr
    timeline = cli.json("timeline", ref, "--json")
    assert [event["kind"] for event in timeline[:2]] == ["declared", "runbook_attached"]
    assert timeline[1]["data"]["name"] == "Database failover (PostgreSQL + Patroni)"
    assert (
        "runbook Database failover (PostgreSQL + Patroni) attached"
        in cli.ok("timeline", ref).stdout
    )
    steps = timeline[1]["data"]["steps"]
    assert steps[0]["id"] == "who-leads" and len(steps) == 24
    unmatched = cli.ok("declare", "Search slow", "--service", "nothing-matches")
    assert unmatched.stderr == (
        "warroom: no runbook lists the service nothing-matches; see `warroom runbook list`\n"
    )


def test_declare_with_several_matching_runbooks_attaches_none_and_says_which(cli: Cli) -> None:
    declared = cli("declare", "Checkout 5xx", "--sev", "2", "--service", "checkout-api", "--json")
    assert_safe(declared)
    assert declared.returncode == 0
    incident = json.loads(declared.stdout)
    assert incident["runbook"]["steps"] == []
    assert "several runbooks list the service checkout-api" in declared.stderr
    assert "(web-api-error-rate, sessions-cache)" in declared.stderr
    assert f"warroom runbook attach {incident['ref']} NAME" in declared.stderr
    attached = cli.ok("runbook", "attach", incident["ref"], "web-api-error-rate")
    assert "runbook Web API error-rate spike attached (23 steps)" in attached.stdout


def test_attach_takes_a_name_or_a_file(cli: Cli, tmp_path: Path) -> None:
    ref = cli.ok("declare", "Cache down").stdout.strip()
    by_name = cli.ok("runbook", "attach", ref, "Sessions cache outage").stdout
    assert by_name.startswith(f"{ref}: runbook Sessions cache outage attached (4 steps)")
    path = tmp_path / "plain.md"
    path.write_text("# Plain checklist\n- [ ] first `uptime`\n- [ ] second\n")
    by_file = cli.ok("runbook", "attach", ref, str(path), "--name", "Renamed").stdout
    assert "runbook Renamed attached (2 steps)" in by_file
    steps = cli.json("show", ref, "--json")["runbook"]["steps"]
    assert [step["id"] for step in steps][:3] == ["ping", steps[1]["id"], "promote"]
    assert len(steps) == 6
    assert_fails(cli("runbook", "attach", ref, "missing.md"), 2, "no such runbook file")
    assert_fails(cli("runbook", "attach", ref, "no-such-runbook"), 2, "no runbook named")


def test_suggest_writes_the_steps_found_during_the_incident_beside_the_runbook(
    cli: Cli,
) -> None:
    ref = cli.ok("declare", "Sessions cache down", "--service", "sessions-cache").stdout.strip()
    assert_fails(cli("runbook", "suggest", ref), 1, "no steps added during the incident")
    added = cli.many(  # two at a time: step_added events never conflict
        [
            ("runbook", "add-step", ref, *args)
            for args in (
                (
                    "Check replication `redis-cli -h sessions-cache-1 info replication`",
                    "--section",
                    "diagnostics",
                ),
                ("Restart the session service", "--section", "Mitigation"),
                ("Tell support the login banner is up", "--section", "Comms"),
                ("Page the platform team", "--section", "Escalation"),
            )
        ]
    )
    assert all(result.returncode == 0 for result in added), added
    done = cli.ok("runbook", "suggest", ref)
    runbook = cli.folder / "conf" / "team-runbooks" / "sessions-cache.md"
    proposed = runbook.with_name("sessions-cache.proposed.md")
    assert f"wrote {proposed}: 3 step(s) from {ref}" in done.stdout
    assert "  + Restart the session service -> Mitigation (line " in done.stdout
    assert "  + Tell support the login banner is up -> Added during incidents" in done.stdout
    assert "  = Page the platform team: already in the runbook" in done.stdout
    assert runbook.read_text() == TEAM  # the runbook itself is untouched
    doc = parse_document(proposed.read_text())
    sections = {line.step["text"]: line.step["section"] for line in doc.steps}
    assert sections["Check replication `redis-cli -h sessions-cache-1 info replication`"] == (
        "Diagnostics"
    )
    assert sections["Restart the session service"] == "Mitigation"
    assert sections["Tell support the login banner is up"] == "Added during incidents"
    assert f"<!-- added during {ref} by tester -->" in proposed.read_text()
    assert doc.problems == () and doc.name == "Sessions cache outage"
    out = cli.folder / "elsewhere.md"
    cli.ok("runbook", "suggest", ref, "--runbook", str(runbook), "--out", str(out))
    assert out.read_text() == proposed.read_text()


def test_suggest_needs_to_know_which_runbook(cli: Cli) -> None:
    ref = cli.ok("declare", "No runbook").stdout.strip()
    cli.ok("runbook", "add-step", ref, "Look at the queue depth")
    assert_fails(cli("runbook", "suggest", ref), 2, "no runbook is attached", "--runbook NAME")


def test_the_samples_are_never_written_by_these_tests() -> None:
    assert not list(shipped_folder().glob("*.proposed.md"))


def test_runbook_dirs_add_up_across_the_config_files(tmp_path: Path) -> None:
    from warroom.config import load_settings
    from warroom.core.errors import UsageError

    site, user = tmp_path / "etc" / "site.toml", tmp_path / "home" / "config.toml"
    site.parent.mkdir()
    user.parent.mkdir()
    site.write_text('runbook_dirs = ["/srv/runbooks"]\n')
    user.write_text('runbook_dirs = ["mine", "~/more"]\n')
    env = {
        "WARROOM_SITE_CONFIG": str(site),
        "WARROOM_CONFIG": str(user),
        "WARROOM_RUNBOOK_DIRS": f"/opt/a{os.pathsep}/opt/b",
        "HOME": str(tmp_path / "home"),
    }
    settings = load_settings(env=env)
    assert settings.runbook_dirs[:2] == [Path("/srv/runbooks"), user.parent / "mine"]
    assert settings.runbook_dirs[2].name == "more" and settings.runbook_dirs[2].is_absolute()
    assert settings.runbook_dirs[3:] == [Path("/opt/a"), Path("/opt/b")]
    user.write_text('runbook_dirs = "mine"\n')
    with pytest.raises(UsageError, match="runbook_dirs must be a list of folders"):
        load_settings(env=env)


def test_suggest_for_a_shipped_sample_writes_in_the_current_folder(cli: Cli) -> None:
    """The samples ship inside warroom (site-packages once installed): the
    proposal goes to the folder the command runs in, never beside them."""
    from warroom.resources import data_path

    samples = data_path("runbooks")
    before = sorted(path.name for path in samples.iterdir())
    ref = cli.ok("declare", "Checkout 5xx", "--service", "checkout-api").stdout.strip()
    cli.ok("runbook", "add-step", ref, "Check replica lag before failing back")
    done = cli.ok("runbook", "suggest", ref, "--runbook", "web-api-error-rate")
    proposed = cli.folder / "web-api-error-rate.proposed.md"
    assert f"wrote {proposed}" in done.stdout and proposed.exists()
    assert sorted(path.name for path in samples.iterdir()) == before
