"""Who is on call, until when, and who is next: fixed instants across both
daylight-saving changes in New York and Berlin, weekly and N-hour layers,
restrict windows and overrides.  Schedules are written as TOML, as a team
would write them, and read by the real loader."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta

from warroom.core.oncall.load import load_oncall
from warroom.core.oncall.model import OnCall, Override, Schedule
from warroom.core.oncall.schedule import handoff, on_call, person_at

PEOPLE = """
[people.dana]
[people.erik]
[people.frank]
[people.gina]
"""


def tables(text: str) -> OnCall:
    return load_oncall([("test.toml", tomllib.loads(PEOPLE + text))])


def schedule(text: str, name: str = "s") -> Schedule:
    return tables(text).schedules[name]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def daily(zone: str, at: str, start: str = "2026-01-05") -> Schedule:
    return schedule(f"""
[schedules.s]
timezone = "{zone}"
[[schedules.s.layers]]
people = ["dana", "erik"]
shift = "daily"
handoff = "{at}"
start = "{start}"
""")


# -- New York: spring forward 2026-03-08 02:00 -> 03:00, fall back 2026-11-01 02:00 -> 01:00


def test_new_york_hand_off_in_the_spring_gap_moves_to_the_first_valid_minute() -> None:
    s = daily("America/New_York", "02:30")
    # 2026-03-08 02:30 does not exist: the hand-off is at 03:00 EDT = 07:00Z.
    days = (datetime(2026, 3, 8).date() - datetime(2026, 1, 5).date()).days
    assert handoff(s.layers[0], s.timezone, days) == utc(2026, 3, 8, 7, 0)
    before = on_call(s, utc(2026, 3, 8, 6, 59))
    after = on_call(s, utc(2026, 3, 8, 7, 0))
    assert before.until == utc(2026, 3, 8, 7, 0) and before.next == after.person
    assert before.person != after.person
    # The day before and after, the hand-off is 02:30 local as written.
    assert on_call(s, utc(2026, 3, 7, 8, 0)).until == utc(2026, 3, 8, 7, 0)
    assert after.until == utc(2026, 3, 9, 6, 30)  # 02:30 EDT


def test_new_york_hand_off_in_the_repeated_hour_takes_the_first_occurrence() -> None:
    s = daily("America/New_York", "01:30")
    # 2026-11-01 01:30 happens twice: first at 05:30Z (EDT), then 06:30Z (EST).
    first = on_call(s, utc(2026, 11, 1, 5, 0))
    assert first.until == utc(2026, 11, 1, 5, 30)
    taken = on_call(s, utc(2026, 11, 1, 5, 30))
    assert taken.person == first.next
    # The second 01:30 hands nothing over: that shift lasts 25 hours.
    assert on_call(s, utc(2026, 11, 1, 6, 30)).person == taken.person
    assert taken.until == utc(2026, 11, 2, 6, 30)  # 01:30 EST


def test_new_york_weekly_shifts_keep_nine_local_across_fall_back() -> None:
    s = schedule("""
[schedules.s]
timezone = "America/New_York"
[[schedules.s.layers]]
people = ["dana", "erik"]
shift = "weekly"
handoff = "09:00"
handoff_day = "monday"
start = "2026-10-19"
""")
    # dana from Mon 19 Oct, erik from Mon 26 Oct 09:00 EDT (13:00Z), dana from
    # Mon 2 Nov 09:00 EST (14:00Z): that week is 7 days and one hour long.
    assert person_at(s, utc(2026, 10, 19, 13, 0)) == "dana"
    now = on_call(s, utc(2026, 10, 30, 12, 0))
    assert (now.person, now.until, now.next) == ("erik", utc(2026, 11, 2, 14, 0), "dana")
    assert person_at(s, utc(2026, 11, 2, 13, 59)) == "erik"
    assert on_call(s, utc(2026, 11, 2, 14, 0)).until == utc(2026, 11, 9, 14, 0)


def test_before_the_first_shift_nobody_is_on_call_until_it_starts() -> None:
    s = daily("America/New_York", "09:00", start="2026-11-02")
    now = on_call(s, utc(2026, 10, 1))
    assert (now.person, now.until, now.next) == (None, utc(2026, 11, 2, 14, 0), "dana")


# -- Berlin: spring forward 2026-03-29 02:00 -> 03:00, fall back 2026-10-25 03:00 -> 02:00


def test_berlin_hand_off_in_the_spring_gap_moves_to_the_first_valid_minute() -> None:
    s = daily("Europe/Berlin", "02:15")
    now = on_call(s, utc(2026, 3, 28, 12, 0))
    assert now.until == utc(2026, 3, 29, 1, 0)  # 03:00 CEST, the first valid minute
    assert on_call(s, utc(2026, 3, 29, 1, 0)).until == utc(2026, 3, 30, 0, 15)


def test_berlin_hand_off_in_the_repeated_hour_takes_the_first_occurrence() -> None:
    s = daily("Europe/Berlin", "02:30")
    now = on_call(s, utc(2026, 10, 24, 12, 0))
    assert now.until == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not 02:30 CET (01:30Z)
    assert on_call(s, utc(2026, 10, 25, 1, 30)).person == now.next


def test_berlin_twelve_hour_shifts_follow_the_wall_clock() -> None:
    s = schedule("""
