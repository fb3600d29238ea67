"""Property tests (hypothesis) of fold, validate and a real SQLite store.

(a) the same valid events appended in any batching give the same state and order;
(b) re-appending a stored event changes nothing; same id, other content is refused;
(c) concurrency marks follow base_seq.

Each store-backed example uses a fresh temporary directory and a FixedClock, and
keeps its event count small (every commit is an fsync).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.builder import LATER, Log, minutes
from warroom.core.catalog import Catalog
from warroom.core.clock import FixedClock
from warroom.core.errors import Conflict, Refused
from warroom.core.events import Event, make_event, new_id
from warroom.core.fold import apply, fold
from warroom.core.incident import Incident
from warroom.core.kinds import KINDS
from warroom.core.validate import validate
from warroom.store.sqlite import SQLiteStore

CATALOG = Catalog.default()
STORE_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RAM_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
PURE_SETTINGS = settings(max_examples=100, deadline=None)

PEOPLE = ("alice", "bob", " carol ", "dave\t")
KIND_CHOICES = (
    "title_changed", "service_changed", "summary_set", "severity_changed",
    "status_changed", "status_changed", "role_assigned", "role_assigned", "role_released",
    "participant_joined", "participant_left", "note", "finding", "action", "decision",
    "comms_update", "milestone", "link_added", "runbook_attached", "step_added",
    "step_checked", "step_checked", "step_unchecked", "step_unchecked", "pager_acknowledged",
    "followup_added", "followup_added", "followup_done", "followup_verified",
    "alert_fired", "alert_fired", "alert_resolved", "alerts_summarized",
    "delivery_failing", "delivery_recovered",
)  # fmt: skip


def choose(options: list[str], pick: int, fallback: str) -> str:
    return options[pick % len(options)] if options else fallback


def make_data(kind: str, pick: int, state: Incident | None) -> dict[str, Any]:
    """A plausible `data` for `kind`, chosen by `pick` (mostly among what the
    incident has now, so releases, leaves and check-offs happen); validation
    weeds out the rest."""
    person = PEOPLE[pick % len(PEOPLE)]
    step = f"s{pick % 4}"
    held = [(role, who) for role, holders in (state.roles if state else {}).items()
            for who in holders]  # fmt: skip
    steps = list(state.steps) if state else []
    match kind:
        case "declared":
            data: dict[str, Any] = {"title": f" Incident {pick} ", "severity": 1 + pick % 5}
            if pick % 3 == 0:
                data["lead"] = person
            if pick % 4 == 1:
                data["detected_at"] = minutes(-pick).isoformat()
            return data
        case "title_changed":
            return {"title": f"Title {pick % 3}"}
        case "service_changed":
            return {"service": ("checkout", "payments", None)[pick % 3]}
        case "summary_set":
            return {"text": f"  summary {pick}  "}
        case "severity_changed":
            return {"severity": 1 + pick % 5}
        case "status_changed":
            target = CATALOG.state_order[pick % len(CATALOG.state_order)]
            data = {"to": target, "reason": f"because {pick}"}
            if target == "cancelled" and pick % 2:
                data["duplicate_of"] = "5b1f2c9e-0000-4000-8000-000000000000"
            return data
        case "role_assigned":
            roles = list(CATALOG.roles)
            return {"role": roles[pick % len(roles)], "person": PEOPLE[(pick // 4) % 4]}
        case "role_released":
            role, who = held[pick % len(held)] if held else ("lead", person)
            return {"role": role, "person": who}
        case "participant_joined":
            return {"person": person}
        case "participant_left":
            return {"person": choose(list(state.participants) if state else [], pick, person)}
        case "note" | "finding" | "action" | "decision":
            return {"text": f" {kind} {pick} "}
        case "comms_update":
            return {"text": f"update {pick}", "audience": CATALOG.audiences[pick % 4]}
        case "milestone":
            return {"name": CATALOG.milestones[pick % len(CATALOG.milestones)]}
        case "link_added":
            return {"url": f"https://example.com/{pick}", "label": f"link {pick}"}
        case "runbook_attached":
            return {
                "name": f"rb{pick % 2}",
                "content_hash": f"h{pick % 2}",
                "steps": [
                    {"id": f"s{pick % 3}", "text": "first"},
                    {"id": f"s{pick % 3 + 1}", "text": "second", "section": "B"},
                ],
            }
        case "step_added":
            return {"step": {"id": step, "text": f"added {pick}"}}
        case "step_checked" | "step_unchecked":
            return {"step": choose(steps, pick, step)}
        case "followup_added":
            return {"id": f"fu{pick % 3:02d}", "text": f"fix {pick}", "owner": person.strip(),
                    "due": f"2026-12-{1 + pick % 28:02d}"}  # fmt: skip
        case "followup_done" | "followup_verified":
            return {"id": choose(list(state.followups) if state else [], pick, "fu00")}
        case "alert_fired":
            return {"alert": f"{pick % 4:016x}", "source": "alertmanager",
                    "summary": f" alert {pick} ", "severity": ("critical", "warning")[pick % 2],
                    "group": f"alertmanager:g{pick % 2}", "starts_at": minutes(-pick).isoformat(),
                    "labels": {"alertname": f"A{pick}", "big": "x" * (300 * (pick % 2))},
                    "annotations": {"summary": f"alert {pick}"},
                    "links": [{"url": f"https://prometheus.example/{pick}"}],
                    "after_resolution": pick % 5 == 0}  # fmt: skip
        case "alert_resolved":
            return {"alert": f"{pick % 4:016x}", "summary": f"alert {pick}",
                    "ends_at": minutes(pick).isoformat()}  # fmt: skip
        case "alerts_summarized":
            return {"group": f"alertmanager:g{pick % 2}", "minute": "2026-11-26T03:14Z",
                    "fired": pick, "resolved": pick % 3}  # fmt: skip
        case "delivery_failing":
            return {"route": f"r{pick % 2}", "target": "json://***", "error": f"refused {pick}"}
        case "delivery_recovered":
            return {"route": f"r{pick % 2}", "target": "json://***"}
        case _:
            return {"anything": pick}


@dataclass
class Scenario:
    """Valid events for up to two incidents, as a client would send them
    (untrimmed), and the state each incident should fold to."""

    sent: list[Event]
    states: dict[str, Incident]


# (incident 0 or 1, kind, pick, how much of the log the author had seen, minutes back-dated)
OPS = st.tuples(
    st.integers(0, 1),
    st.sampled_from(KIND_CHOICES),
    st.integers(0, 15),
    st.integers(0, 100),
    st.integers(-30, 0),
)


@st.composite
def scenarios(draw: st.DrawFn, max_events: int = 15) -> Scenario:
    ops = draw(st.lists(OPS, max_size=max_events - 2))
    second_at = draw(st.integers(0, len(ops)))
    ops.insert(second_at, (1, "declared", draw(st.integers(0, 15)), 100, 0))
    ops.insert(0, (0, "declared", draw(st.integers(0, 15)), 100, 0))
    incidents = [new_id(), new_id()]
    states: dict[str, Incident] = {}
    sent: list[Event] = []
    for index, (which, kind, pick, seen, back) in enumerate(ops):
        incident_id = incidents[which]
        state = states.get(incident_id)
        last = state.last_seq if state else 0
        actor = PEOPLE[(pick + index) % len(PEOPLE)]
        when = minutes(index + back)
        data = make_data(kind, pick, state)
        event = make_event(incident_id, kind, actor, data, when, last * seen // 100)
        try:
            checked = validate(state, event, CATALOG, LATER)
        except Refused:
            continue
        if state is None:
            state = states[incident_id] = Incident(id=incident_id)
        apply(state, checked.stored(seq=last + 1, gseq=len(sent) + 1, recorded_at=LATER), CATALOG)
        sent.append(event)
    return Scenario(sent=sent, states=states)


def chunked(events: list[Event], sizes: list[int]) -> list[list[Event]]:
    chunks, start, turn = [], 0, 0
    while start < len(events):
        size = sizes[turn % len(sizes)]
        chunks.append(events[start : start + size])
        start += size
        turn += 1
    return chunks


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A fresh directory per example; in RAM where there is one, since these
    properties are about order and idempotency, not durability, and every
    commit on a disk is an fsync."""
    return tempfile.TemporaryDirectory(dir=RAM_DIR, prefix="warroom-prop-")


