"""Make `release-schema1.db`: a store written by warroom 0.x before schema
migrations (SQLite `user_version` 1, tables made by SQLModel's create_all).

Run once, with that release installed, from the repository root:

    .venv/bin/python tests/store/data/make_release_db.py

It ran against the release of 2026-12-05 (warroom.actions has since become
warroom.services.incidents).  The resulting file is committed;
tests/store/test_schema.py upgrades a copy of it in place and checks that every
incident and event reads back the same.
Two incidents: one with a runbook, checked steps, an added step, roles,
notes of each log kind, a milestone, a link, stakeholder updates, and a
resolution followed by follow-ups (added, done, verified); one still open.
The file also holds a server token (the `tokens` table).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "release-schema1.db"


def run(*argv: str) -> None:
    from warroom.cli import main

    status = main(list(argv))
    if status != 0:
        raise SystemExit(f"warroom {' '.join(argv)} failed with status {status}")


def main() -> None:
    for leftover in (TARGET, *(TARGET.with_name(TARGET.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    os.environ.update(
        WARROOM_DB=str(TARGET),
        WARROOM_CONFIG=str(HERE / "no-such-config.toml"),
        WARROOM_SITE_CONFIG=str(HERE / "no-such-site.toml"),
        WARROOM_USER="alice",
    )
    run("declare", "Checkout errors at 30%", "--sev", "2", "--service", "checkout",
        "--started-at", "-50m", "--detected-at", "-45m")  # fmt: skip
    run("runbook", "attach", "1", "web-api-error-rate")
    run("assign", "1", "comms", "bob")
    run("join", "1", "carol")
    run("log", "1", "5xx from the payments client", "--at", "-40m")
    run("log", "1", "the deploy at 02:58 changed the client timeout", "--kind", "finding")
    run("log", "1", "rolled back to v41", "--kind", "action", "--as", "bob")
    run("log", "1", "no more deploys until the review", "--kind", "decision")
    run("set", "1", "--summary", "30% of checkouts fail / bad timeout / roll back")
    run("sev", "1", "1", "--note", "revenue impact confirmed")
    run("link", "1", "https://chat.example/incident-1", "--label", "chat")
    run("update", "1", "We are rolling back a bad deploy.", "--audience", "customers")
    run("milestone", "1", "acknowledged", "--at", "-30m")
    run("runbook", "add-step", "1", "check the payments client timeout", "--section", "Checks")
    run("status", "1", "mitigated", "--note", "error rate back to normal")
    run("status", "1", "resolved")
    run("followup", "add", "1", "alert on client timeouts", "--owner", "bob", "--due", "+7d")
    run("followup", "add", "1", "test the rollback path", "--owner", "carol", "--due", "+14d")
    run("declare", "Search latency [p99] > 2 s", "--sev", "3", "--service", "search")
    run("log", "2", "hostile [@click=app.quit]x[/] text \x1b]0;t\x07 kept as is")
    run("token", "create", "--role", "responder", "--name", "pager")
    _check_steps_and_followups()


def _check_steps_and_followups() -> None:
    """What the CLI has no command for: step check-offs (the TUI's), and the
    follow-ups' done/verified by their ids."""
    from warroom.actions import write  # noqa: I001  (the release's module; now warroom.services)
    from warroom.core.clock import SYSTEM_CLOCK
    from warroom.store.sqlite import SQLiteStore

    with SQLiteStore(TARGET) as store:
        incident = store.incident(store.resolve("1"))
        for step_id in list(incident.steps)[:2]:
            write(store, incident.id, "step_checked", "bob", {"step": step_id}, SYSTEM_CLOCK)
    ids = _followup_ids()
    run("followup", "done", ids[0], "--note", "alert added")
    run("followup", "verify", ids[0], "--note", "fired in the drill")
    run("followup", "done", ids[1])


def _followup_ids() -> list[str]:
    import json
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "warroom", "followups", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [item["id"] for item in json.loads(done.stdout)]


if __name__ == "__main__":
    main()
