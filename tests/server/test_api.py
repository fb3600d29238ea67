"""The HTTP API against a real server: idempotency, refusals, limits, reads."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.server.conftest import Running, auth, declare, declare_body, note_body, now_text
from warroom.core.catalog import Catalog, build_catalog


def _error(answer: httpx.Response, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert set(body) == {"error", "detail"} and body["error"] == code, body
    assert "Traceback" not in answer.text and 'File "' not in answer.text
    return body["detail"]


def _events(running: Running, incident_id: str) -> list[dict]:
    answer = running.client.get(
        f"/api/v1/incidents/{incident_id}/events", headers=auth(running.viewer)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["events"]


def test_a_retried_event_is_stored_once(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    note = note_body("db primary failed over")
    first = client.post(path, json=note, headers=auth(token))
    again = client.post(path, json=note, headers=auth(token))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert [e["seq"] for e in _events(running, incident_id)] == [1, 2]


def test_the_idempotency_key_header_names_the_event(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    key = str(uuid.uuid4())
    body = note_body("by header")
    del body["id"]
    headers = auth(token) | {"Idempotency-Key": key}
    first = client.post(path, json=body, headers=headers)
    again = client.post(path, json=body, headers=headers)
    assert first.status_code == 201 and first.json()["id"] == key
    assert again.json() == first.json()
    assert len(_events(running, incident_id)) == 2

    mismatch = client.post(path, json=note_body("two ids"), headers=headers)
    assert "Idempotency-Key" in _error(mismatch, 422, "invalid")
    no_id = client.post(path, json=body, headers=auth(token))
    assert "body.id" in _error(no_id, 422, "invalid")


def test_the_same_id_with_other_content_is_refused(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    note = note_body("original")
    assert client.post(path, json=note, headers=auth(token)).status_code == 201
    changed = client.post(path, json=note | {"data": {"text": "edited"}}, headers=auth(token))
    assert "different content" in _error(changed, 422, "conflict")
    assert [e["data"]["text"] for e in _events(running, incident_id)[1:]] == ["original"]


def test_concurrent_retries_of_one_id_never_make_a_second_copy(running: Running) -> None:
    incident_id = declare(running.client, running.responder)
    path = f"/api/v1/incidents/{incident_id}/events"
    note = note_body("sent eight times at once")

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=running.server.url, timeout=10) as client:
            return client.post(path, json=note, headers=auth(running.responder))

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    for answer in answers:  # each is the stored event (409 would also be allowed)
        assert answer.status_code in (201, 409), answer.text
    stored = {answer.json()["seq"] for answer in answers if answer.status_code == 201}
    assert stored == {2}
    assert len(_events(running, incident_id)) == 2


def test_an_event_validate_refuses_gets_its_reason(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    closing = note_body("") | {"kind": "status_changed", "data": {"to": "closed"}}
    detail = _error(client.post(path, json=closing, headers=auth(token)), 422, "refused")
    assert "investigating to closed" in detail
    bad_severity = note_body("") | {"kind": "severity_changed", "data": {"severity": 9}}
    detail = _error(client.post(path, json=bad_severity, headers=auth(token)), 422, "refused")
    assert "severity 9" in detail
    assert len(_events(running, incident_id)) == 1


def test_unknown_incidents_are_404(running: Running) -> None:
    client, token = running.client, running.admin
    for method, path, body in (
        ("GET", "/api/v1/incidents/INC-99999", None),
        ("GET", f"/api/v1/incidents/{uuid.uuid4()}/events", None),
        ("POST", "/api/v1/incidents/INC-99999/events", note_body("lost")),
        ("GET", "/api/v1/incidents/INC-99999/stream", None),
        ("DELETE", "/api/v1/tokens/nobody", None),
    ):
        answer = client.request(method, path, json=body, headers=auth(token))
        _error(answer, 404, "not_found")
    _error(client.get("/api/v1/no-such-thing", headers=auth(token)), 404, "not_found")
    _error(client.put("/api/v1/incidents", headers=auth(token)), 405, "method_not_allowed")


def test_bad_input_is_422_naming_the_field(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    cases = {
        "occurred_at": {k: v for k, v in note_body("x").items() if k != "occurred_at"},
        "kind": note_body("x") | {"kind": "Not A Kind"},
        "base_seq": note_body("x") | {"base_seq": -1},
        "id": note_body("x") | {"id": "not-a-uuid"},
        "data": note_body("x") | {"data": ["a", "list"]},
        "colour": note_body("x") | {"colour": "red"},
        "incident_id": note_body("x") | {"incident_id": str(uuid.uuid4())},
    }
    for field, body in cases.items():
        detail = _error(client.post(path, json=body, headers=auth(token)), 422, "invalid")
        assert field in detail, (field, detail)
    assert "body" in _error(
        client.post(path, content=b'{"kind": ', headers=auth(token)), 422, "invalid"
    )
    reads = {
        "after_seq": {"after_seq": -1},
        "limit": {"limit": "many"},
        "wait": {"wait": "long"},
    }
    for field, params in reads.items():
        answer = client.get(path, params=params, headers=auth(token))
        assert field in _error(answer, 422, "invalid")
    stream = client.get(
        f"/api/v1/incidents/{incident_id}/stream",
        headers=auth(token) | {"Last-Event-ID": "yesterday"},
    )
    assert "Last-Event-ID" in _error(stream, 422, "invalid")
    empty_text = note_body("   ")
    assert "text" in _error(client.post(path, json=empty_text, headers=auth(token)), 422, "refused")


def test_bodies_over_one_mebibyte_are_413_chunked_or_not(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    big = note_body("x" * (2 * 1024 * 1024))
    payload = httpx.Request("POST", "http://x", json=big).content
    assert len(payload) > 2 * 1024 * 1024
    headers = auth(token) | {"content-type": "application/json"}

    sized = client.post(path, content=payload, headers=headers)
    _error(sized, 413, "too_large")

    def chunks():
        for start in range(0, len(payload), 64 * 1024):
            yield payload[start : start + 64 * 1024]

    chunked = client.post(path, content=chunks(), headers=headers)
    assert "content-length" not in chunked.request.headers
    assert chunked.request.headers["transfer-encoding"] == "chunked"
    _error(chunked, 413, "too_large")

    # Just under the body limit is read, and refused for its data's size.
    near = note_body("y" * (1024 * 1024 - 400))
    detail = _error(client.post(path, json=near, headers=auth(token)), 413, "too_large")
    assert "at most 256 kB" in detail
    assert len(_events(running, incident_id)) == 1
    assert client.get("/healthz").json() == {"status": "ok", "db": "ok"}


def test_reading_pages_feeds_and_a_long_poll(running: Running) -> None:
    client, token, viewer = running.client, running.responder, running.viewer
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    batch = [note_body(f"note {n}") | {"incident_id": incident_id} for n in range(5)]
    answer = client.post("/api/v1/events/batch", json={"events": batch}, headers=auth(token))
    assert [e["seq"] for e in answer.json()["events"]] == [2, 3, 4, 5, 6]

    page = client.get(path, params={"after_seq": 2, "limit": 2}, headers=auth(viewer)).json()
    assert [e["seq"] for e in page["events"]] == [3, 4] and page["last_seq"] == 6
    newest = client.get(path, params={"before_seq": 6, "limit": 2}, headers=auth(viewer)).json()
    assert [e["seq"] for e in newest["events"]] == [4, 5]
    by_number = client.get("/api/v1/incidents", headers=auth(viewer)).json()
    ref = next(i["ref"] for i in by_number if i["id"] == incident_id)
    assert client.get(f"/api/v1/incidents/{ref}", headers=auth(viewer)).json()["last_seq"] == 6

    first_gseq = answer.json()["events"][0]["gseq"]
    feed = client.get(
        "/api/v1/events",
        params={"after_gseq": first_gseq, "incident_id": incident_id},
        headers=auth(viewer),
    ).json()
    assert [e["seq"] for e in feed["events"]] == [3, 4, 5, 6]
    assert feed["last_gseq"] >= answer.json()["events"][-1]["gseq"]

    result: dict[str, object] = {}

    def poll() -> None:
        started = time.monotonic()
        with httpx.Client(base_url=running.server.url, timeout=20) as other:
            result["answer"] = other.get(
                path, params={"after_seq": 6, "wait": 10}, headers=auth(viewer)
            )
        result["took"] = time.monotonic() - started

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.5)
    client.post(path, json=note_body("wakes the poll"), headers=auth(token)).raise_for_status()
    waiter.join(15)
    polled = result["answer"]
    assert isinstance(polled, httpx.Response) and polled.status_code == 200
    assert [e["data"]["text"] for e in polled.json()["events"]] == ["wakes the poll"]
    assert 0.4 < result["took"] < 5  # type: ignore[operator]
    empty = client.get(path, params={"after_seq": 7, "wait": 0.3}, headers=auth(viewer))
    assert empty.json()["events"] == []


def test_the_catalog_rebuilds_exactly(running: Running) -> None:
    document = running.client.get("/api/v1/catalog", headers=auth(running.viewer)).json()
    rebuilt = build_catalog(document["severities"], document["roles"], document["workflow"])
    assert rebuilt == Catalog.default()


def test_data_that_is_not_plain_json_or_out_of_range_is_refused(running: Running) -> None:
    client, token = running.client, running.responder
    incident_id = declare(client, token)
    path = f"/api/v1/incidents/{incident_id}/events"
    headers = auth(token) | {"content-type": "application/json"}
    custom = '{"id":"%s","kind":"custom_kind","occurred_at":"%s","data":%s}'
    for data, why in (
        ('{"x": NaN}', "NaN"),
        ('{"x": "\\ud800"}', "Unicode"),
        ('{"x": ' + "[" * 40 + "]" * 40 + "}", "deep"),
    ):
        raw = custom % (uuid.uuid4(), now_text(), data)
        assert why in _error(client.post(path, content=raw, headers=headers), 422, "invalid")
    for when in ("0001-01-01T00:00:00+05:00", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59-05:00"):
        answer = client.post(
            path, json=note_body("when?") | {"occurred_at": when}, headers=auth(token)
        )
        assert "occurred_at" in _error(answer, 422, "invalid")
    # A time inside an event's data that cannot be converted to UTC is bad input, not a 500.
    old = declare_body() | {"occurred_at": now_text()}
    old["data"]["started_at"] = "0001-01-01T00:00:00+05:00"
    why = _error(client.post("/api/v1/incidents", json=old, headers=auth(token)), 422, "refused")
    assert "started_at" in why and "out of range" in why
    # ... and an impact start centuries before the declaration is refused with the reason.
    old = declare_body()
    old["data"]["started_at"] = "0999-01-01T00:00:00Z"
    why = _error(client.post("/api/v1/incidents", json=old, headers=auth(token)), 422, "refused")
    assert "0999-01-01" in why and "more than 30 days before the declaration" in why
    assert client.get("/api/v1/incidents", headers=auth(running.viewer)).status_code == 200
