"""`warroom oncall`: the real command in a subprocess, reading the shipped
sample through `service_files` in the user's config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Cli, assert_fails, assert_safe
from warroom.resources import data_path


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli.make(tmp_path_factory.mktemp("oncall"))
    config = f"service_files = [{str(data_path('services.toml'))!r}]\n"
    (cli.folder / "config.toml").write_text(config.replace("'", '"'))
    return cli


def test_json_for_every_schedule_at_a_time(cli: Cli) -> None:
    # Thursday 2026-12-24 12:00 in New York: erik's week; frank's override from 18:00.
    found = cli.json("oncall", "--at", "2026-12-24T17:00Z", "--json")
    assert found == [
        {
            "schedule": "payments-primary",
            "person": "erik",
            "until": "2026-12-24T23:00:00.000000Z",
            "next": "frank",
        },
        {
            "schedule": "platform",  # 12-hour shifts from 08:00 Berlin, the 105th
            "person": "dana",
            "until": "2026-12-24T19:00:00.000000Z",
            "next": "erik",
        },
    ]


def test_a_service_shows_the_schedules_its_policy_pages(cli: Cli) -> None:
    found = cli.json("oncall", "--service", "checkout-api", "--at", "2026-12-26T12:00Z", "--json")
    assert [(e["schedule"], e["person"], e["next"]) for e in found] == [
        ("payments-primary", "frank", "gina")
    ]
    # A service with no policy of its own: [escalation.default] pages `platform`.
    assert [e["schedule"] for e in cli.json("oncall", "--service", "search", "--json")] == [
        "platform"
    ]


def test_the_text_says_who_until_when_and_who_is_next(cli: Cli) -> None:
    out = cli.ok("oncall", "--schedule", "payments-primary", "--at", "2026-11-07T12:00Z").stdout
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("payments-primary  gina until "), out
    assert lines[0].endswith("(05:00Z), then dana"), out  # Monday 00:00 New York


def test_a_relative_time_works(cli: Cli) -> None:
    found = cli.json("oncall", "--schedule", "platform", "--at", "-5m", "--json")
    assert len(found) == 1 and found[0]["person"] in ("dana", "erik")


def test_an_unknown_schedule_or_a_bad_time_is_a_usage_error(cli: Cli) -> None:
    assert_fails(cli("oncall", "--schedule", "nope"), 2, "no schedule 'nope'", "payments-primary")
    assert_fails(cli("oncall", "--at", "someday"), 2, "cannot read the time")
    assert_fails(
        cli("oncall", "--schedule", "platform", "--service", "search"), 2, "not allowed with"
    )


def test_without_any_configuration_it_says_where_schedules_go(tmp_path: Path) -> None:
    empty = Cli.make(tmp_path)
    result = empty.ok("oncall")
    assert result.stdout == "" and "no schedules are configured" in result.stderr
    assert empty.json("oncall", "--json") == []
    assert_fails(empty("oncall", "--service", "api"), 1, "no escalation policy for api")


def test_a_configuration_error_names_file_table_and_key(tmp_path: Path) -> None:
    bad = Cli.make(tmp_path)
    (tmp_path / "config.toml").write_text('[schedules.x]\ntimezone = "Mars/Olympus"\nlayers = []\n')
    result = bad("oncall")
    assert_fails(result, 2, str(tmp_path / "config.toml"), "[schedules.x] key 'timezone'")


def test_hostile_names_are_printed_inert(tmp_path: Path) -> None:
    hostile = Cli.make(tmp_path)
    (tmp_path / "config.toml").write_text(
        '[people.dana]\n[schedules."\\u001b]0;pwned\\u0007[bold]"]\ntimezone = "UTC"\n'
        '[[schedules."\\u001b]0;pwned\\u0007[bold]".layers]]\npeople = ["dana"]\n'
        'shift = "daily"\nhandoff = "00:00"\nstart = "2026-01-01"\n'
    )
    result = hostile("oncall")
    assert_safe(result)
    assert "[bold]" in result.stdout and "dana until further notice" in result.stdout


def test_oncall_loads_no_textual_server_orm_or_pydantic(tmp_path: Path) -> None:
    """It reads the store's overrides on plain sqlite3, like the hot path."""
    from tests.conftest import isolated_environ
    from tests.test_imports import (
        CLI_THEN_DUMP,
        ORM,
        UI_AND_SERVER,
        declared_store,
        modules_after,
        offending,
    )

    env = {**isolated_environ(tmp_path), "WARROOM_SERVICE_FILES": str(data_path("services.toml"))}
    declared_store(env, tmp_path)  # the file exists, at the current schema
    modules = modules_after(CLI_THEN_DUMP, ["oncall", "--json"], env, tmp_path)
    assert {"warroom.core.oncall.schedule", "warroom.store.sqlite"} <= set(modules)
    assert offending(modules, UI_AND_SERVER | ORM | {"pydantic"}) == []
