"""Rules decide what an alert does: the shipped defaults (critical declares
SEV2, the rest waits in the inbox), the config file's rules first and the
first match wins, regular expressions match whole values, severity from the
alert's own severity word, grouping by labels, the service label; a config
error names the file, the rule and the key."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.conftest import payload
from warroom.config import load_settings
from warroom.core.alerts.model import Alert
from warroom.core.alerts.rules import (
    AlertSettings,
    Rules,
    alert_settings,
    default_document,
    load_rules,
)
from warroom.core.alerts.sources import parse
from warroom.core.errors import UsageError
from warroom.resources import data_path

USER = Path("/home/me/.config/warroom/config.toml")
SITE = Path("/etc/warroom/config.toml")


def am(**labels: str) -> Alert:
    """The documented Alertmanager alert with these labels changed ("" removes one)."""
    [alert] = parse("alertmanager", payload("alertmanager_firing"))
    merged = {k: v for k, v in {**alert.labels, **labels}.items() if v != ""}
    return replace(alert, labels=merged, severity=merged.get("severity", ""))


def rules(text: str, path: Path = USER) -> Rules:
    return load_rules([(path, tomllib.loads(text))])


# -- the defaults ---------------------------------------------------------------


def test_the_defaults_ship_in_data_and_declare_critical_as_sev2() -> None:
    path, document = default_document()
    assert path == data_path("alert_rules.toml") and document["alert_rules"]
    defaults = load_rules()
    critical = defaults.decide(am())
    assert (critical.action, critical.severity) == ("declare", 2)
    assert critical.rule == "critical-declares"
    assert critical.service == "http_checks"  # labels.job
    warning = defaults.decide(am(severity="warning"))
    assert (warning.action, warning.severity, warning.rule) == ("inbox", 3, "inbox")
    assert defaults.decide(am(severity="")).action == "inbox"
    assert defaults.decide(am(severity="CRITICAL")).action == "declare"


def test_the_defaults_for_every_documented_payload() -> None:
    defaults = load_rules()
    [pd] = parse("pagerduty", payload("pagerduty_trigger"))
    decision = defaults.decide(pd)
    assert (decision.action, decision.severity, decision.service) == ("declare", 2, "mysql")
    assert decision.group_key == "pagerduty:srv01/mysql"
    first, second = parse("grafana", payload("grafana_firing"))
    assert defaults.decide(first).action == "inbox"  # no severity label
    assert defaults.decide(first).group_key == defaults.decide(second).group_key == "grafana:{}:{}"
    assert defaults.decide(first).service is None
    [generic] = parse("generic", payload("generic_firing"))
    decided = defaults.decide(generic)
    assert (decided.action, decided.service) == ("declare", "backups")
    assert decided.group_key == "generic:backup-nightly-db1"


def test_config_rules_come_before_the_defaults_and_the_first_match_wins() -> None:
    configured = rules(
        """
        [[alert_rules]]
        name = "db pages"
        match = { job = "http_checks", monitor = "master" }
        action = "declare"
        severity = 1

        [[alert_rules]]
        name = "never reached for http_checks"
        match = { job = "http_checks" }
        action = "drop"
        """
    )
    decision = configured.decide(am())
    assert (decision.action, decision.severity, decision.rule) == ("declare", 1, "db pages")
    assert configured.decide(am(monitor="replica")).action == "drop"
    assert configured.decide(am(job="other")).rule == "critical-declares"  # the defaults


def test_the_users_rules_come_before_the_sites(tmp_path: Path) -> None:
    site, user = tmp_path / "site.toml", tmp_path / "user.toml"
    site.write_text(
        '[[alert_rules]]\nname = "site"\naction = "drop"\n[alerts]\nretention_days = 7\n'
    )
    user.write_text(
        '[[alert_rules]]\nname = "user"\nmatch = { job = "http_checks" }\naction = "inbox"\n'
        "[alerts]\nretention_days = 14\nreopen_window_minutes = 5\n"
    )
    settings = load_settings(env={"WARROOM_SITE_CONFIG": str(site), "WARROOM_CONFIG": str(user)})
    loaded = settings.alert_rules()
    assert [rule.name for rule in loaded][:2] == ["user", "site"]
    assert loaded.decide(am()).rule == "user"
    assert loaded.decide(am(job="x")).rule == "site"
    assert settings.alert_settings() == AlertSettings(
        reopen_window=timedelta(minutes=5), retention=timedelta(days=14)
    )


def test_an_unnamed_rule_is_named_by_its_file_and_place() -> None:
    decision = rules('[[alert_rules]]\naction = "inbox"').decide(am())
    assert decision.rule == f"{USER}:1"


# -- matching ---------------------------------------------------------------------


def test_match_re_is_a_full_match() -> None:
    configured = rules(
        """
        [[alert_rules]]
        name = "probes"
        match_re = { alertname = "Probe.*", instance = "https://[a-z.]+" }
        action = "drop"
        """
    )
    assert configured.decide(am()).rule == "probes"
    assert configured.decide(am(alertname="ProbeFailureX")).rule == "probes"
    assert configured.decide(am(alertname="XProbeFailure")).rule != "probes"  # not a search
    assert configured.decide(am(instance="https://server.example.org:443")).rule != "probes"
    partial = rules('[[alert_rules]]\nmatch_re = { alertname = "Probe" }\naction = "drop"')
    assert partial.decide(am()).action != "drop"  # "Probe" is not the whole of "ProbeFailure"


def test_a_missing_label_matches_as_empty() -> None:
    configured = rules(
        '[[alert_rules]]\nname = "no env"\nmatch = { env = "" }\naction = "drop"\n'
        '[[alert_rules]]\nname = "any env"\nmatch_re = { env = ".+" }\naction = "inbox"\n'
    )
    assert configured.decide(am()).rule == "no env"
    assert configured.decide(am(env="prod")).rule == "any env"


def test_source_limits_a_rule() -> None:
    configured = rules(
        '[[alert_rules]]\nname = "pd"\nsource = "pagerduty"\naction = "drop"\n'
        '[[alert_rules]]\nname = "am or grafana"\nsource = ["alertmanager", "grafana"]\n'
        'action = "inbox"\n'
    )
    [pd] = parse("pagerduty", payload("pagerduty_trigger"))
    assert configured.decide(pd).rule == "pd"
    assert configured.decide(am()).rule == "am or grafana"


def test_severity_from_maps_the_alerts_severity_word() -> None:
    configured = rules(
        """
        [[alert_rules]]
        name = "by word"
        action = "declare"
        severity_from = { critical = 1, Error = 2, warning = 3 }
        """
    )
    assert configured.decide(am()).severity == 1
    assert configured.decide(am(severity="ERROR")).severity == 2
    assert configured.decide(am(severity="warning")).severity == 3
    assert configured.decide(am(severity="info")).severity == 3  # not in the map: the default
    [pd] = parse("pagerduty", payload("pagerduty_trigger"))
    assert configured.decide(pd).severity == 1


def test_group_by_labels_makes_one_group_per_value_combination() -> None:
    configured = rules(
        '[[alert_rules]]\nname = "by cluster"\ngroup_by = ["cluster", "alertname"]\n'
        'action = "declare"\nseverity = 2\n'
    )
    one = configured.decide(am(cluster="eu"))
    same = configured.decide(replace(am(cluster="eu"), key="other", group="other group"))
    other = configured.decide(am(cluster="us"))
    assert one.group_key == same.group_key
    assert one.group_key == "alertmanager:rule:by cluster:alertname=ProbeFailure,cluster=eu"
    assert other.group_key != one.group_key
    assert configured.decide(am()).group_key.endswith("alertname=ProbeFailure,cluster=")


def test_without_group_by_the_sources_own_group_else_the_key() -> None:
    defaults = load_rules()
    alert = am()
    assert defaults.decide(alert).group_key == f"alertmanager:{alert.group}"
    assert defaults.decide(replace(alert, group="")).group_key == f"alertmanager:{alert.key}"


def test_the_service_label_of_a_rule_then_service_then_job_then_the_hint() -> None:
    configured = rules('[[alert_rules]]\nservice = "app"\naction = "inbox"')
    assert configured.decide(am(app="checkout", service="svc")).service == "checkout"
    assert configured.decide(am(service="svc")).service == "svc"
    assert configured.decide(am()).service == "http_checks"  # job
    assert configured.decide(replace(am(job=""), service_hint="hinted")).service == "hinted"
    assert configured.decide(am(job="")).service is None


# -- config errors name the file, the rule and the key -------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "key"),
    [
        ('[[alert_rules]]\naction = "page"', "alert rule 1", "action"),
        ('[[alert_rules]]\nname = "x"', "alert rule 1 ('x')", "action"),
        ('[[alert_rules]]\naction = "inbox"\nmatch_re = { a = "(" }', "alert rule 1", "match_re.a"),
        ('[[alert_rules]]\naction = "inbox"\nmatch = { a = 1 }', "alert rule 1", "match"),
        ('[[alert_rules]]\naction = "inbox"\nmatch = "a=b"', "alert rule 1", "match"),
        ('[[alert_rules]]\naction = "inbox"\nsource = "nagios"', "alert rule 1", "source"),
        ('[[alert_rules]]\naction = "inbox"\nseverity = "high"', "alert rule 1", "severity"),
        ('[[alert_rules]]\naction = "inbox"\nseverity = true', "alert rule 1", "severity"),
        (
            '[[alert_rules]]\naction = "inbox"\nseverity_from = { critical = "one" }',
            "alert rule 1",
            "severity_from.critical",
        ),
        (
            '[[alert_rules]]\naction = "inbox"\nseverity = 1\nseverity_from = { critical = 1 }',
            "alert rule 1",
            "severity_from",
        ),
        ('[[alert_rules]]\naction = "inbox"\ngroup_by = "cluster"', "alert rule 1", "group_by"),
        ('[[alert_rules]]\naction = "inbox"\nservice = 3', "alert rule 1", "service"),
        ('[[alert_rules]]\naction = "inbox"\nmatches = { a = "b" }', "alert rule 1", "matches"),
        (
            '[[alert_rules]]\naction = "inbox"\n[[alert_rules]]\nname = "two"\naction = "nope"',
            "alert rule 2 ('two')",
            "action",
        ),
    ],
)
def test_a_config_error_names_the_file_the_rule_and_the_key(text: str, rule: str, key: str) -> None:
    with pytest.raises(UsageError) as error:
        rules(text)
    message = str(error.value)
    assert message.startswith(f"{USER}: {rule}: {key}:"), message


def test_alert_rules_must_be_an_array_of_tables() -> None:
    with pytest.raises(UsageError, match="alert_rules must be an array of tables"):
        rules('alert_rules = "declare everything"')


def test_a_regex_is_compiled_once_when_loaded() -> None:
    configured = rules('[[alert_rules]]\nmatch_re = { a = "x+" }\naction = "drop"')
    pattern = configured.rules[0].match_re["a"]
    configured.decide(am(a="xxx"))
    assert configured.rules[0].match_re["a"] is pattern


# -- [alerts] --------------------------------------------------------------------


def test_alert_settings_default_and_from_files() -> None:
    assert alert_settings() == AlertSettings(timedelta(minutes=60), timedelta(days=30))
    documents: list[tuple[Path, dict[str, Any]]] = [
        (USER, {"alerts": {"reopen_window_minutes": 0}}),
        (SITE, {"alerts": {"reopen_window_minutes": 90, "retention_days": 3}}),
    ]
    assert alert_settings(documents) == AlertSettings(timedelta(0), timedelta(days=3))


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"reopen_window_minutes": "60"}, "reopen_window_minutes"),
        ({"reopen_window_minutes": -1}, "reopen_window_minutes"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": True}, "retention_days"),
        ({"retension_days": 3}, "retension_days"),
    ],
)
def test_alert_settings_errors_name_the_file_and_key(table: dict[str, Any], key: str) -> None:
    with pytest.raises(UsageError) as error:
        alert_settings([(SITE, {"alerts": table})])
    assert str(error.value).startswith(f"{SITE}: [alerts] {key}:")
