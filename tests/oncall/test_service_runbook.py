"""`[services.NAME] runbook` takes precedence over the runbooks' front matter
when an incident is declared for the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.conftest import assert_safe


def test_the_service_table_names_the_runbook(warroom: Any, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[services.orders-db]\nrunbook = "rollback-bad-deploy"\n'
        '[services.payments-db]\nowner = "payments"\n'
    )
    named = warroom("declare", "Orders DB slow", "--service", "orders-db")
    assert_safe(named)
    assert named.returncode == 0, named.stderr
    assert "runbook Roll back a bad deploy attached" in named.stderr
    assert "[services.orders-db] names it" in named.stderr
    # An entry without a runbook: the front matter's match, as before.
    matched = warroom("declare", "Payments DB slow", "--service", "payments-db")
    assert "it lists the service payments-db" in matched.stderr, matched.stderr
    assert "runbook Roll back" not in matched.stderr


def test_a_runbook_the_library_lacks_is_said_and_the_incident_declared(
    warroom: Any, tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text('[services.orders-db]\nrunbook = "no-such-runbook"\n')
    done = warroom("declare", "Orders DB slow", "--service", "orders-db")
    assert done.returncode == 0 and done.stdout == "INC-1\n", done
    assert "no runbook attached" in done.stderr and "no-such-runbook" in done.stderr
