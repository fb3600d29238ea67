"""The alert transaction of both SQL engines: alert rows, the group row and the events of
one request commit together; one request of a transaction fails alone."""

from __future__ import annotations

from dataclasses import replace

from tests.alerts.storekit import RULES, firing, kinds
from tests.sqlstores import sql_rows
from warroom.core.alerts.rules import AlertSettings
from warroom.services.alerts import Outcome, ingest_request
from warroom.store.base import AlertTable, AlertTransaction
from warroom.store.sql.store import SQLStore


def request(*alerts):
    return ingest_request(list(alerts), RULES, AlertSettings())


def failing(*alerts):
    inner = request(*alerts)

    def run(tx: AlertTransaction) -> Outcome:
        inner(tx)
        raise RuntimeError("the request failed after its work")

    return run


def test_the_sql_store_is_an_alert_table(sql_store: SQLStore) -> None:
    assert isinstance(sql_store, AlertTable)


def test_a_failed_request_leaves_no_incident_no_group_row_and_no_alert(sql_store: SQLStore) -> None:
    [result] = sql_store.alert_requests([failing(firing("fp1"))])
    assert isinstance(result, RuntimeError)
    assert sql_store.incidents() == [] and sql_store.last_gseq() == 0
    assert sql_rows(sql_store, "SELECT * FROM alert_groups") == []
    assert sql_rows(sql_store, "SELECT * FROM alerts") == []
    assert sql_rows(sql_store, "SELECT * FROM alert_buckets") == []


def test_one_request_fails_alone_and_the_others_of_its_transaction_commit(
    sql_store: SQLStore,
) -> None:
    results = sql_store.alert_requests(
        [
            request(firing("a")),  # declares INC-1 for group g1
            failing(firing("b"), firing("x", group="g2")),  # would add to INC-1, declare g2's
            request(firing("c", group="g3")),  # declares INC-2
            request(firing("d")),  # goes to INC-1, declared by the first request
        ]
    )
    assert [type(r).__name__ for r in results] == ["Outcome", "RuntimeError", "Outcome", "Outcome"]
    assert results[0].ingested.incidents == ["INC-1"]
    assert results[2].ingested.incidents == ["INC-2"]
    assert results[3].ingested.incidents == ["INC-1"]
    assert kinds(sql_store, "INC-1") == ["declared", "alert_fired", "alert_fired"]
    assert kinds(sql_store, "INC-2") == ["declared", "alert_fired"]
    assert sorted(r.key for r in sql_store.alert_rows("all")) == ["a", "c", "d"]
    groups = sql_rows(sql_store, "SELECT group_key FROM alert_groups ORDER BY group_key")
    assert groups == [("alertmanager:g1",), ("alertmanager:g3",)]
    # the snapshots agree with the log (the failed request's events are not folded in)
    inc1 = sql_store.incident(sql_store.resolve("INC-1"))
    assert inc1.last_seq == 3 and inc1.last_gseq == max(
        e.gseq or 0 for e in sql_store.events(inc1.id)
    )
    assert sql_store.last_gseq() == 5


def clashing(*alerts):
    """A request whose last write breaks a constraint of the database (a
    second row for one alert instance): the engine's own error, mid-transaction."""
    inner = request(*alerts)

    def run(tx: AlertTransaction) -> Outcome:
        outcome = inner(tx)
        stored = tx.latest(alerts[0].source, alerts[0].key)
        assert stored is not None
        tx.put_alert(replace(stored, id="f" * len(stored.id)))  # same (source, key, starts_at)
        return outcome

    return run


def test_a_request_the_database_refuses_fails_alone_and_the_next_ones_commit(
    sql_store: SQLStore,
) -> None:
    """PostgreSQL aborts the whole transaction at an error unless it is rolled
    back to the request's savepoint; SQLite does not: both end the same."""
    results = sql_store.alert_requests(
        [request(firing("a")), clashing(firing("b")), request(firing("c"))]
    )
    assert isinstance(results[1], sql_store.db.integrity_error)
    assert [r.ingested.incidents for r in (results[0], results[2])] == [["INC-1"], ["INC-1"]]
    assert sorted(r.key for r in sql_store.alert_rows("all")) == ["a", "c"]
    assert kinds(sql_store, "INC-1") == ["declared", "alert_fired", "alert_fired"]
