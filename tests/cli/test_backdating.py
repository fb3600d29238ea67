"""Back-dating has bounds: a 1971 impact start would poison the metrics."""

from __future__ import annotations

from tests.cli.conftest import assert_fails


def test_an_impact_start_in_1971_is_refused_and_nothing_is_stored(warroom) -> None:
    refused = warroom("declare", "Checkout 5xx", "--sev", "2", "--started-at", "1971-01-01")
    assert_fails(refused, 1, "started time 1971-01-01", "more than 30 days before the declaration")
    assert "INC-1" not in warroom("list", "--all").stdout


def test_a_note_dated_long_before_the_incident_is_refused(warroom) -> None:
    assert warroom("declare", "Checkout 5xx", "--sev", "2").returncode == 0
    refused = warroom("log", "1", "from the past", "--at", "1970-01-02 00:00")
    assert_fails(refused, 1, "more than 30 days before INC-1's impact start")
    assert "from the past" not in warroom("timeline", "1").stdout
