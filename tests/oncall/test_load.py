"""Reading the on-call tables: the shipped sample, the layering of service
files and config files, errors that name the file, the table and the key,
and secrets read only when a page is sent."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from warroom.config import load_settings
from warroom.core.errors import UsageError
from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import Target
from warroom.resources import data_path

GOOD = """
[people.dana]
apprise = ["env:DANA_URL"]
aliases = ["dana.k"]
[people.erik]
[schedules.s]
timezone = "Europe/Berlin"
[[schedules.s.layers]]
people = ["dana", "erik"]
shift = "weekly"
handoff = "09:00"
handoff_day = "monday"
start = "2026-11-02"
[escalation.p]
[[escalation.p.levels]]
targets = ["schedule:s"]
wait_minutes = 2.5
[services.api]
escalation = "p"
"""


def test_the_shipped_sample_reads() -> None:
    path = data_path("services.toml")
    tables = load_oncall([(path, tomllib.loads(path.read_text(encoding="utf-8")))])
    assert set(tables.schedules) == {"payments-primary", "platform"}
    policy = tables.policy_for("checkout-api")
    assert policy is not None and policy.name == "payments" and policy.repeat == 2
    assert policy.levels[1].targets == (Target("person", "gina"),)
    assert tables.policy_for("search") is tables.escalation["default"]  # no policy of its own
    assert tables.services["checkout-api"].runbook == "web-api-error-rate"
    assert tables.person_named("dana.k") is tables.people["dana"]
    assert tables.schedules_of(policy) == ["payments-primary"]


def test_waits_may_be_fractions_of_minutes() -> None:
    tables = load_oncall([("a.toml", tomllib.loads(GOOD))])
    assert tables.escalation["p"].levels[0].wait.total_seconds() == 150


def test_a_later_file_replaces_an_entry_whole() -> None:
    later = """
[people.erik]
[schedules.s]
timezone = "UTC"
[[schedules.s.layers]]
people = ["erik"]
shift = "daily"
handoff = "00:00"
start = "2026-01-01"
"""
    tables = load_oncall([("a.toml", tomllib.loads(GOOD)), ("b.toml", tomllib.loads(later))])
    assert tables.schedules["s"].layers[0].people == ("erik",)
    assert str(tables.schedules["s"].timezone) == "UTC"
    assert "dana" in tables.people  # entries it does not name stay


@pytest.mark.parametrize(
    ("change", "table", "key", "problem"),
    [
        (("handoff = ", "handof = "), "[schedules.s.layers #1]", "'handof'", "unknown key"),
        (('shift = "weekly"', 'shift = "fortnightly"'), "[schedules.s.layers #1]", "'shift'",
         "a number of hours"),
        (('"dana", "erik"]', '"dana", "erk"]'), "[schedules.s.layers #1]", "'people'",
         "'erk' is not a person"),
        (('"Europe/Berlin"', '"Europe/Berlinn"'), "[schedules.s]", "'timezone'",
         "not a known time zone"),
        (('start = "2026-11-02"', 'start = "2026-11-03"'), "[schedules.s.layers #1]", "'start'",
         "is a tuesday, but handoff_day is monday"),
        (('["schedule:s"]', '["schedule:t"]'), "[escalation.p.levels #1]", "'targets'",
         "no [schedules.t]"),
        (("wait_minutes = 2.5", "wait_minutes = 0"), "[escalation.p.levels #1]",
         "'wait_minutes'", "greater than 0"),
        (('escalation = "p"', 'escalation = "q"'), "[services.api]", "'escalation'",
         "no [escalation.q]"),
        (('handoff = "09:00"', 'handoff = "9am"'), "[schedules.s.layers #1]", "'handoff'",
         'like "09:00"'),
        (('start = "2026-11-02"', 'start = "2026-11-02"\nrestrict = [{ from = "sat 00:00", '
          'to = "monday 00:00" }]'), "[schedules.s.layers #1.restrict #1]", "'from'",
         "saturday 00:00"),
    ],
)  # fmt: skip
def test_an_error_names_the_file_the_table_and_the_key(
    change: tuple[str, str], table: str, key: str, problem: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(UsageError) as raised:
        load_oncall([("/etc/warroom/config.toml", tomllib.loads(text))])
    message = str(raised.value)
    assert message.startswith("bad configuration in /etc/warroom/config.toml: ")
    assert f"{table} key {key}" in message and problem in message, message


def test_an_alias_used_twice_is_an_error() -> None:
    text = GOOD + '[people.dave]\naliases = ["dana.k"]\n'
    with pytest.raises(UsageError, match=r"\[people.dave\] key 'aliases': 'dana.k' already names"):
        load_oncall([("a.toml", tomllib.loads(text))])


def test_secrets_are_read_only_when_revealed_and_never_shown(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "frank.url").write_text("ntfy://ntfy.sh/s3cret\n")
    text = """
[people.frank]
apprise = ["file:secrets/frank.url", "env:DANA_URL", "slack://T000/B000/XXXX"]
"""
    tables = load_oncall([(tmp_path / "oncall.toml", tomllib.loads(text))])
    by_file, by_env, literal = tables.people["frank"].addresses
    assert by_file.reveal({}) == "ntfy://ntfy.sh/s3cret"  # relative to the file naming it
    assert by_env.reveal({"DANA_URL": "json://hook"}) == "json://hook"
    assert [a.shown for a in (by_file, by_env, literal)] == [
        "file:secrets/frank.url",
        "env:DANA_URL",
        "slack://***",
    ]
    assert "XXXX" not in repr(tables.people["frank"]) and "s3cret" not in repr(tables)
    with pytest.raises(UsageError, match="env:DANA_URL: the environment variable DANA_URL"):
        by_env.reveal({})


def test_settings_read_service_files_then_the_config_files(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "oncall.toml").write_text(GOOD)
    (tmp_path / "more.toml").write_text('[services.web]\nowner = "web"\n')
    (tmp_path / "site.toml").write_text('service_files = ["team/oncall.toml"]\n')
    (tmp_path / "user.toml").write_text('[services.api]\nowner = "me"\n')
    env = {
        "WARROOM_SITE_CONFIG": str(tmp_path / "site.toml"),
        "WARROOM_CONFIG": str(tmp_path / "user.toml"),
        "WARROOM_SERVICE_FILES": str(tmp_path / "more.toml"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
    }
    tables = load_settings({}, env).oncall()
    assert tables.services["api"].owner == "me"  # the user's file replaced the entry
    assert tables.services["api"].escalation is None
    assert tables.services["web"].owner == "web"
    assert set(tables.schedules) == {"s"}


def test_a_service_file_error_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "oncall.toml").write_text(GOOD.replace("wait_minutes = 2.5", "wait_minutes = -1"))
    (tmp_path / "user.toml").write_text('service_files = ["oncall.toml", "missing.toml"]\n')
    env = {"WARROOM_CONFIG": str(tmp_path / "user.toml"), "WARROOM_SITE_CONFIG": "/nonexistent"}
    with pytest.raises(UsageError) as raised:
        load_settings({}, env).oncall()
    assert f"{tmp_path / 'missing.toml'} does not exist" in str(raised.value)
    (tmp_path / "user.toml").write_text('service_files = ["oncall.toml"]\n')
    with pytest.raises(UsageError) as raised:
        load_settings({}, env).oncall()
    assert str(raised.value).startswith(f"bad configuration in {tmp_path / 'oncall.toml'}: ")
    assert "[escalation.p.levels #1] key 'wait_minutes'" in str(raised.value)
