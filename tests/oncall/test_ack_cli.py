"""`warroom ack REF`: the real command in a subprocess on a store a sender
(the escalation runner, in this process) pages from; the ack stops it."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from tests.cli.conftest import Cli, assert_fails
from tests.notify.test_sender import Running, routes
from warroom.core.clock import FixedClock
from warroom.core.oncall.load import load_oncall
from warroom.resources import data_path
from warroom.services.notify.sender import Sender
from warroom.services.paging import run_escalations
from warroom.store.sqlite import SQLiteStore


def test_ack_stops_the_escalation_and_sets_the_milestone(tmp_path) -> None:
    cli = Cli.make(tmp_path)
    path = data_path("services.toml")
    (tmp_path / "config.toml").write_text(f"service_files = [{str(path)!r}]\n".replace("'", '"'))
    tables = load_oncall([(path, tomllib.loads(path.read_text(encoding="utf-8")))])
    declared = cli.ok("declare", "Checkout 502s", "--service", "checkout-api", "--sev", "1")
    ref = declared.stdout.strip()
    assert "warning: no sender is running for this store" in declared.stderr
    clock = FixedClock(datetime.now(UTC))
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        (page,) = run_escalations(store, tables, clock)
        assert page.kind == "page_sent" and page.data["level"] == 1
    shown = cli.json("show", ref, "--json")
    assert shown["paging"]["acknowledged_by"] is None and "acknowledged" not in shown["milestones"]
    cli.ok("join", ref, "dana")  # looking at the room is not taking the page
    assert cli.json("show", ref, "--json")["paging"]["acknowledged_by"] is None
    done = cli.ok("ack", ref)
    assert done.stdout.startswith(f"{ref}: acknowledged by tester; escalation stopped")
    shown = cli.json("show", ref, "--json")
    assert shown["paging"]["acknowledged_by"] == "tester"
    assert "acknowledged" in shown["milestones"]
    assert_fails(cli("ack", ref), 1, "already acknowledged by tester")
    clock.advance(minutes=20)
    with SQLiteStore(tmp_path / "warroom.db", clock=clock) as store:
        assert run_escalations(store, tables, clock) == []
    assert "acknowledged the page (via cli)" in cli.ok("timeline", ref).stdout


def test_declare_says_when_no_sender_runs(tmp_path) -> None:
    cli = Cli.make(tmp_path)
    path = data_path("services.toml")
    (tmp_path / "config.toml").write_text(f"service_files = [{str(path)!r}]\n".replace("'", '"'))
    cli.ok("declare", "First", "--service", "search")  # makes the store file
    with SQLiteStore(tmp_path / "warroom.db") as store, Running(Sender(store, routes(), poll=0.05)):
        quiet = cli.ok("declare", "Checkout 502s", "--service", "checkout-api")
        assert "no sender" not in quiet.stderr
    # the sender stopped (its lease dropped): the next declaration says so
    loud = cli.ok("declare", "Search slow", "--service", "search")
    assert "warning: no sender is running for this store" in loud.stderr
