"""Follow-ups (the guide's action items): the kinds, fold, validate, describe, the
cross-incident list and its filters, and a real SQLite store keeping them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.core.builder import Log, minutes
from warroom.core.catalog import Catalog
from warroom.core.clock import FixedClock
from warroom.core.describe import KIND_LABELS, describe
from warroom.core.errors import NotFound, Refused, UsageError
from warroom.core.events import make_event, new_id
from warroom.core.followups import (
    entries,
    entries_text,
    find,
    new_followup_id,
    parse_due,
    select,
)
from warroom.core.incident import Followup, Incident
from warroom.core.kinds import FOLLOWUP_ID, check_data
from warroom.store.sqlite import SQLiteStore

CATALOG = Catalog.default()
TODAY = date(2026, 12, 1)


def added(fid: str = "ab12cd34", **extra: Any) -> dict[str, Any]:
    return {"id": fid, "text": "Alert on 502 rate", "owner": "bob", "due": "2026-12-10", **extra}


@pytest.fixture
def log() -> Log:
    log = Log(CATALOG)
    log.declare(actor="alice")
    return log


# -- kinds -------------------------------------------------------------------


def test_added_data_is_checked_and_normalised() -> None:
    data = check_data("followup_added", added(text="  Alert on 502 rate  ", owner=" bob "))
    assert data == added()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"due": "2026-02-30"}, "due 2026-02-30 is not a date in the calendar"),
        ({"due": "2026-2-3"}, "due must be a date written YYYY-MM-DD"),
        ({"due": "next friday"}, "due must be a date written YYYY-MM-DD"),
        ({"due": "2026-12-10T10:00:00Z"}, "due must be a date written YYYY-MM-DD"),
        ({"due": 20261210}, "due must be a date written YYYY-MM-DD"),
        ({"due": None}, "due must be a date written YYYY-MM-DD"),
        ({"id": "AB12CD"}, "id must be 4 to 32 lowercase letters and digits"),
        ({"id": "ab1"}, "id must be 4 to 32 lowercase letters and digits"),
        ({"id": "ab12-x"}, "id must be 4 to 32 lowercase letters and digits"),
        ({"owner": "  "}, "owner must not be empty"),
        ({"text": ""}, "text must not be empty"),
    ],
)
def test_bad_followups_are_refused_with_a_reason(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(Refused) as refused:
        check_data("followup_added", added(**change))
    assert str(refused.value) == f"followup_added: {reason}"


def test_owner_and_due_are_required() -> None:
    for missing in ("owner", "due", "id", "text"):
        data = added()
        del data[missing]
        with pytest.raises(Refused, match=f"{missing} is missing"):
            check_data("followup_added", data)


def test_new_ids_are_short_valid_and_different() -> None:
    ids = {new_followup_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(fid) == 8 and FOLLOWUP_ID.match(fid) for fid in ids)


# -- fold --------------------------------------------------------------------


def test_a_followup_goes_open_done_verified(log: Log) -> None:
    add = log.add("followup_added", added(), actor="carol", at=minutes(30))
    state = log.state()
    assert state.followups == {
        "ab12cd34": Followup(
            id="ab12cd34",
            text="Alert on 502 rate",
            owner="bob",
            due=date(2026, 12, 10),
            added_by="carol",
            added_at=add.occurred_at,
        )
    }
    done = log.add("followup_done", {"id": "ab12cd34", "note": "PR 812"}, actor="bob")
    followup = log.state().followups["ab12cd34"]
    assert (followup.state, followup.done_by, followup.done_at) == ("done", "bob", done.occurred_at)
    assert followup.done_note == "PR 812"
    check = log.add("followup_verified", {"id": "ab12cd34"}, actor="dave")
    followup = log.state().followups["ab12cd34"]
    assert followup.state == "verified"
    assert (followup.verified_by, followup.verified_at) == ("dave", check.occurred_at)
    assert followup.verified_note is None


def test_followups_keep_the_order_they_were_added(log: Log) -> None:
    for fid in ("ffff0001", "aaaa0002", "cccc0003"):
        log.add("followup_added", added(fid))
    assert list(log.state().followups) == ["ffff0001", "aaaa0002", "cccc0003"]


# -- validate ----------------------------------------------------------------


def refused(log: Log, kind: str, data: dict[str, Any]) -> str:
    with pytest.raises(Refused) as error:
        log.add(kind, data)
    return str(error.value)


def test_done_only_when_open(log: Log) -> None:
    log.add("followup_added", added())
    log.add("followup_done", {"id": "ab12cd34"})
    assert refused(log, "followup_done", {"id": "ab12cd34"}) == "follow-up ab12cd34 is already done"
    log.add("followup_verified", {"id": "ab12cd34"})
    assert refused(log, "followup_done", {"id": "ab12cd34"}) == (
        "follow-up ab12cd34 is already verified"
    )


def test_verify_only_when_done(log: Log) -> None:
    log.add("followup_added", added())
    assert refused(log, "followup_verified", {"id": "ab12cd34"}) == (
        "follow-up ab12cd34 is still open: mark it done before verifying it"
    )
    log.add("followup_done", {"id": "ab12cd34"})
    log.add("followup_verified", {"id": "ab12cd34"})
    assert refused(log, "followup_verified", {"id": "ab12cd34"}) == (
        "follow-up ab12cd34 is already verified"
    )


@pytest.mark.parametrize("kind", ["followup_done", "followup_verified"])
def test_an_unknown_id_is_refused(log: Log, kind: str) -> None:
    log.add("followup_added", added())
    assert refused(log, kind, {"id": "ab12cd35"}) == f"no follow-up 'ab12cd35' in {log.state().ref}"


def test_the_same_id_cannot_be_added_twice(log: Log) -> None:
    log.add("followup_added", added())
    assert "already exists" in refused(log, "followup_added", added(text="another"))


@pytest.mark.parametrize(
    "moves",
    [["resolved"], ["resolved", "closed"], ["cancelled"]],
    ids=["resolved", "closed", "cancelled"],
)
def test_followups_are_recorded_after_the_incident_ended(log: Log, moves: list[str]) -> None:
    for target in moves:
        log.add("status_changed", {"to": target})
    log.add("followup_added", added())
    log.add("followup_done", {"id": "ab12cd34"})
    log.add("followup_verified", {"id": "ab12cd34"})
    state = log.state()
    assert state.status == moves[-1]
    assert state.followups["ab12cd34"].state == "verified"


# -- describe ----------------------------------------------------------------


def test_describe_lines(log: Log) -> None:
    lines = [
        describe(log.add("followup_added", added())),
        describe(log.add("followup_done", {"id": "ab12cd34", "text": "Alert on 502 rate"})),
        describe(log.add("followup_verified", {"id": "ab12cd34", "note": "fired in the drill"})),
    ]
    assert lines == [
        "follow-up ab12cd34 added: Alert on 502 rate (owner bob, due 2026-12-10)",
        "follow-up ab12cd34 done (Alert on 502 rate)",
        "follow-up ab12cd34 verified: fired in the drill",
    ]
    assert {KIND_LABELS[k] for k in ("followup_added", "followup_done", "followup_verified")} == {
        "followup"
    }


# -- due dates, overdue ------------------------------------------------------


def test_due_dates_as_typed() -> None:
    assert parse_due("2026-12-15", TODAY) == date(2026, 12, 15)
    assert parse_due(" +7d ", TODAY) == TODAY + timedelta(days=7)
    assert parse_due("2w", TODAY) == TODAY + timedelta(days=14)
    for bad in ("next week", "2026-13-01", "15/12/2026", "+d", ""):
        with pytest.raises(UsageError, match="cannot read the due date"):
            parse_due(bad, TODAY)


def test_overdue_means_open_and_due_before_today(log: Log) -> None:
    log.add("followup_added", added("aaaa0001", due="2026-11-30"))  # yesterday
    log.add("followup_added", added("aaaa0002", due="2026-12-01"))  # today
    log.add("followup_added", added("aaaa0003", due="2026-11-01"))  # long ago, but done
    log.add("followup_done", {"id": "aaaa0003"})
    followups = log.state().followups
    assert [fid for fid, f in followups.items() if f.overdue(TODAY)] == ["aaaa0001"]


# -- across incidents: list, filters, ids by prefix ----------------------------


def two_incidents() -> list[Incident]:
    first = Log(CATALOG)
    first.declare(title="Checkout 502s")
    first.add("followup_added", added("c0ffee01", owner="Bob", due="2026-11-20"))
    first.add("followup_added", added("c0ffee02", owner="alice", due="2026-12-20"))
    first.add("followup_done", {"id": "c0ffee02"})
    second = Log(CATALOG)
    second.declare(title="Search slow")
    second.add("followup_added", added("beef0001", owner="bob", due="2026-11-25"))
    second.add("followup_added", added("c0ffee99", owner="carol", due="2027-01-05"))
    second.add("status_changed", {"to": "resolved"})
    return [first.state(), second.state()]


def test_entries_sorted_by_due_date_across_incidents() -> None:
    found = entries(two_incidents())
    assert [entry.followup.id for entry in found] == [
        "c0ffee01",
        "beef0001",
        "c0ffee02",
        "c0ffee99",
    ]
    assert [entry.incident.title for entry in found][:2] == ["Checkout 502s", "Search slow"]


def test_filters_open_overdue_owner() -> None:
    found = entries(two_incidents())

    def ids(**filters: Any) -> list[str]:
        return [entry.followup.id for entry in select(found, TODAY, **filters)]

    assert ids(open_only=True) == ["c0ffee01", "beef0001", "c0ffee99"]
    assert ids(overdue_only=True) == ["c0ffee01", "beef0001"]
    assert ids(owner="BOB") == ["c0ffee01", "beef0001"]  # any case
    assert ids(owner="alice", open_only=True) == []
    assert ids(owner="nobody") == []


def test_a_unique_prefix_finds_a_followup() -> None:
    incidents = two_incidents()
    assert find(incidents, "beef").followup.id == "beef0001"
    assert find(incidents, " C0FFEE01 ").followup.id == "c0ffee01"
    assert find(incidents, "c0ffee9").incident.title == "Search slow"


def test_ambiguous_unknown_and_short_prefixes() -> None:
    incidents = two_incidents()
    with pytest.raises(NotFound, match=r"c0ffee matches 3 follow-ups .*give more characters"):
        find(incidents, "c0ffee")
    with pytest.raises(NotFound, match="no follow-up dead"):
        find(incidents, "dead")
    with pytest.raises(UsageError, match="at least 4 characters"):
        find(incidents, "c0f")
    with pytest.raises(UsageError, match="is not a follow-up id"):
        find(incidents, "c0ff-ee")


def test_an_exact_id_wins_over_a_longer_one_it_prefixes() -> None:
    log = Log(CATALOG)
    log.declare()
    log.add("followup_added", added("abcd"))
    log.add("followup_added", added("abcd1234"))
    assert find([log.state()], "abcd").followup.id == "abcd"


def test_the_list_is_terminal_safe_text() -> None:
    log = Log(CATALOG)
    log.declare()
    log.add(
        "followup_added", added("abcd0001", text="fix\x1b]0;pwned\x07 it\nnow", due="2026-11-01")
    )
    text = entries_text(entries([log.state()]), TODAY)
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert "OVERDUE" in text and "abcd0001" in text


# -- a real store ------------------------------------------------------------


def test_a_real_store_keeps_followups_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "warroom.db"
    clock = FixedClock(minutes(600))
    incident_id = new_id()

    def event(kind: str, data: dict[str, Any], at: float, seq: int) -> Any:
        return make_event(incident_id, kind, "alice", data, minutes(at), base_seq=seq)

    store = SQLiteStore(path, clock=clock)
    store.append(event("declared", {"title": "Checkout 502s", "severity": 2}, 0, 0))
    store.append(event("status_changed", {"to": "resolved"}, 60, 1))
    store.append(event("status_changed", {"to": "closed"}, 120, 2))
    store.append(event("followup_added", added(), 180, 3))
    store.append(event("followup_done", {"id": "ab12cd34", "note": "merged"}, 240, 4))
    with pytest.raises(Refused, match="already done"):
        store.append(event("followup_done", {"id": "ab12cd34"}, 250, 5))
    store.close()

    reopened = SQLiteStore(path, clock=clock)
    try:
        state = reopened.incident(incident_id)
        assert state.status == "closed" and state.last_seq == 5
        followup = state.followups["ab12cd34"]
        assert (followup.state, followup.due, followup.done_note) == (
            "done",
            date(2026, 12, 10),
            "merged",
        )
        assert followup.done_at == minutes(240)
        listed = reopened.incidents(include_closed=True)
        assert [entry.followup.id for entry in entries(listed)] == ["ab12cd34"]
        public = state.to_public(CATALOG)["followups"]
        assert public == [
            {
                "id": "ab12cd34",
                "text": "Alert on 502 rate",
                "owner": "bob",
                "due": "2026-12-10",
                "state": "done",
                "added_by": "alice",
                "added_at": "2026-11-26T06:00:00.000000Z",
                "done_by": "alice",
                "done_at": "2026-11-26T07:00:00.000000Z",
                "done_note": "merged",
                "verified_by": None,
                "verified_at": None,
                "verified_note": None,
            }
        ]
        # The snapshot is a read model: rebuilt from the log, it is the same.
        before = state.to_snapshot()
        reopened.rebuild_read_model()
        assert reopened.incident(incident_id).to_snapshot() == before
    finally:
        reopened.close()