def open_store(folder: str, name: str) -> SQLiteStore:
    return SQLiteStore(Path(folder) / name, catalog=CATALOG, clock=FixedClock(LATER))


def snapshot_without_number(state: Incident) -> dict[str, Any]:
    return {**state.to_snapshot(), "number": None}


def store_picture(store: SQLiteStore, incident_ids: list[str]) -> dict[str, Any]:
    """Everything a reader of the store could see."""
    return {
        "events": [e.to_dict() for e in store.events_after(0)],
        "last_gseq": store.last_gseq(),
        "incidents": {i: store.incident(i).to_snapshot() for i in incident_ids},
        "listed": [i.id for i in store.incidents(include_closed=True)],
    }


# -- (a) batching ------------------------------------------------------------


@STORE_SETTINGS
@given(scenario=scenarios(), sizes=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_any_batching_gives_the_same_state_and_order(scenario: Scenario, sizes: list[int]) -> None:
    sent = scenario.sent
    with scratch() as folder:
        one_by_one, batched = open_store(folder, "a.db"), open_store(folder, "b.db")
        try:
            returned_a = [one_by_one.append(event) for event in sent]
            returned_b = [
                stored for chunk in chunked(sent, sizes) for stored in batched.append_many(chunk)
            ]
            assert returned_a == returned_b

            # Stored in the order sent: gseq follows it store-wide, seq per incident.
            for store in (one_by_one, batched):
                everything = store.events_after(0)
                assert [e.id for e in everything] == [e.id for e in sent]
                gseqs = [e.gseq for e in everything]
                assert gseqs == sorted(gseqs) and len(set(gseqs)) == len(gseqs)
            assert one_by_one.events_after(0) == batched.events_after(0)

            # INC numbers follow declaration order, even for two declared in one batch.
            declared = [e.incident_id for e in sent if e.kind == "declared"]
            for store in (one_by_one, batched):
                assert [store.incident(i).number for i in declared] == [1, 2][: len(declared)]

            for incident_id, expected in scenario.states.items():
                events_a = one_by_one.events(incident_id)
                assert [e.seq for e in events_a] == list(range(1, len(events_a) + 1))
                assert [e.id for e in events_a] == [
                    e.id for e in sent if e.incident_id == incident_id
                ]
                assert events_a == batched.events(incident_id)

                state_a = one_by_one.incident(incident_id)
                state_b = batched.incident(incident_id)
                assert state_a.to_snapshot() == state_b.to_snapshot()
                refolded = fold(events_a, CATALOG)
                assert snapshot_without_number(state_a) == snapshot_without_number(refolded)
                # ...and what validate-then-fold predicted without any store.
                assert snapshot_without_number(state_a)["last_seq"] == expected.last_seq
                assert {**snapshot_without_number(state_a), "last_gseq": 0} == {
                    **snapshot_without_number(expected),
                    "last_gseq": 0,
                }
        finally:
            one_by_one.close()
            batched.close()


# -- (b) idempotency ---------------------------------------------------------


def mutations(event: Event) -> list[tuple[str, Event]]:
    """Ways to change an event's content while keeping its id."""
    return [
        ("actor", replace(event, actor=event.actor.strip() + "x")),
        ("data", replace(event, data={**event.data, "zzz_extra": 1})),
        ("occurred_at", replace(event, occurred_at=event.occurred_at + timedelta(seconds=1))),
        ("base_seq", replace(event, base_seq=event.base_seq + 1)),
        ("kind", replace(event, kind="note" if event.kind != "note" else "finding")),
        ("incident_id", replace(event, incident_id=new_id())),
    ]


@settings(STORE_SETTINGS, max_examples=50)
@given(
    scenario=scenarios(max_events=10),
    index=st.integers(0, 100),
    how=st.integers(0, 5),
    batch=st.booleans(),
)
def test_re_appending_changes_nothing_and_other_content_is_refused(
    scenario: Scenario, index: int, how: int, batch: bool
) -> None:
    sent = scenario.sent
    ids = list(scenario.states)
    original = sent[index % len(sent)]
    with scratch() as folder:
        store = open_store(folder, "s.db")
        try:
            stored = store.append_many(sent) if batch else [store.append(e) for e in sent]
            picture = store_picture(store, ids)
            expected = stored[index % len(sent)]

            # The same event again: as sent, as stored, or with untrimmed text.
            assert store.append(original) == expected
            assert store.append(expected) == expected
            assert store.append(replace(original, actor=f"  {original.actor} ")) == expected
            assert store.append_many(sent) == stored  # an outbox replaying everything
            assert store_picture(store, ids) == picture

            # The same id with other content.
            what, changed = mutations(original)[how]
            with pytest.raises(Conflict, match=original.id):
                store.append(changed)
            fresh = make_event(ids[0], "note", "zoe", {"text": "new"}, LATER)
            with pytest.raises(Conflict):
                store.append_many([fresh, changed])
            assert store_picture(store, ids) == picture, f"changed {what} left a trace"
        finally:
            store.close()


# -- (c) concurrency marks -----------------------------------------------------

# A single-valued field and two successive valid changes of it.
CHANGES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "title": ("title_changed", {"title": "First"}, {"title": "Second"}),
    "summary": ("summary_set", {"text": "first"}, {"text": "second"}),
    "severity": ("severity_changed", {"severity": 1}, {"severity": 4}),
    "status": ("status_changed", {"to": "identified"}, {"to": "mitigated"}),
    "service": ("service_changed", {"service": "a"}, {"service": "b"}),
    "lead": ("role_assigned", {"role": "lead", "person": "bob"}, {"role": "lead", "person": "eve"}),
    "comms": (
        "role_assigned",
        {"role": "comms", "person": "bob"},
        {"role": "comms", "person": "eve"},
    ),
}
FILLERS = st.lists(st.sampled_from(["note", "link_added", "participant_joined"]), max_size=4)


