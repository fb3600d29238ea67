"""Group commit keeps per-request semantics: in one transaction, a refused
request is rolled back alone, a repeated id is stored once, seq stays gapless.

First the store's `append_group` on both SQL engines (a real SQLite file, a
real PostgreSQL; the order of the requests is fixed, so every outcome is
exact), then the server: concurrent POSTs queued behind a write lock that
another connection holds, so they are committed as one group, answered each
with its own outcome; and a group that waited for the lock takes in the
appends that arrived meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import auth, declare_body, note_body
from warroom.core.clock import FixedClock
from warroom.core.errors import Conflict, Refused
from warroom.core.events import Event, make_event, new_id
from warroom.core.fold import fold
from warroom.server.app import create_app
from warroom.server.tokens import TokenStore
from warroom.store.sql.store import SQLStore
from warroom.store.sqlite import SQLiteStore


def _event(incident_id: str, clock: FixedClock, kind: str, **data: Any) -> Event:
    return make_event(incident_id, kind, "alice", data, clock.now())


def _declared(clock: FixedClock, title: str = "Checkout API 502s") -> Event:
    return _event(new_id(), clock, "declared", title=title, severity=2)


def test_append_group_rolls_back_a_failed_request_alone(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    store = sql_store
    incident = store.append(_declared(clock)).incident_id
    note = _event(incident, clock, "note", text="first")
    store.append(note)
    before_gseq = store.last_gseq()

    first = _event(incident, clock, "note", text="in the group")
    later_declared = _declared(clock, "declared in the group")
    requests = [
        [first],
        # all or none: the title change is undone with the refused severity
        [
            _event(incident, clock, "title_changed", title="New"),
            _event(incident, clock, "severity_changed", severity=9),
        ],
        [note],  # an id already stored, same content: the stored event
        [replace(first, data={"text": "other"})],  # the same id, other content
        # a declare refused later in its request takes no INC number
        [_declared(clock, "never"), _event(incident, clock, "status_changed", to="closed")],
        [_event(incident, clock, "title_changed", title="New")],  # fine: the undo held
        [first],  # an id stored by an earlier request of this group
        [later_declared, _event(later_declared.incident_id, clock, "note", text="n")],
    ]
    outcomes = store.append_group(requests)

    assert [type(o).__name__ if isinstance(o, Exception) else len(o) for o in outcomes] == [
        1, "Refused", 1, "Conflict", "Refused", 1, 1, 2,
    ]  # fmt: skip
    assert isinstance(outcomes[1], Refused) and "severity 9" in str(outcomes[1])
    assert isinstance(outcomes[3], Conflict)
    assert outcomes[2] == [store.events(incident)[1]]  # the stored note, unchanged
    assert outcomes[6] == outcomes[0]

    events = store.events(incident)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.kind for e in events] == ["declared", "note", "note", "title_changed"]
    gseqs = [e.gseq or 0 for e in events[2:]]
    assert gseqs == sorted(gseqs) and gseqs[0] > before_gseq
    state = store.incident(incident)
    assert (state.title, state.severity, state.last_seq) == ("New", 2, 4)
    assert state == _refolded(store, incident)
    assert store.incident(later_declared.incident_id).number == 2  # "never" took none
    assert [e.seq for e in store.events(later_declared.incident_id)] == [1, 2]


def test_append_many_is_one_request_of_a_group(sql_store: SQLStore, clock: FixedClock) -> None:
    incident = sql_store.append(_declared(clock)).incident_id
    with pytest.raises(Refused):
        sql_store.append_many(
            [_event(incident, clock, "note", text="a"), _event(incident, clock, "Bad")]
        )
    assert [e.seq for e in sql_store.events(incident)] == [1]


def test_append_group_takes_in_the_requests_that_arrived_while_it_waited(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    store = sql_store
    incident = store.append(_declared(clock)).incident_id
    first = _event(incident, clock, "note", text="first")
    late = [
        [_event(incident, clock, "note", text="late")],
        [_event(incident, clock, "severity_changed", severity=9)],  # refused alone
        [first],  # the id the group's first request stores: that event
        [_event(incident, clock, "title_changed", title="Late title")],
    ]
    asked: list[int] = []

    def more() -> list[list[Event]]:
        asked.append(1)
        return late

    outcomes = store.append_group([[first]], more)

    assert asked == [1]  # asked once, with the lock held
    assert [type(o).__name__ if isinstance(o, Exception) else len(o) for o in outcomes] == [
        1, 1, "Refused", 1, 1,
    ]  # fmt: skip
    assert outcomes[3] == outcomes[0]
    events = store.events(incident)
    assert [e.kind for e in events] == ["declared", "note", "note", "title_changed"]
    assert [e.seq for e in events] == [1, 2, 3, 4]
    gseqs = [e.gseq or 0 for e in events]
    assert gseqs == sorted(gseqs) and gseqs[-1] - gseqs[1] == 2  # no gap for the refused one
    assert store.incident(incident).title == "Late title"
    assert store.append_group([[_event(incident, clock, "note", text="alone")]], lambda: [])[0]


def _astray(store: SQLStore, clock: FixedClock) -> str:
    """An incident whose stored state says seq 1 while its log holds seq 2
    (a row written outside warroom)."""
    incident = store.append(_declared(clock, "astray")).incident_id
    with store.db.connection() as conn:  # type: ignore[attr-defined]
        conn.execute(
            'INSERT INTO "events" (gseq, id, incident_id, seq, kind, actor, occurred_at,'
            " recorded_at, base_seq, data) VALUES (?, ?, ?, 2, 'note', 'x',"
            " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 0, '{\"text\":\"rogue\"}')",
            (store.last_gseq() + 1, new_id(), incident),
        )
    return incident


def test_an_incident_whose_state_is_behind_its_log_refuses_alone(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    """Its next seq is taken: its requests are refused with why, the rest of
    the group (and of an alert transaction) is stored as answered."""
    from warroom.core.errors import StoreUnavailable

    store = sql_store
    other = store.append(_declared(clock, "fine")).incident_id
    astray = _astray(store, clock)
    outcomes = store.append_group(
        [
            [_event(other, clock, "note", text="stored")],
            [_event(astray, clock, "note", text="refused")],
            [_event(other, clock, "note", text="stored too")],
        ]
    )
    assert not isinstance(outcomes[0], Exception) and not isinstance(outcomes[2], Exception)
    assert isinstance(outcomes[1], StoreUnavailable)
    assert "seq 1" in str(outcomes[1]) and "seq 2" in str(outcomes[1])
    assert [e.data.get("text") for e in store.events(other)][1:] == ["stored", "stored too"]

    retitled = _event(other, clock, "title_changed", title="From the alert desk")
    answers = store.alert_requests(  # type: ignore[attr-defined]
        [
            lambda tx: tx.append([retitled]),
            lambda tx: tx.append([_event(astray, clock, "note", text="no")]),
        ]
    )
    assert not isinstance(answers[0], Exception) and isinstance(answers[1], StoreUnavailable)
    assert retitled.id in {e.id for e in store.events(other)}
    assert store.incident(other).title == "From the alert desk"
    assert [e.seq for e in store.events(astray)] == [1, 2]  # nothing added


def _refolded(store: SQLStore, incident_id: str) -> Any:
    state = fold(store.events(incident_id), store.catalog)
    state.number = store.incident(incident_id).number
    return state


# -- the server ------------------------------------------------------------


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any, str, Path]]:
    db = tmp_path / "warroom.db"
    store = SQLiteStore(db)
    token = TokenStore.for_store(store).create("alice", "responder")
    app = create_app(store)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://warroom") as client:
        yield client, app, token, db
    app.state.writer.close()
    store.close()


async def test_concurrent_posts_in_one_group_each_get_their_own_answer(
    api: tuple[httpx.AsyncClient, Any, str, Path],
) -> None:
    client, app, token, db = api
    declared = await client.post("/api/v1/incidents", json=declare_body(), headers=auth(token))
    assert declared.status_code == 201, declared.text
    incident = declared.json()["incident"]["id"]
    path = f"/api/v1/incidents/{incident}/events"

    notes = [note_body(f"note {n}") for n in range(6)]
    refused = note_body("") | {"kind": "status_changed", "data": {"to": "closed"}}
    duplicate = dict(notes[0])  # the same id and content, sent again at once
    conflicting = notes[1] | {"data": {"text": "edited"}}
    batch = {
        "events": [
            note_body("batched") | {"incident_id": incident},
            note_body("")
            | {"kind": "severity_changed", "data": {"severity": 9}}
            | {"incident_id": incident},
        ]
    }
    title = note_body("") | {"kind": "title_changed", "data": {"title": "New title"}}

    async def post(body: dict[str, Any], url: str = path) -> httpx.Response:
        return await client.post(url, json=body, headers=auth(token))

    # Another connection holds the write lock: every request queues behind it.
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    groups_before = app.state.writer.groups
    sent = asyncio.gather(
        *(post(body) for body in notes),
        post(refused),
        post(duplicate),
        post(conflicting),
        post(batch, "/api/v1/events/batch"),
        post(title),
    )
    task = asyncio.ensure_future(sent)
    await asyncio.sleep(0.5)
    blocker.execute("ROLLBACK")
    blocker.close()
    answers = await asyncio.wait_for(task, 20)

    *note_answers, refused_answer, duplicate_answer, conflict_answer, batch_answer, title_answer = (
        answers
    )
    for answer in [*note_answers, duplicate_answer, title_answer]:
        assert answer.status_code == 201, answer.text
    assert refused_answer.status_code == 422 and refused_answer.json()["error"] == "refused"
    assert conflict_answer.status_code == 422 and conflict_answer.json()["error"] == "conflict"
    assert batch_answer.status_code == 422 and "severity 9" in batch_answer.json()["detail"]
    assert duplicate_answer.json() == note_answers[0].json()
    # The first request may have gone alone; the rest waited and went together.
    assert app.state.writer.groups - groups_before <= 3

    listed = await client.get(path, headers=auth(token))
    events = listed.json()["events"]
    assert [e["seq"] for e in events] == list(range(1, 9))  # declared + 6 notes + title
    stored_ids = [e["id"] for e in events[1:]]
    assert sorted(stored_ids) == sorted([n["id"] for n in notes] + [title["id"]])
    gseqs = [e["gseq"] for e in events]
    assert gseqs == sorted(gseqs)
    answered = {a.json()["id"]: (a.json()["seq"], a.json()["gseq"]) for a in note_answers}
    assert answered == {e["id"]: (e["seq"], e["gseq"]) for e in events if e["kind"] == "note"}
    state = (await client.get(f"/api/v1/incidents/{incident}", headers=auth(token))).json()
    assert (state["title"], state["severity"], state["last_seq"]) == ("New title", 2, 8)


async def test_writer_lanes_commit_each_kind_of_request_in_its_own_transaction(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    from warroom.core.errors import StorageFull
    from warroom.server.writer import GroupWriter

    writer = GroupWriter(sqlite_store)
    committed: list[list[Any]] = []

    def echo(works: Any) -> list[Any]:
        committed.append(list(works))
        return [ValueError(work) if work == "bad" else work.upper() for work in works]

    def broken(works: Any) -> list[Any]:
        raise StorageFull("the disk is full")

    writer.add_lane("echo", echo)
    writer.add_lane("broken", broken)
    try:
        results = await asyncio.gather(
            writer.append([_declared(clock)]),
            writer.submit("echo", "one"),
            writer.submit("echo", "bad"),
            writer.submit("echo", "two"),
            writer.submit("broken", "lost"),
            return_exceptions=True,
        )
        assert results[0][0].seq == 1  # the append, in its own lane
        assert results[1:4] == ["ONE", results[2], "TWO"] and isinstance(results[2], ValueError)
        assert isinstance(results[4], StorageFull)
        assert writer.health.reason is not None  # a failed transaction degrades the server
        assert sorted(work for group in committed for work in group) == ["bad", "one", "two"]
        with pytest.raises(ValueError, match="no writer lane"):
            await writer.submit("nowhere", "x")
        assert await writer.submit("echo", "again") == "AGAIN"
        assert writer.health.reason is None  # a lane that commits makes it healthy again
    finally:
        await asyncio.to_thread(writer.close)


async def test_a_group_that_waited_for_the_lock_takes_in_the_appends_queued_meanwhile(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    """Another writer (another replica) holds the store's write lock: the
    group the writer took waits for it; appends queued meanwhile join that
    group once it has the lock, so all go in one transaction."""
    from warroom.server.writer import GroupWriter
    from warroom.store.postgres import PostgresStore

    store = sql_store
    incident = store.append(_declared(clock)).incident_id
    writer = GroupWriter(store)
    postgres = isinstance(store, PostgresStore)
    try:
        with store.db.connection() as blocker:  # type: ignore[attr-defined]
            if postgres:  # what every append takes first (`PostgresStore`'s write)
                blocker.execute("BEGIN")
                blocker.execute("UPDATE store_id SET touched = touched")
            else:
                blocker.execute("BEGIN IMMEDIATE")
            first = asyncio.ensure_future(
                writer.append([_event(incident, clock, "note", text="0")])
            )
            await _until_the_writer_waits(store, postgres)
            queued = [
                asyncio.ensure_future(writer.append(events))
                for events in (
                    [_event(incident, clock, "note", text="1")],
                    [_event(incident, clock, "status_changed", to="closed")],  # refused
                    [_event(incident, clock, "note", text="2")],
                )
            ]
            await asyncio.sleep(0.2)
            blocker.execute("ROLLBACK")
        results = await asyncio.wait_for(asyncio.gather(first, *queued, return_exceptions=True), 20)
        assert isinstance(results[2], Refused)
        assert [r[0].data["text"] for r in (results[0], results[1], results[3])] == ["0", "1", "2"]
        assert writer.groups == 1  # one transaction for all four
        assert [e.seq for e in store.events(incident)] == [1, 2, 3, 4]
    finally:
        await asyncio.to_thread(writer.close)


async def _until_the_writer_waits(store: SQLStore, postgres: bool) -> None:
    """Until the writer's transaction waits for the lock (PostgreSQL shows it;
    SQLite's busy wait does not, so half a second)."""
    if not postgres:
        await asyncio.sleep(0.5)
        return
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query LIKE 'UPDATE store_id%'"
    )
    for _ in range(200):
        if store.db.read(query)[0][0]:  # type: ignore[attr-defined]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the writer never waited for the lock")
