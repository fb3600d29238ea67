"""Alert records and ingest answers on the wire: what the server writes, the
http store reads back unchanged; a wrong shape is named by its field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from warroom.core.alerts.model import AlertRecord, Ingested, alert_id
from warroom.core.alerts.wire import (
    ingested_from_json,
    ingested_to_json,
    record_from_json,
    record_to_json,
    records_from_json,
)

STARTS = datetime(2026, 12, 5, 7, 14, 3, 250000, tzinfo=UTC)
HOSTILE = "[@click=app.quit]x[/] \x1b]0;pwned\x07 \x9b \u202e" + "z" * 10_000


def _record(**changes: object) -> AlertRecord:
    fields: dict[str, object] = {
        "id": alert_id("alertmanager", "fp1", STARTS),
        "source": "alertmanager",
        "key": "fp1",
        "starts_at": STARTS,
        "status": "firing",
        "state": "inbox",
        "summary": HOSTILE,
        "group_key": 'alertmanager:{}:{alertname="X"}',
        "first_seen": STARTS,
        "last_seen": datetime(2026, 12, 5, 7, 20, tzinfo=UTC),
        "repeats": 3,
        "severity": "warning",
        "service": "checkout",
        "labels": {"alertname": "X", "evil": HOSTILE},
        "annotations": {"summary": HOSTILE},
        "links": (("generator", "https://prom.example/graph?g0.expr=up"),),
        "rule": "data/alert_rules.toml:1",
        "extra": {"values": {"B": 1.5}, "orgId": 1},
    }
    fields.update(changes)
    return AlertRecord(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "record",
    [
        _record(),
        _record(
            status="resolved",
            state="incident",
            ends_at=datetime(2026, 12, 5, 8, 0, tzinfo=UTC),
            incident_id="5f0c6c1e-2d4b-4a8e-9d55-0f6f8d2a1b3c",
            acknowledged=True,
            service=None,
        ),
    ],
)
def test_a_record_survives_the_wire_unchanged(record: AlertRecord) -> None:
    text = json.dumps(record_to_json(record))  # through real JSON text
    assert record_from_json(json.loads(text)) == record
    assert records_from_json(json.loads(f"[{text}]")) == [record]


def test_the_json_names_are_the_record_fields() -> None:
    raw = record_to_json(_record())
    assert set(raw) == set(AlertRecord.__dataclass_fields__)
    assert raw["starts_at"] == "2026-12-05T07:14:03.250000Z"
    assert raw["links"] == [{"url": "https://prom.example/graph?g0.expr=up", "label": "generator"}]
    assert raw["ends_at"] is None


def test_unknown_fields_are_ignored_and_optional_ones_default() -> None:
    raw = record_to_json(_record())
    for name in ("description", "severity", "service", "repeats", "labels", "annotations"):
        del raw[name]
    for name in ("links", "incident_id", "acknowledged", "rule", "extra", "ends_at"):
        del raw[name]
    raw["added_by_a_newer_server"] = {"x": 1}
    record = record_from_json(raw)
    assert (record.repeats, record.labels, record.links, record.service) == (0, {}, (), None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "id: a string expected, not null"),
        ({"starts_at": "yesterday"}, "starts_at: not an ISO-8601 time"),
        ({"starts_at": "2026-12-05T07:14:03"}, "starts_at: not an ISO-8601 time"),
        ({"repeats": "3"}, "repeats: a whole number expected, not a string"),
        ({"repeats": True}, "repeats: a whole number expected"),
        ({"labels": {"a": 1}}, "labels.a: a string expected, not a number"),
        ({"links": [{"label": "x"}]}, "links[0].url: missing"),
        ({"links": "https://x"}, "links: a list expected"),
        ({"acknowledged": "yes"}, "acknowledged: true or false expected"),
    ],
)
def test_a_wrong_field_is_named(change: dict[str, object], message: str) -> None:
    raw = {**record_to_json(_record()), **change}
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        record_from_json(raw)


def test_a_wrong_record_in_a_list_is_named_by_its_index() -> None:
    good = record_to_json(_record())
    with pytest.raises(ValueError, match=r"alert record \[1\]: summary: missing"):
        records_from_json([good, {k: v for k, v in good.items() if k != "summary"}])
    with pytest.raises(ValueError, match="a JSON list, not an object"):
        records_from_json({"alerts": []})


def test_an_ingest_answer_survives_the_wire() -> None:
    for ingested in (
        Ingested(accepted=3, incidents=["INC-4", "INC-5"]),
        Ingested(accepted=1, incidents=[], dedup_key="abc"),
    ):
        assert ingested_from_json(json.loads(json.dumps(ingested_to_json(ingested)))) == ingested
    assert ingested_to_json(Ingested(accepted=2)) == {"accepted": 2, "incidents": []}


def test_pagerdutys_own_answer_reads_as_one_accepted() -> None:
    answer = {"status": "success", "message": "Event processed", "dedup_key": "k1"}
    assert ingested_from_json(answer) == Ingested(accepted=1, incidents=[], dedup_key="k1")
    with pytest.raises(ValueError, match="incidents"):
        ingested_from_json({"accepted": 1, "incidents": "INC-1"})