[schedules.s]
timezone = "Europe/Berlin"
[[schedules.s.layers]]
people = ["dana", "erik"]
shift = 12
handoff = "08:00"
start = "2026-10-20"
""")
    # 20:00 CEST on the 24th (18:00Z) to 08:00 CET on the 25th (07:00Z): 13 hours.
    night = on_call(s, utc(2026, 10, 24, 19, 0))
    assert night.until == utc(2026, 10, 25, 7, 0)
    day = on_call(s, night.until)
    assert day.person == night.next and day.until == utc(2026, 10, 25, 19, 0)
    # And the spring night is 11 hours: 20:00 CET (19:00Z) to 08:00 CEST (06:00Z).
    spring = on_call(s, utc(2027, 3, 27, 20, 0))
    assert spring.until == utc(2027, 3, 28, 6, 0)


def test_a_shift_of_hours_not_dividing_a_day_keeps_rotating() -> None:
    s = schedule("""
[schedules.s]
timezone = "UTC"
[[schedules.s.layers]]
people = ["dana", "erik", "frank"]
shift = 7.5
handoff = "00:00"
start = "2026-01-01"
""")
    start = utc(2026, 1, 1)
    for n in range(30):
        at = start + timedelta(hours=7.5 * n + 1)
        assert person_at(s, at) == ("dana", "erik", "frank")[n % 3]


# -- layers and restrict windows


WEEKENDS = """
[schedules.s]
timezone = "America/New_York"
[[schedules.s.layers]]
people = ["dana", "erik"]
shift = "weekly"
handoff = "09:00"
start = "2026-11-02"
[[schedules.s.layers]]
people = ["gina"]
shift = "weekly"
handoff = "00:00"
start = "2026-11-07"
restrict = [{ from = "saturday 00:00", to = "monday 00:00" }]
"""


def test_a_later_layer_takes_over_only_inside_its_restrict_window() -> None:
    s = schedule(WEEKENDS)
    friday = on_call(s, utc(2026, 11, 6, 20, 0))  # Friday 15:00 EST: dana's week
    assert (friday.person, friday.next) == ("dana", "gina")
    assert friday.until == utc(2026, 11, 7, 5, 0)  # Saturday 00:00 EST
    weekend = on_call(s, utc(2026, 11, 8, 12, 0))
    # Monday 00:00 gives the rest of the night back to dana, whose week runs to 09:00.
    assert (weekend.person, weekend.until, weekend.next) == (
        "gina",
        utc(2026, 11, 9, 5, 0),
        "dana",
    )
    monday = on_call(s, utc(2026, 11, 9, 6, 0))
    assert (monday.person, monday.until, monday.next) == ("dana", utc(2026, 11, 9, 14, 0), "erik")


def test_a_nightly_window_wraps_round_midnight_across_daylight_saving() -> None:
    s = schedule("""
[schedules.s]
timezone = "Europe/Berlin"
[[schedules.s.layers]]
people = ["dana"]
shift = "weekly"
handoff = "09:00"
start = "2026-10-05"
[[schedules.s.layers]]
people = ["frank"]
shift = "daily"
handoff = "09:00"
start = "2026-10-05"
restrict = [{ from = "18:00", to = "08:00" }]
""")
    evening = on_call(s, utc(2026, 10, 24, 15, 0))  # 17:00 CEST
    assert (evening.person, evening.until, evening.next) == (
        "dana",
        utc(2026, 10, 24, 16, 0),
        "frank",
    )
    night = on_call(s, evening.until)
    assert (night.person, night.until) == ("frank", utc(2026, 10, 25, 7, 0))  # 08:00 CET
    assert person_at(s, utc(2026, 10, 25, 12, 0)) == "dana"


# -- overrides


def test_an_override_in_the_file_beats_the_layers_and_ends_when_it_says() -> None:
    s = schedule(
        WEEKENDS
        + """
[[schedules.s.overrides]]
person = "frank"
from = "2026-12-24T18:00"
to = "2026-12-27T09:00"
"""
    )
    before = on_call(s, utc(2026, 12, 24, 12, 0))
    assert (before.person, before.until, before.next) == ("erik", utc(2026, 12, 24, 23, 0), "frank")
    during = on_call(s, utc(2026, 12, 26, 12, 0))  # a Saturday: frank beats gina's weekend too
    # It ends on Sunday 09:00 EST, inside gina's weekend.
    assert (during.person, during.until, during.next) == ("frank", utc(2026, 12, 27, 14, 0), "gina")


def test_an_override_with_a_zone_keeps_it_and_a_later_one_wins() -> None:
    s = schedule(
        WEEKENDS
        + """
[[schedules.s.overrides]]
person = "frank"
from = "2026-11-03T00:00Z"
to = "2026-11-04T00:00Z"
"""
    )
    assert person_at(s, utc(2026, 11, 3, 0, 0)) == "frank"
    later = Override("erik", utc(2026, 11, 3, 6, 0), utc(2026, 11, 3, 7, 0), "ov1", "store")
    now = on_call(s, utc(2026, 11, 3, 5, 0), [later])
    assert (now.person, now.until, now.next) == ("frank", utc(2026, 11, 3, 6, 0), "erik")
    assert on_call(s, utc(2026, 11, 3, 6, 30), [later]).next == "frank"


def test_one_person_on_a_rotation_is_on_call_until_further_notice() -> None:
    s = schedule("""
[schedules.s]
timezone = "UTC"
[[schedules.s.layers]]
people = ["dana"]
shift = 8
handoff = "00:00"
start = "2026-01-01"
""")
    now = on_call(s, utc(2026, 6, 1))
    assert (now.person, now.until, now.next) == ("dana", None, None)
