"""`warroom list` prints its incidents in columns: the lead, the age and the
next update start at the same place on every line, whatever the titles."""

from __future__ import annotations

import unicodedata


def _column(line: str, needle: str) -> int:
    """The terminal column where `needle` starts (wide characters take two)."""
    before = line[: line.index(needle)]
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in before)


def test_list_columns_line_up(warroom) -> None:
    for title, sev in (
        ("Checkout down", "1"),
        ("Slow admin page for every user in every region since the 03:00 deploy", "3"),
        ("数据库 慢", "2"),
    ):
        assert warroom("declare", title, "--sev", sev).returncode == 0
    assert warroom("assign", "2", "lead", "bo").returncode == 0
    listed = warroom("list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["INC-1", "INC-3", "INC-2"]
    for needle in ("SEV", "investigating", "lead: ", "age: ", "next update "):
        assert len({_column(line, needle) for line in lines}) == 1, (needle, listed.stdout)
    assert "lead: bo " in lines[2]  # a short lead is padded, not glued to the age
