"""Reading typed times (`parse_time`) and making untrusted text safe (`warroom.core.text`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from warroom.core.errors import UsageError
from warroom.core.text import (
    REPLACEMENT,
    clean,
    clean_line,
    csv_safe,
    markdown_escape,
    markdown_unescape,
)
from warroom.core.timeparse import parse_time

NOW = datetime(2026, 11, 26, 3, 40, tzinfo=UTC)
INDIA = timezone(timedelta(hours=5, minutes=30))  # 03:40Z is 09:10 there
NEW_YORK_WINTER = timezone(timedelta(hours=-5))  # 03:40Z is 22:40 the day before


def utc(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


# -- absolute --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T03:02Z", utc(26, 3, 2)),
        ("2026-11-26T03:02:30Z", utc(26, 3, 2, 30)),
        ("2026-11-26T03:02:00+01:00", utc(26, 2, 2)),
        ("2026-11-25T23:00:00-05:00", utc(26, 4, 0)),
    ],
)
def test_iso_times_with_a_zone_ignore_the_local_zone(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW, local=UTC) == expected
    assert parse_time(text, NOW, local=INDIA) == expected


@pytest.mark.parametrize(
    ("local", "expected"),
    [(UTC, utc(26, 3, 2)), (INDIA, utc(25, 21, 32)), (NEW_YORK_WINTER, utc(26, 8, 2))],
)
def test_a_time_without_a_zone_is_local(local: timezone, expected: datetime) -> None:
    assert parse_time("2026-11-26 03:02", NOW, local=local) == expected
    assert parse_time("2026-11-26T03:02", NOW, local=local) == expected


def test_a_date_alone_is_local_midnight() -> None:
    assert parse_time("2026-11-25", NOW, local=UTC) == utc(25, 0, 0)


def test_an_hour_without_minutes_means_on_the_hour() -> None:
    """'Nov 25 3pm' is 15:00, not 15 h plus the minutes of the current time."""
    assert parse_time("Nov 25 3pm", NOW, local=UTC) == utc(25, 15, 0)
    assert parse_time("2026-11-25 3pm", NOW, local=INDIA) == utc(25, 9, 30)


def test_results_are_utc() -> None:
    for text in ("2026-11-26 03:02", "03:02", "-5m", "now", "2026-11-26T03:02:00+01:00"):
        assert parse_time(text, NOW, local=INDIA).tzinfo is UTC


# -- a bare clock time: its most recent past occurrence ---------------------


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (utc(26, 3, 40), "03:02", utc(26, 3, 2)),  # earlier today
        (utc(26, 1, 0), "03:02", utc(25, 3, 2)),  # not yet today: yesterday
        (utc(26, 3, 40), "03:40", utc(26, 3, 40)),  # this very minute is today
        (utc(26, 3, 40), "03:41", utc(25, 3, 41)),
        (utc(26, 3, 40), "3:02:10", utc(26, 3, 2, 10)),
        (utc(26, 3, 40), "00:00", utc(26, 0, 0)),
        (utc(26, 3, 40), "23:59", utc(25, 23, 59)),
    ],
)
def test_a_clock_time_in_utc(now: datetime, text: str, expected: datetime) -> None:
    assert parse_time(text, now, local=UTC) == expected


@pytest.mark.parametrize(
    ("local", "text", "expected"),
    [
        (INDIA, "09:00", utc(26, 3, 30)),  # 09:00 local today, before 09:10
        (INDIA, "10:00", utc(25, 4, 30)),  # 10:00 local is still ahead: yesterday's
        (INDIA, "03:02", utc(25, 21, 32)),  # "03:02" means local 03:02, not UTC
        (NEW_YORK_WINTER, "22:00", utc(26, 3, 0)),  # 22:00 local on Nov 25
        (NEW_YORK_WINTER, "23:00", utc(25, 4, 0)),  # 23:00 local on Nov 24
        (NEW_YORK_WINTER, "01:00", utc(25, 6, 0)),  # 01:00 local on Nov 25
    ],
)
def test_a_clock_time_in_another_zone(local: timezone, text: str, expected: datetime) -> None:
    assert parse_time(text, NOW, local=local) == expected


def test_a_clock_time_is_never_in_the_future() -> None:
    for hour in range(24):
        for minute in (0, 39, 40, 41, 59):
            moment = parse_time(f"{hour:02d}:{minute:02d}", NOW, local=INDIA)
            assert NOW - timedelta(days=1) < moment <= NOW


# -- relative --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("now", timedelta(0)),
        ("NOW", timedelta(0)),
        ("-5m", timedelta(minutes=5)),
        (" -5m ", timedelta(minutes=5)),
        ("5m ago", timedelta(minutes=5)),
        ("5 MIN AGO", timedelta(minutes=5)),
        ("10 minutes ago", timedelta(minutes=10)),
        ("-1h30m", timedelta(hours=1, minutes=30)),
        ("-1h 30m", timedelta(hours=1, minutes=30)),
        ("1h30m ago", timedelta(hours=1, minutes=30)),
        ("2 hours ago", timedelta(hours=2)),
        ("-90s", timedelta(seconds=90)),
        ("1 day ago", timedelta(days=1)),
        ("-1.5h", timedelta(hours=1, minutes=30)),
    ],
)
def test_relative_times_count_back_from_now(text: str, ago: timedelta) -> None:
    assert parse_time(text, NOW, local=INDIA) == NOW - ago


# -- malformed -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "soon",
        "yesterday-ish",
        "-5",
        "-5x",
        "5 parsecs ago",
        "ago",
        "-",
        "25:00",
        "03:61",
        "03:02:99",
        "2026-13-45",
    ],
)
def test_malformed_times_raise_a_usage_error_with_a_hint(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_time(text, NOW, local=UTC)
    message = str(caught.value)
    assert "use e.g. '03:02', '-5m', '10 minutes ago'" in message
    assert "\n" not in message
    if text.strip():
        assert repr(text.strip()) in message or repr(text) in message


# -- clean / clean_line ----------------------------------------------------

R = REPLACEMENT


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("a\x1b[31mred", f"a{R}[31mred"),  # CSI colour
        ("\x1b]0;pwned\x07title", f"{R}]0;pwned{R}title"),  # OSC window title, BEL
        ("\x1b]52;c;ZXZpbA==\x1b\\", f"{R}]52;c;ZXZpbA=={R}\\"),  # OSC 52 clipboard, ST
        ("\x9b31mC1 CSI", f"{R}31mC1 CSI"),
        ("\x9d0;title\x9c", f"{R}0;title{R}"),  # C1 OSC and ST
        ("next\x85line", f"next{R}line"),  # C1 NEL
        ("del\x7fete", f"del{R}ete"),
        ("nul\x00byte", f"nul{R}byte"),
        ("bell\x07", f"bell{R}"),
        ("back\x08space", f"back{R}space"),
        ("carriage\rreturn", f"carriage{R}return"),
        ("admin\u202egnp.exe", f"admin{R}gnp.exe"),  # RIGHT-TO-LEFT OVERRIDE
        ("\u2066isolate\u2069", f"{R}isolate{R}"),
        ("\u200emark\u200f\u061c", f"{R}mark{R}{R}"),
    ],
)
def test_clean_replaces_what_a_terminal_would_obey(raw: str, safe: str) -> None:
    assert clean(raw) == safe
    assert clean_line(raw) == safe


def test_clean_keeps_tab_newline_and_ordinary_text() -> None:
    text = "Checkout 502s\n\tcafé – 障害 🔥 [@click=app.quit]x[/] <b>"
    assert clean(text) == text


def test_clean_line_makes_one_line() -> None:
    assert clean_line("one\ntwo\tthree\r\nfour") == "one two three four"
    assert clean_line("a\x1b[2Jb\nc") == f"a{R}[2Jb c"


def test_clean_leaves_nothing_a_terminal_would_obey() -> None:
    everything = "".join(chr(code) for code in range(0x00, 0xA0)) + "\u202a\u202b\u202c\u202d"
    for cleaned in (clean(everything), clean_line(everything)):
        assert not any(0x00 <= ord(c) < 0x20 and c not in "\t\n" for c in cleaned)
        assert not any(0x7F <= ord(c) <= 0x9F for c in cleaned)
        assert not any(c in "\u202a\u202b\u202c\u202d" for c in cleaned)
    assert "\n" not in clean_line(everything) and "\t" not in clean_line(everything)


def test_clean_of_nothing_is_nothing() -> None:
    assert clean("") == "" and clean_line("") == ""


# -- markdown_escape / csv_safe --------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("# not a heading", r"\# not a heading"),
        ("[click](https://evil.example)", r"\[click\](https://evil.example)"),
        ("<script>alert(1)</script>", r"\<script>alert(1)\</script>"),
        ("*bold* _it_ `code` ~~s~~", r"\*bold\* \_it\_ \`code\` \~\~s\~\~"),
        ("back\\slash", r"back\\slash"),
        ("line one\n# line two", "line one # line two"),
        ("1. one", r"1\. one"),
        ("- item", r"\- item"),
        ("> quote", r"\> quote"),
        ("===", r"\==="),
        ("closing #", r"closing \#"),
        ("&amp; &#60;", r"\&amp; \&#60;"),
        ("plain words", "plain words"),
    ],
)
def test_markdown_escape_adds_no_structure(raw: str, escaped: str) -> None:
    assert markdown_escape(raw) == escaped
    assert markdown_unescape(escaped) == raw.replace("\n", " ")


@pytest.mark.parametrize(
    "words",
    [
        "db-2 (service db): follow-up",
        "Checkout API: 5xx on 40% of requests, v1.2.3 rolled back!",
        "snake_case a < b R&D 3 * 4 a|b + c = d",
        "see https://status.example/x?y=1#z",
    ],
)
def test_markdown_escape_leaves_words_as_typed(words: str) -> None:
    """A reader of the raw Markdown sees `db-2`, not `db\\-2` (nothing structural here)."""
    expected = words.replace("3 * 4", r"3 \* 4")
    assert markdown_escape(words) == expected


def test_markdown_escape_in_a_cell_escapes_the_pipe() -> None:
    assert markdown_escape("a | b", cell=True) == r"a \| b"
    assert markdown_escape("a | b") == "a | b"


def test_markdown_escape_cleans_controls_too() -> None:
    assert markdown_escape("a\x1b]0;x\x07") == rf"a{R}\]0;x{R}"


@pytest.mark.parametrize(
    "lead", ["=", "+", "-", "@", "\t", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe62", "\u2212"]
)
def test_csv_safe_defuses_formulas(lead: str) -> None:
    assert csv_safe(f'{lead}HYPERLINK("https://evil")') == f'\'{lead}HYPERLINK("https://evil")'


@pytest.mark.parametrize("text", ["DB is slow", "a=b", "5 - 3", "", "multi\nline"])
def test_csv_safe_leaves_ordinary_text(text: str) -> None:
    assert csv_safe(text) == text


def test_csv_safe_cleans_controls() -> None:
    assert csv_safe("x\x1b[31m\x7f") == f"x{R}[31m{R}"
    assert csv_safe("\x1b=1") == f"{R}=1"