def add_fillers(log: Log, kinds: list[str]) -> None:
    for kind in kinds:
        n = log.last_seq
        data = {
            "note": {"text": f"n{n}"},
            "link_added": {"url": f"https://x.example/{n}"},
            "participant_joined": {"person": f"p{n}"},
        }[kind]
        log.add(kind, data, base_seq=n // 2)


@PURE_SETTINGS
@given(
    field=st.sampled_from(sorted(CHANGES)),
    before=FILLERS,
    between=FILLERS,
    after=FILLERS,
    first_seen=st.integers(0, 100),
    second_seen=st.integers(0, 100),
)
def test_concurrency_marks_follow_base_seq(
    field: str,
    before: list[str],
    between: list[str],
    after: list[str],
    first_seen: int,
    second_seen: int,
) -> None:
    kind, first_data, second_data = CHANGES[field]
    log = Log(CATALOG)
    log.declare(severity=3)
    add_fillers(log, before)
    first = log.add(kind, first_data, base_seq=log.last_seq * first_seen // 100)
    add_fillers(log, between)
    second = log.add(kind, second_data, base_seq=log.last_seq * second_seen // 100)
    add_fillers(log, after)
    assert first.seq is not None and second.seq is not None

    state = log.state()
    raced = second.base_seq < first.seq
    assert (first.seq in state.concurrent and second.seq in state.concurrent) == raced
    assert sorted(state.concurrent) == ([first.seq, second.seq] if raced else [])
    # Last writer wins by seq, raced or not.
    public = state.to_public(CATALOG)
    if field in ("lead", "comms"):
        assert public["roles"][field] == [second_data["person"]]
    elif field == "summary":
        assert state.summary == "second"
    else:
        value = next(iter(second_data.values()))
        assert getattr(state, "status" if field == "status" else field) == value


@PURE_SETTINGS
@given(seen=st.lists(st.integers(0, 100), min_size=2, max_size=6))
def test_each_change_is_compared_with_the_one_before_it(seen: list[int]) -> None:
    """In a chain of changes to one field, change k is concurrent with change k-1
    exactly when its author had not seen k-1."""
    log = Log(CATALOG)
    log.declare()
    changes = [
        log.add("summary_set", {"text": f"v{k}"}, base_seq=log.last_seq * pct // 100)
        for k, pct in enumerate(seen)
    ]
    expected: set[int] = set()
    for previous, current in pairwise(changes):
        if current.base_seq < (previous.seq or 0):
            expected |= {previous.seq or 0, current.seq or 0}
    state = log.state()
    assert set(state.concurrent) == expected
    assert len(state.concurrent) == len(expected)
    assert state.summary == f"v{len(seen) - 1}"


def test_the_scenarios_can_reach_every_kind() -> None:
    """A guard that the generated scenarios are not confined to a few kinds."""
    assert set(KIND_CHOICES) | {"declared"} >= set(KINDS)
    assert any(kind not in KINDS for kind in KIND_CHOICES)  # an unknown kind too
