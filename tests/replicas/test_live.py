"""Replicas hold no state of their own: what one replica takes, the others
stream live (cross-replica delivery through LISTEN/NOTIFY), and a token
made once works on all of them, until it is revoked through any one."""

from __future__ import annotations

from pathlib import Path

from tests.replicas.cluster import ADMIN, Cluster, Subscriber, create_token
from tests.server.conftest import declare, note_body

DEADLINE = 60.0


def test_an_event_appended_through_one_replica_reaches_live_streams_on_every_other(
    replicas: Cluster,
) -> None:
    """Each replica in turn takes a note; a subscriber of the incident's stream
    and one of the all-incidents stream on every replica receive it."""
    with replicas.client(0) as client:
        incident_id = declare(client, replicas.token, "Cross-replica")
    count = len(replicas.replicas)
    before = replicas.events(incident_id)[0]["gseq"] - 1  # (the store is shared with other tests)
    token = replicas.token
    on_incident = [
        Subscriber([url], token, incident_id, 1 + count).start() for url in replicas.urls
    ]
    on_all = [Subscriber([url], token, None, 1 + count, before).start() for url in replicas.urls]
    written = []
    for index in range(count):
        with replicas.client(index) as client:
            answer = client.post(
                f"/api/v1/incidents/{incident_id}/events", json=note_body(f"via {index}")
            )
        assert answer.status_code == 201, answer.text
        written.append(answer.json())
    for subscriber in on_incident + on_all:
        events = subscriber.join(DEADLINE)
        assert events[1:] == written  # whole, in order, from whichever replica took it
        assert [e["data"]["text"] for e in events[1:]] == ["via 0", "via 1", "via 2"]


def test_one_token_works_on_every_replica_and_a_revocation_through_one_holds_on_all(
    replicas: Cluster, tmp_path: Path
) -> None:
    store_ids = set()
    for index in range(len(replicas.replicas)):
        with replicas.client(index) as client:
            me = client.get("/api/v1/me").json()
        assert (me["name"], me["role"]) == (ADMIN, "admin")
        store_ids.add(me["store_id"])
    # One store behind them all: clients key their outboxes by its id.
    assert len(store_ids) == 1 and None not in store_ids

    # A token made through one replica's API works on the others ...
    with replicas.client(0) as client:
        made = client.post("/api/v1/tokens", json={"name": "bob", "role": "responder"})
        assert made.status_code == 201, made.text
        incident_id = declare(client, replicas.token, "Tokens")
    bob = made.json()["token"]
    # ... and one made with `warroom token create` on a host through the others.
    carol = create_token(replicas.db_url, tmp_path, "carol", "viewer")
    for index in range(len(replicas.replicas)):
        with replicas.client(index, bob) as client:
            answer = client.post(
                f"/api/v1/incidents/{incident_id}/events", json=note_body(f"bob {index}")
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["actor"] == "bob"
        with replicas.client(index, carol) as client:
            me = client.get("/api/v1/me").json()
        assert (me["name"], me["role"]) == ("carol", "viewer")
    with replicas.client(2) as client:
        names = {info["name"] for info in client.get("/api/v1/tokens").json()}
    assert names == {ADMIN, "bob", "carol"}

    # bob's live stream on replica 2; bob revoked through replica 1.
    stream = Subscriber([replicas.urls[2]], bob, incident_id, 10**6).start()
    with replicas.client(1) as client:
        assert client.delete("/api/v1/tokens/bob").status_code == 200
    for index in range(len(replicas.replicas)):
        with replicas.client(index, bob) as client:
            answer = client.get("/api/v1/me")
            assert answer.status_code == 401 and "revoked" in answer.json()["detail"]
            refused = client.post(
                f"/api/v1/incidents/{incident_id}/events", json=note_body("after")
            )
            assert refused.status_code == 401
        with replicas.client(index, carol) as client:  # the others' tokens still work
            assert client.get("/api/v1/me").status_code == 200
    # The stream on another replica ends at its next token check (a
    # heartbeat), and reopening it is refused.
    stream.join(DEADLINE)
    assert not stream.running and stream.refused == 401 and stream.connections == 1
    notes = [e["data"]["text"] for e in replicas.events(incident_id) if e["kind"] == "note"]
    assert notes == ["bob 0", "bob 1", "bob 2"]
