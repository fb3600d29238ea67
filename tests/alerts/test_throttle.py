"""A storm does not drown the room: at most 20 alert events per group per
minute, then one `alerts_summarized` per minute; every alert stored once."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.storekit import NOW, firing, ingest, kinds, of_kind, resolved
from warroom.core.clock import FixedClock
from warroom.services import alerts as service
from warroom.store.sql.store import SQLStore


def test_a_hundred_alerts_in_one_minute_show_twenty_then_one_summary(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    storm = [firing(f"fp{n:03}") for n in range(100)]
    for start in range(0, 100, 10):  # in batches, as Alertmanager sends them
        ingest(sql_store, clock, *storm[start : start + 10])
        clock.advance(seconds=2)
    assert len(sql_store.incidents()) == 1
    assert kinds(sql_store).count("alert_fired") == 20
    assert len(sql_store.alert_rows("all", limit=1000)) == 100
    assert service.flush_summaries(sql_store, clock.now()) == 0  # the minute is not over

    clock.advance(minutes=1)
    assert service.flush_summaries(sql_store, clock.now()) == 1
    [summary] = of_kind(sql_store, "alerts_summarized")
    assert summary.data == {
        "group": "alertmanager:g1",
        "minute": "2026-11-26T03:40Z",
        "fired": 80,
        "resolved": 0,
    }
    assert summary.actor == "alerts:alertmanager"
    assert summary.occurred_at == NOW + timedelta(minutes=1)
    assert service.flush_summaries(sql_store, clock.now()) == 0  # once
    incident_id = sql_store.resolve("INC-1")
    assert len(sql_store.alert_rows("all", incident_id, limit=1000)) == 100


def test_an_ingest_flushes_the_finished_minutes_first_and_a_new_minute_shows_again(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    ingest(sql_store, clock, *(firing(f"fp{n}") for n in range(25)))
    clock.advance(minutes=1)
    ingest(sql_store, clock, *(resolved(firing(f"fp{n}"), NOW) for n in range(25)))
    timeline = kinds(sql_store)
    assert timeline.count("alert_fired") == 20
    assert timeline.index("alerts_summarized") < timeline.index("alert_resolved")
    assert timeline.count("alert_resolved") == 20  # a new minute: 20 shown again
    clock.advance(minutes=1)
    service.flush_summaries(sql_store, clock.now())
    summaries = [e.data for e in of_kind(sql_store, "alerts_summarized")]
    assert [(s["minute"], s["fired"], s["resolved"]) for s in summaries] == [
        ("2026-11-26T03:40Z", 5, 0),
        ("2026-11-26T03:41Z", 0, 5),
    ]


def test_re_sent_alerts_of_a_storm_make_no_events_and_no_rows(
    sql_store: SQLStore, clock: FixedClock
) -> None:
    storm = [firing(f"fp{n}") for n in range(30)]
    ingest(sql_store, clock, *storm)
    ingest(sql_store, clock, *storm)  # the sender retried
    clock.advance(minutes=1)
    service.flush_summaries(sql_store, clock.now())
    assert of_kind(sql_store, "alerts_summarized")[0].data["fired"] == 10
    assert len(sql_store.alert_rows("all", limit=1000)) == 30
    assert {r.repeats for r in sql_store.alert_rows("all", limit=1000)} == {1}
