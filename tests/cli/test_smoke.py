"""The command line end to end: the first thing a new user does."""

import json


def test_declare_then_list_and_show(warroom):
    declared = warroom("declare", "Checkout API 502s", "--sev", "2", "--service", "checkout")
    assert declared.returncode == 0, declared.stderr
    assert declared.stdout.strip() == "INC-1"
    listed = warroom("list")
    assert "INC-1" in listed.stdout and "Checkout API 502s" in listed.stdout
    shown = json.loads(warroom("show", "INC-1", "--json").stdout)
    assert shown["severity"] == 2
    assert shown["roles"] == {"lead": ["tester"]}
