"""The alert endpoints against a real `warroom serve`: each source's documented
payloads end to end (declare, group, dedup, re-fire, resolve), PagerDuty's own
answer and credential, who may post and read, bad bodies, the inbox, the
`inbox` event of the live stream, the OpenAPI document."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.alerts.conftest import alertmanager_body as _alertmanager
from tests.server.conftest import Server, auth, make_token, note_body, server_env

PAYLOADS = Path(__file__).parents[1] / "alerts" / "payloads"
HOSTILE = "[@click=app.quit]x[/] [bold red] \x1b]0;pwned\x07 \x1b]52;c;aGVsbG8=\x07 \x9b \u202e"
RULES = """
[[alert_rules]]
name = "grafana blue team"
source = "grafana"
match = { team = "blue" }
action = "declare"
severity = 3

[[alert_rules]]
name = "noise"
match_re = { alertname = "Noisy.*" }
action = "drop"
"""


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Alerts:
    server: Server
    admin: str
    responder: str
    viewer: str
    poster: str  # an `alerts` token
    client: httpx.Client

    def post(self, source: str, body: Any, token: str | None = None) -> httpx.Response:
        return self.client.post(
            f"/api/v1/alerts/{source}", json=body, headers=auth(token or self.poster)
        )

    def accepted(self, source: str, body: Any) -> dict[str, Any]:
        answer = self.post(source, body)
        assert answer.status_code == 202, answer.text
        return answer.json()

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params=params, headers=auth(self.viewer))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def incident(self, ref: str) -> dict[str, Any]:
        return self.get(f"/api/v1/incidents/{ref}")

    def events(self, ref: str, kind: str | None = None) -> list[dict[str, Any]]:
        events = self.get(f"/api/v1/incidents/{ref}/events")["events"]
        return [event for event in events if kind is None or event["kind"] == kind]

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        return self.get("/api/v1/alerts", **params)


@pytest.fixture(scope="module")
def alerts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alerts]:
    root = tmp_path_factory.mktemp("alerts-server")
    (root / "config.toml").write_text(RULES, encoding="utf-8")
    db = root / "warroom.db"
    roles = ("admin", "responder", "viewer", "alerts")
    tokens = {role: make_token(db, f"{role}-1", role) for role in roles}
    server = Server(db, root).start()
    client = httpx.Client(base_url=server.url, timeout=20)
    try:
        yield Alerts(
            server,
            tokens["admin"],
            tokens["responder"],
            tokens["viewer"],
            tokens["alerts"],
            client,
        )
    finally:
        client.close()
        server.stop()


def _error(answer: httpx.Response, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "detail"} and body["error"] == code, body
    assert "Traceback" not in answer.text
    return body["detail"]


# -- the sources, end to end -----------------------------------------------------------


def test_alertmanager_declares_groups_dedups_resolves_and_refires(alerts: Alerts) -> None:
    documented = payload("alertmanager_firing")
    first = alerts.accepted("alertmanager", documented)
    assert first["accepted"] == 1 and len(first["incidents"]) == 1
    ref = first["incidents"][0]
    incident = alerts.incident(ref)
    assert incident["title"] == "BlackBox Probe Failure: https://server.example.org"
    assert incident["severity"] == 2  # the default rule: critical declares SEV2
    assert incident["declared_by"] == "alerts:alertmanager"
    assert incident["status"] == "investigating"
    fired = alerts.events(ref, "alert_fired")
    assert len(fired) == 1
    assert fired[0]["data"]["labels"]["alertname"] == "ProbeFailure"
    last_seq = incident["last_seq"]

    # Alertmanager re-sends every repeat_interval: no event, no incident.
    again = alerts.accepted("alertmanager", documented)
    assert again["incidents"] == [ref]
    assert alerts.incident(ref)["last_seq"] == last_seq
    (record,) = [a for a in alerts.alerts(state="all") if a["key"] == "1a30ba71cca2921f"]
    assert record["repeats"] == 1 and record["state"] == "incident"
    assert record["incident_id"] == incident["id"]

    # Another alert of the same group goes to the same incident.
    grouped = copy.deepcopy(documented)
    grouped["alerts"][0]["fingerprint"] = "2b41cb82ddb3a320"
    grouped["alerts"][0]["labels"]["instance"] = "https://other.example.org"
    assert alerts.accepted("alertmanager", grouped)["incidents"] == [ref]
    assert len(alerts.events(ref, "alert_fired")) == 2

    # Resolved: recorded, and the incident stays open (people resolve incidents).
    resolved = alerts.accepted("alertmanager", payload("alertmanager_resolved"))
    assert resolved["accepted"] == 1
    assert len(alerts.events(ref, "alert_resolved")) == 1
    assert alerts.incident(ref)["status"] == "investigating"
    (record,) = [a for a in alerts.alerts(state="all") if a["key"] == "1a30ba71cca2921f"]
    assert record["status"] == "resolved" and record["ends_at"]

    # Firing again after the resolve is a new instance: a new alert_fired.
    refire = copy.deepcopy(documented)
    refire["alerts"][0]["startsAt"] = "2023-02-06T14:00:00Z"
    assert alerts.accepted("alertmanager", refire)["incidents"] == [ref]
    assert len(alerts.events(ref, "alert_fired")) == 3
    instances = [a for a in alerts.alerts(state="all") if a["key"] == "1a30ba71cca2921f"]
    assert len(instances) == 2


def test_a_group_firing_again_soon_after_its_incident_resolved_reopens_it(
    alerts: Alerts,
) -> None:
    (ref,) = alerts.accepted("alertmanager", _alertmanager("DiskFull", "disk0001"))["incidents"]
    alerts.accepted("alertmanager", _alertmanager("DiskFull", "disk0001", status="resolved"))
    resolved = alerts.client.post(
        f"/api/v1/incidents/{ref}/events",
        json=note_body("", str(uuid.uuid4()))
        | {"kind": "status_changed", "data": {"to": "resolved", "reason": "disk cleaned"}},
        headers=auth(alerts.responder),
    )
    assert resolved.status_code == 201, resolved.text

    # Within the reopen window: recorded on the same incident, marked as after its resolution.
    again = _alertmanager("DiskFull", "disk0002")
    assert alerts.accepted("alertmanager", again)["incidents"] == [ref]
    last = alerts.events(ref, "alert_fired")[-1]
    assert last["data"]["after_resolution"] is True
    assert alerts.incident(ref)["status"] == "resolved"  # people reopen incidents


def test_grafana_alerts_declare_by_the_configured_rule_and_resolve(alerts: Alerts) -> None:
    answer = alerts.accepted("grafana", payload("grafana_firing"))
    assert answer["accepted"] == 2 and len(answer["incidents"]) == 1  # one groupKey
    ref = answer["incidents"][0]
    incident = alerts.incident(ref)
    assert incident["severity"] == 3  # the rule in the server's config file
    assert incident["declared_by"] == "alerts:grafana"
    assert len(alerts.events(ref, "alert_fired")) == 2

    alerts.accepted("grafana", payload("grafana_resolved"))
    assert len(alerts.events(ref, "alert_resolved")) == 2


def test_pagerduty_answers_as_pagerduty_and_takes_the_routing_key_as_token(
    alerts: Alerts,
) -> None:
    trigger = payload("pagerduty_trigger")
    trigger["routing_key"] = alerts.poster
    trigger["dedup_key"] = "srv01/mysql-pd"
    answer = alerts.client.post("/v2/enqueue", json=trigger)  # no Authorization header
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "success" and body["message"] == "Event processed"
    assert body["dedup_key"] == "srv01/mysql-pd"
    (ref,) = body["incidents"]
    incident = alerts.incident(ref)
    assert incident["title"] == "DISK at 99% on machine prod-datapipe03.example.com"
    assert incident["service"] == "mysql"  # payload.component
    assert incident["declared_by"] == "alerts:pagerduty"

    # The same event again, on warroom's own path: absorbed by the dedup_key.
    again = alerts.client.post("/api/v1/alerts/pagerduty", json=trigger)
    assert again.status_code == 202 and again.json()["incidents"] == [ref]
    assert len(alerts.events(ref, "alert_fired")) == 1

    acknowledge = payload("pagerduty_acknowledge")
    acknowledge.update(routing_key=alerts.poster, dedup_key="srv01/mysql-pd")
    seq = alerts.incident(ref)["last_seq"]
    assert alerts.client.post("/v2/enqueue", json=acknowledge).status_code == 202
    assert alerts.incident(ref)["last_seq"] == seq  # acknowledged, nothing else
    (record,) = [a for a in alerts.alerts(state="all") if a["key"] == "srv01/mysql-pd"]
    assert record["acknowledged"] is True and record["status"] == "firing"

    # The routing_key is a credential: never kept, never shown.
    everything = alerts.client.get(
        "/api/v1/alerts", params={"state": "all", "limit": 10_000}, headers=auth(alerts.viewer)
    )
    assert alerts.poster not in everything.text

    resolve = payload("pagerduty_resolve")
    resolve.update(routing_key=alerts.poster, dedup_key="srv01/mysql-pd")
    assert alerts.client.post("/v2/enqueue", json=resolve).status_code == 202
    assert len(alerts.events(ref, "alert_resolved")) == 1


def test_a_pagerduty_trigger_without_dedup_key_gets_one(alerts: Alerts) -> None:
    trigger = payload("pagerduty_trigger")
    del trigger["dedup_key"]
    trigger["payload"]["severity"] = "warning"  # to the inbox
    answer = alerts.post("pagerduty", trigger)  # the bearer header works too
    assert answer.status_code == 202, answer.text
    key = answer.json()["dedup_key"]
    assert len(key) == 32 and int(key, 16) >= 0
    assert answer.json()["incidents"] == []
    trigger["dedup_key"] = key  # the sender now resends with it: the same alert
    alerts.post("pagerduty", trigger).raise_for_status()
    matching = [a for a in alerts.alerts(state="all") if a["key"] == key]
    assert len(matching) == 1 and matching[0]["repeats"] == 1


def test_pagerduty_routing_key_must_be_a_valid_token_allowed_to_post(alerts: Alerts) -> None:
    trigger = payload("pagerduty_trigger")  # its routing_key is PagerDuty's sample
    _error(alerts.client.post("/v2/enqueue", json=trigger), 401, "unauthorized")
    trigger["routing_key"] = alerts.viewer
    _error(alerts.client.post("/v2/enqueue", json=trigger), 403, "forbidden")
    del trigger["routing_key"]
    _error(alerts.client.post("/v2/enqueue", json=trigger), 401, "unauthorized")
    # Elsewhere the routing_key is no credential.
    generic = {**payload("generic_firing"), "routing_key": alerts.poster}
    _error(alerts.client.post("/api/v1/alerts/generic", json=generic), 401, "unauthorized")


def test_generic_alerts_declare_when_critical_and_resolve(alerts: Alerts) -> None:
    answer = alerts.accepted("generic", payload("generic_firing"))
    (ref,) = answer["incidents"]
    incident = alerts.incident(ref)
    assert incident["title"] == "Nightly backup failed"
    assert incident["service"] == "backups"
    alerts.accepted("generic", payload("generic_resolved"))
    assert len(alerts.events(ref, "alert_resolved")) == 1


def test_concurrent_batches_of_one_group_make_one_incident(alerts: Alerts) -> None:
    batches = [
        _alertmanager("Storm", *(f"storm-{b:02}-{n:02}" for n in range(20))) for b in range(50)
    ]
    batches += batches[:10]  # Alertmanager's retries: absorbed by the fingerprints

    def send(body: dict[str, Any]) -> list[str]:
        with httpx.Client(base_url=alerts.server.url, timeout=60) as client:
            answer = client.post(
                "/api/v1/alerts/alertmanager", json=body, headers=auth(alerts.poster)
            )
            assert answer.status_code == 202, answer.text
            return answer.json()["incidents"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(send, batches))
    refs = {ref for answer in answers for ref in answer}
    assert len(refs) == 1
    stored = [a for a in alerts.alerts(state="all", limit=10_000) if a["key"].startswith("storm-")]
    assert len(stored) == 1000
    assert sum(record["repeats"] for record in stored) == 200


def test_a_dropped_alert_is_accepted_and_not_stored(alerts: Alerts) -> None:
    body = _alertmanager("NoisyNeighbour", "noisy0001")
    answer = alerts.accepted("alertmanager", body)
    assert answer["incidents"] == []
    assert not [a for a in alerts.alerts(state="all") if a["key"] == "noisy0001"]


# -- who may -------------------------------------------------------------------------------


def test_an_alerts_token_posts_alerts_and_reads_nothing(alerts: Alerts) -> None:
    client, poster = alerts.client, alerts.poster
    for path in (
        "/api/v1/incidents",
        "/api/v1/alerts",
        "/api/v1/events",
        "/api/v1/catalog",
        "/api/v1/tokens",
    ):
        detail = _error(client.get(path, headers=auth(poster)), 403, "forbidden")
        assert "alerts-1" in detail
    with client.stream("GET", "/api/v1/stream", headers=auth(poster)) as answer:
        assert answer.status_code == 403
    me = client.get("/api/v1/me", headers=auth(poster)).json()
    assert (me["name"], me["role"]) == ("alerts-1", "alerts")


def test_a_viewer_may_not_post_alerts_but_responder_and_admin_may(alerts: Alerts) -> None:
    body = {"title": "disk 91% on build-3", "status": "firing", "severity": "warning"}
    _error(alerts.post("generic", body, alerts.viewer), 403, "forbidden")
    _error(alerts.client.post("/api/v1/alerts/generic", json=body), 401, "unauthorized")
    assert alerts.post("generic", body, alerts.responder).status_code == 202
    assert alerts.post("generic", body, alerts.admin).status_code == 202


def test_token_create_role_alerts_on_the_command_line(alerts: Alerts) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "token", "create", "--role", "alerts", "--name", "am"],
        env={**server_env(alerts.server.root), "WARROOM_DB": str(alerts.server.db)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert alerts.post("generic", payload("generic_resolved"), token).status_code == 202
    _error(alerts.client.get("/api/v1/incidents", headers=auth(token)), 403, "forbidden")
    # And through the API.
    made = alerts.client.post(
        "/api/v1/tokens", json={"name": "grafana", "role": "alerts"}, headers=auth(alerts.admin)
    )
    assert made.status_code == 201 and made.json()["role"] == "alerts"
    assert alerts.post("generic", payload("generic_resolved"), made.json()["token"]).is_success


# -- bad bodies ------------------------------------------------------------------------------


def _stored(alerts: Alerts) -> int:
    return len(alerts.alerts(state="all", limit=10_000))


def test_bad_json_is_400_a_wrong_shape_422_naming_the_field(alerts: Alerts) -> None:
    before = _stored(alerts)
    headers = {**auth(alerts.poster), "Content-Type": "application/json"}
    for text in (b"{not json", b"", b'{"alerts": [NaN]}', b"\xff\xfe"):
        answer = alerts.client.post("/api/v1/alerts/alertmanager", content=text, headers=headers)
        assert "body" in _error(answer, 400, "bad_request")

    broken = payload("alertmanager_firing")
    del broken["alerts"][0]["labels"]
    detail = _error(alerts.post("alertmanager", broken), 422, "invalid")
    assert "alerts[0].labels" in detail
    # One good alert beside a bad one: nothing of the payload is stored.
    mixed = _alertmanager("HalfBroken", "half0001", "half0002")
    mixed["alerts"][1]["startsAt"] = "yesterday-ish"
    assert "alerts[1].startsAt" in _error(alerts.post("alertmanager", mixed), 422, "invalid")
    assert "body" in _error(alerts.post("generic", ["a", "list"]), 422, "invalid")
    assert _stored(alerts) == before


def test_a_body_over_10_mb_is_413_and_nothing_is_stored(alerts: Alerts) -> None:
    before = _stored(alerts)
    body = _alertmanager("Huge", "huge0001")
    body["alerts"][0]["annotations"]["description"] = "x" * (10 * 1024 * 1024)
    answer = alerts.post("alertmanager", body)
    assert "10485760" in _error(answer, 413, "too_large")
    assert _stored(alerts) == before


def test_a_body_just_under_10_mb_is_stored_whole(tmp_path: Path) -> None:
    db = tmp_path / "warroom.db"
    token = make_token(db, "am", "alerts")
    viewer = make_token(db, "reader", "viewer")
    server = Server(db, tmp_path).start()
    try:
        body = _alertmanager("Big", "big00001")
        body["alerts"][0]["annotations"]["description"] = "y" * (9 * 1024 * 1024)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            answer = client.post("/api/v1/alerts/alertmanager", json=body, headers=auth(token))
            assert answer.status_code == 202, answer.text
            (ref,) = answer.json()["incidents"]
            (record,) = client.get(
                "/api/v1/alerts", params={"state": "all"}, headers=auth(viewer)
            ).json()
            assert len(record["annotations"]["description"]) == 9 * 1024 * 1024
            events = client.get(f"/api/v1/incidents/{ref}/events", headers=auth(viewer)).json()
            (fired,) = [e for e in events["events"] if e["kind"] == "alert_fired"]
            assert len(fired["data"]["annotations"]["description"]) < 64 * 1024  # cut, with …
    finally:
        server.stop()


# -- the inbox ---------------------------------------------------------------------------------


def _to_inbox(alerts: Alerts, title: str, fingerprint: str) -> dict[str, Any]:
    body = {"title": title, "status": "firing", "severity": "warning", "fingerprint": fingerprint}
    assert alerts.accepted("generic", body)["incidents"] == []
    (record,) = [a for a in alerts.alerts() if a["key"] == fingerprint]
    assert record["state"] == "inbox"
    return record


def test_the_inbox_declare_attach_ignore(alerts: Alerts) -> None:
    client = alerts.client
    first = _to_inbox(alerts, "queue depth high", "inbox-1")
    second = _to_inbox(alerts, "queue consumers lagging", "inbox-2")
    third = _to_inbox(alerts, "flaky probe", "inbox-3")

    declared = client.post(
        f"/api/v1/alerts/{first['id'][:8]}/declare",
        json={"severity": 4, "title": "Queue backlog"},
        headers=auth(alerts.responder),
    )
    assert declared.status_code == 201, declared.text
    incident = declared.json()["incident"]
    assert incident["severity"] == 4 and incident["title"] == "Queue backlog"
    assert declared.json()["alerts"][0]["id"] == first["id"]
    assert declared.json()["alerts"][0]["state"] == "incident"
    ref = incident["ref"]

    attached = client.post(
        f"/api/v1/alerts/{second['id']}/attach",
        json={"incident": ref},
        headers=auth(alerts.responder),
    )
    assert attached.status_code == 200, attached.text
    assert attached.json()["incident"]["id"] == incident["id"]
    assert len(alerts.events(ref, "alert_fired")) == 2

    ignored = client.post(f"/api/v1/alerts/{third['id']}/ignore", headers=auth(alerts.admin))
    assert ignored.status_code == 200, ignored.text
    assert ignored.json()["alerts"][0]["state"] == "ignored"

    inbox = {a["id"] for a in alerts.alerts()}
    assert not inbox & {first["id"], second["id"], third["id"]}
    mine = alerts.alerts(state="all", incident=ref)
    assert {a["id"] for a in mine} == {first["id"], second["id"]}
    assert len(alerts.alerts(state="all", limit=1)) == 1
    assert alerts.get(f"/api/v1/alerts/{third['id'][:10]}")["state"] == "ignored"

    # Viewers read the inbox but do not act on it; unknown alerts are 404.
    viewer = auth(alerts.viewer)
    _error(client.post(f"/api/v1/alerts/{third['id']}/ignore", headers=viewer), 403, "forbidden")
    _error(
        client.post("/api/v1/alerts/0000dead/ignore", headers=auth(alerts.responder)),
        404,
        "not_found",
    )
    _error(client.get("/api/v1/alerts", params={"state": "odd"}, headers=viewer), 422, "invalid")


def _stream_frames(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """(event name, raw data) per SSE frame with data."""
    name: str | None = None
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = None, []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def test_the_stream_carries_an_inbox_event_with_ids_and_counts_only(alerts: Alerts) -> None:
    title = f"{HOSTILE} inbox-stream-secret"
    found: list[tuple[str | None, str]] = []
    ready = threading.Event()

    def read() -> None:
        with (
            httpx.Client(base_url=alerts.server.url, timeout=20) as reader,
            reader.stream("GET", "/api/v1/stream", headers=auth(alerts.viewer)) as answer,
        ):
            ready.set()
            for frame in _stream_frames(answer.iter_lines()):
                # the intake's (the sweeper's purge may tell of an older change first)
                if frame[0] == "inbox" and '"intake"' in frame[1]:
                    found.append(frame)
                    return

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    assert ready.wait(10)
    time.sleep(0.3)
    record = _to_inbox(alerts, title, "inbox-stream-1")
    thread.join(15)
    assert found, "no inbox event arrived"
    _, raw = found[0]
    assert "secret" not in raw and "pwned" not in raw and "click" not in raw
    data = json.loads(raw)
    assert set(data) == {"count", "critical", "alerts", "causes"}
    assert record["id"] in data["alerts"] and data["count"] >= 1
    assert "intake" in data["causes"]


def test_the_openapi_document_has_the_alert_endpoints(alerts: Alerts) -> None:
    document = alerts.client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for source in ("alertmanager", "grafana", "pagerduty", "generic"):
        post = paths[f"/api/v1/alerts/{source}"]["post"]
        schema = post["requestBody"]["content"]["application/json"]["schema"]
        assert schema["properties"], source
        assert {"202", "400", "413", "422"} <= set(post["responses"])
    assert "routing_key" in json.dumps(paths["/v2/enqueue"]["post"]["requestBody"])
    alertmanager = json.dumps(paths["/api/v1/alerts/alertmanager"]["post"]["requestBody"])
    assert "fingerprint" in alertmanager and "groupKey" in alertmanager
    assert "get" in paths["/api/v1/alerts"]
    for action in ("declare", "attach", "ignore"):
        assert "post" in paths[f"/api/v1/alerts/{{alert}}/{action}"]


def test_serve_refuses_a_bad_alert_rule_naming_file_rule_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[alert_rules]]\nname = "pager"\nmatch_re = { alertname = "(" }\naction = "declare"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "serve", "--db", str(tmp_path / "w.db"), "--port", "0"],
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert str(config) in done.stderr and "pager" in done.stderr and "match_re" in done.stderr
    assert "Traceback" not in done.stderr
