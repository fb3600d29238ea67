"""`warroom update --audience customers --public-title --component` and
`warroom statuspage publish | build`, end to end through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Result

CONFIG = """
public_url = "https://status.example.com"
[statuspage]
title = "Example status"
components = [{id = "api", name = "API"}, {id = "web", name = "Website"}]
"""


def setup(tmp_path: Path, warroom) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    assert warroom("declare", "db-7 disk full", "--sev", "1").returncode == 0


def summary(tmp_path: Path, warroom) -> dict:
    done: Result = warroom("statuspage", "build", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "site/api/v2/summary.json").read_text())


def test_a_customers_update_publishes_with_a_title_and_component_states(
    tmp_path: Path, warroom
) -> None:
    setup(tmp_path, warroom)
    assert summary(tmp_path, warroom)["incidents"] == []
    done = warroom(
        "update", "INC-1", "Errors on the API", "--audience", "customers",
        "--public-title", "API errors", "--component", "API=partial_outage",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = summary(tmp_path, warroom)
    (incident,) = page["incidents"]
    assert incident["name"] == "API errors"
    assert {c["id"]: c["status"] for c in page["components"]}["api"] == "partial_outage"
    assert "db-7" not in json.dumps(page)
    shown = json.loads(warroom("show", "INC-1", "--json").stdout)
    assert shown["title"] == "db-7 disk full"  # the internal title is unchanged


def test_publish_uses_the_default_title_and_a_holding_line(tmp_path: Path, warroom) -> None:
    setup(tmp_path, warroom)
    done = warroom("statuspage", "publish", "INC-1", "--component", "web=major_outage")
    assert done.returncode == 0, done.stderr
    (incident,) = summary(tmp_path, warroom)["incidents"]
    assert incident["name"] == "Investigating issues with Website"
    assert incident["incident_updates"][0]["body"].startswith("We are investigating")


def test_a_drill_is_never_published(tmp_path: Path, warroom) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    assert warroom("declare", "game day", "--drill").returncode == 0
    done = warroom("statuspage", "publish", "INC-1", "--component", "api=major_outage")
    assert done.returncode == 0 and "a drill never shows on the status page" in done.stdout
    page = summary(tmp_path, warroom)
    assert page["incidents"] == [] and page["status"]["indicator"] == "none"


def test_bad_public_options_are_usage_errors(tmp_path: Path, warroom) -> None:
    setup(tmp_path, warroom)
    for args in (
        ("update", "INC-1", "x", "--public-title", "T"),  # not customers
        ("update", "INC-1", "x", "--audience", "customers", "--component", "db=major_outage"),
        ("update", "INC-1", "x", "--audience", "customers", "--component", "api=on_fire"),
    ):
        done = warroom(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("warroom: ") and "Traceback" not in done.stderr
    assert summary(tmp_path, warroom)["incidents"] == []


def test_an_older_update_without_public_fields_still_reads(tmp_path: Path, warroom) -> None:
    setup(tmp_path, warroom)
    assert warroom("update", "INC-1", "plain", "--audience", "customers").returncode == 0
    (incident,) = summary(tmp_path, warroom)["incidents"]
    assert incident["name"] == "Investigating issues"
    timeline = warroom("timeline", "INC-1").stdout
    assert "[customers] plain" in timeline


def test_build_watch_follows_the_store_and_rewrites_only_public_changes(
    tmp_path: Path, warroom
) -> None:
    import os
    import subprocess
    import sys
    import time

    from tests.conftest import isolated_environ

    setup(tmp_path, warroom)
    site, log = tmp_path / "site", tmp_path / "watch.log"
    with log.open("w") as out:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "warroom", "statuspage", "build", str(site), "--watch"],
            env=isolated_environ(tmp_path), cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        summary_file, index = site / "api/v2/summary.json", site / "index.html"
        deadline = time.monotonic() + 20
        while not summary_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert json.loads(summary_file.read_text())["incidents"] == []
        first = index.stat().st_ino
        assert warroom("log", "INC-1", "internal only").returncode == 0
        assert (
            warroom("update", "INC-1", "for leadership", "--audience", "leadership").returncode == 0
        )
        time.sleep(1.5)  # an internal write rewrites nothing (the same file, not replaced)
        assert index.stat().st_ino == first
        published = time.monotonic()
        assert warroom("statuspage", "publish", "INC-1", "--text", "Looking").returncode == 0
        incidents: list = []
        while time.monotonic() < deadline:
            incidents = json.loads(summary_file.read_text())["incidents"]  # never half a file
            if incidents:
                break
            time.sleep(0.02)
        # followed live (the store's stream), not found by a slow poll
        assert time.monotonic() - published < 3
        assert incidents[0]["incident_updates"][0]["body"] == "Looking"
        assert "Looking" in index.read_text() and "internal only" not in index.read_text()
        assert not [name for name in os.listdir(site) if name.endswith(".tmp")]
        # Each rewrite is a log line as it happens (not when a buffer fills).
        while "rewritten" not in log.read_text() and time.monotonic() < deadline + 10:
            time.sleep(0.02)
        assert "rewritten" in log.read_text()
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)
    assert "Traceback" not in log.read_text()
