"""Tokens and roles, against a real server: who may do what, and what the log shows."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from tests.server.conftest import (
    Running,
    auth,
    declare,
    declare_body,
    make_token,
    note_body,
    server_env,
)
from tests.sqlstores import reopen, sql_rows
from warroom.core.errors import NotFound, UsageError
from warroom.server.tokens import TokenStore
from warroom.store.sql.store import SQLStore


def _is_error(answer, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == code
    assert "Traceback" not in answer.text


def test_missing_wrong_and_revoked_tokens_get_401_with_a_challenge(running: Running) -> None:
    client = running.client
    revoked = make_token(running.server.db, "leaver", "responder")
    assert client.get("/api/v1/incidents", headers=auth(revoked)).status_code == 200
    client.delete("/api/v1/tokens/leaver", headers=auth(running.admin)).raise_for_status()

    cases = {
        "none": {},
        "wrong": auth("wr_" + "A" * 43),
        "not ours": auth("ghp_0123456789abcdef"),
        "revoked": auth(revoked),
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "bearer, no token": {"Authorization": "Bearer"},
    }
    for name, headers in cases.items():
        answer = client.get("/api/v1/incidents", headers=headers)
        _is_error(answer, 401, "unauthorized")
        assert answer.headers["www-authenticate"].startswith("Bearer"), name
    assert "revoked" in client.get("/api/v1/me", headers=auth(revoked)).json()["detail"]


def test_a_token_is_only_accepted_in_the_authorization_header(running: Running) -> None:
    answer = running.client.get("/api/v1/incidents", params={"token": running.admin})
    _is_error(answer, 401, "unauthorized")
    with httpx.Client(base_url=running.server.url, cookies={"token": running.admin}) as client:
        _is_error(client.get("/api/v1/incidents"), 401, "unauthorized")


def test_roles_viewer_reads_responder_writes_admin_manages(running: Running) -> None:
    client = running.client
    incident_id = declare(client, running.responder)

    assert client.get(f"/api/v1/incidents/{incident_id}", headers=auth(running.viewer)).is_success
    viewer_write = client.post(
        f"/api/v1/incidents/{incident_id}/events",
        json=note_body("viewers may not write"),
        headers=auth(running.viewer),
    )
    _is_error(viewer_write, 403, "forbidden")
    viewer_declare = client.post(
        "/api/v1/incidents", json=declare_body(), headers=auth(running.viewer)
    )
    _is_error(viewer_declare, 403, "forbidden")

    for method, path, body in (
        ("GET", "/api/v1/tokens", None),
        ("POST", "/api/v1/tokens", {"name": "sneaky", "role": "admin"}),
        ("DELETE", "/api/v1/tokens/admin-1", None),
        ("POST", "/api/v1/import", {"events": []}),
    ):
        answer = client.request(method, path, json=body, headers=auth(running.responder))
        _is_error(answer, 403, "forbidden")
    names = [t["name"] for t in client.get("/api/v1/tokens", headers=auth(running.admin)).json()]
    assert "sneaky" not in names and "admin-1" in names

    made = client.post(
        "/api/v1/tokens",
        json={"name": "wall-screen", "role": "viewer"},
        headers=auth(running.admin),
    )
    assert made.status_code == 201, made.text
    fresh = made.json()["token"]
    assert fresh.startswith("wr_") and len(fresh) >= 3 + 22  # >= 128 random bits
    me = client.get("/api/v1/me", headers=auth(fresh)).json()
    assert (me["name"], me["role"]) == ("wall-screen", "viewer")
    listed = client.get("/api/v1/tokens", headers=auth(running.admin)).text
    assert fresh not in listed


def test_the_actor_is_the_tokens_name_never_the_request(running: Running) -> None:
    client = running.client
    body = declare_body()
    body["actor"] = "someone-else"
    declared = client.post("/api/v1/incidents", json=body, headers=auth(running.responder))
    assert declared.status_code == 201, declared.text
    assert declared.json()["event"]["actor"] == "responder-1"
    assert declared.json()["incident"]["declared_by"] == "responder-1"
    note = note_body("who wrote this?") | {"actor": "ceo"}
    incident_id = declared.json()["incident"]["id"]
    stored = client.post(
        f"/api/v1/incidents/{incident_id}/events", json=note, headers=auth(running.responder)
    )
    assert stored.json()["actor"] == "responder-1"
    batch = client.post(
        "/api/v1/events/batch",
        json={"events": [note_body("batched") | {"incident_id": incident_id, "actor": "ceo"}]},
        headers=auth(running.responder),
    )
    assert batch.status_code == 201, batch.text
    assert batch.json()["events"][0]["actor"] == "responder-1"


def test_import_is_admin_only_and_keeps_the_files_actors(running: Running) -> None:
    client = running.client
    source = declare_body("imported incident")
    incident_id = source["incident_id"]
    events = [
        source | {"actor": "alice"},
        note_body("from the file") | {"incident_id": incident_id, "actor": "bob", "base_seq": 1},
    ]
    document = {"format": "warroom-export", "version": 1, "events": events}
    answer = client.post("/api/v1/import", json=document, headers=auth(running.admin))
    assert answer.status_code == 201, answer.text
    assert answer.json()["new"] == 2
    assert [e["actor"] for e in answer.json()["events"]] == ["alice", "bob"]
    again = client.post("/api/v1/import", json=document, headers=auth(running.admin))
    assert again.json()["new"] == 0
    timeline = client.get(
        f"/api/v1/incidents/{incident_id}/events", headers=auth(running.viewer)
    ).json()
    assert [e["actor"] for e in timeline["events"]] == ["alice", "bob"]


def test_no_token_ever_appears_in_the_servers_log(running: Running) -> None:
    client = running.client
    tokens = [running.admin, running.responder, running.viewer]
    for token in tokens:
        client.get("/api/v1/incidents", headers=auth(token), params={"q": token})
        client.post("/api/v1/incidents", content=b"{not json", headers=auth(token))
    client.get("/api/v1/me", params={"token": running.admin})
    # A request's line is written once its answer has gone: wait for the last one.
    deadline = time.monotonic() + 10
    while "GET /api/v1/me 401" not in (log := running.server.log()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "GET /api/v1/incidents 200" in log  # the log does have one line per request
    assert "GET /api/v1/me 401" in log
    for token in tokens:
        assert token not in log
        assert token[3:15] not in log
    assert "Bearer" not in log and "authorization" not in log.lower()
    assert "?" not in "".join(line for line in log.splitlines() if " /api/v1/" in line)


def test_token_commands_and_a_revoke_that_takes_effect_at_once(running: Running) -> None:
    env = server_env(running.server.root)
    db = str(running.server.db)

    def warroom(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "warroom", *args, "--db", db],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    made = warroom("token", "create", "--role", "responder", "--name", "pager-bot")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("wr_") and "shown only now" in made.stderr
    assert running.client.get("/api/v1/me", headers=auth(token)).json()["name"] == "pager-bot"

    # `token list`, which must not load the web framework (only `serve` does).
    code = (
        "import sys\n"
        "from warroom.cli import main\n"
        f"main(['token', 'list', '--json', '--db', {db!r}])\n"
        "web = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'uvicorn', 'starlette'))\n"
        "sys.stderr.write(repr(web))\n"
    )
    listed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert listed.returncode == 0 and listed.stderr.endswith("[]"), listed.stderr
    entry = next(t for t in json.loads(listed.stdout) if t["name"] == "pager-bot")
    assert entry["role"] == "responder" and entry["revoked_at"] is None
    assert token not in listed.stdout
    for path in running.server.db.parent.glob("warroom.db*"):  # the file and its WAL
        assert token.encode() not in path.read_bytes()  # stored only as a hash

    revoked = warroom("token", "revoke", "pager-bot")
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    answer = running.client.get("/api/v1/me", headers=auth(token))
    assert answer.status_code == 401


def test_token_names_are_unique_and_checked(sql_store: SQLStore) -> None:
    tokens = TokenStore.for_store(sql_store)
    tokens.create("twice", "viewer")
    with pytest.raises(UsageError, match="already exists"):
        tokens.create("twice", "admin")
    with pytest.raises(UsageError, match="not valid"):
        tokens.create("bad name\x1b[31m", "viewer")
    with pytest.raises(UsageError, match="unknown role"):
        tokens.create("fine", "root")
    tokens.revoke("twice")
    with pytest.raises(NotFound):
        tokens.revoke("twice")
    tokens.create("twice", "viewer")  # a revoked name may be reused
    assert [t.revoked for t in tokens.list() if t.name == "twice"] == [True, False]


def test_a_token_made_or_revoked_by_another_process_holds_at_once(sql_store: SQLStore) -> None:
    """Replicas share the table: what one makes or revokes, the next request
    to another sees; the token itself is never stored, only its hash."""
    tokens = TokenStore.for_store(sql_store)
    with reopen(sql_store) as other:
        secret = TokenStore.for_store(other).create("pager-bot", "responder")
        checked = tokens.verify(secret)
        assert checked is not None and checked.name == "pager-bot" and not checked.revoked
        assert tokens.verify(secret + "x") is None
        tokens.revoke("pager-bot")
        again = TokenStore.for_store(other).verify(secret)
        assert again is not None and again.revoked
    stored = sql_rows(sql_store, "SELECT name, role, hash, created_at, revoked_at FROM tokens")
    assert len(stored) == 1 and secret not in repr(stored)
