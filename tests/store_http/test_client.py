"""The http store against the module's shared server: roles, import, the
outbox file's place, and what the TUI asks of it (who am I, connection state)."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest

from tests.server.conftest import Running, auth
from tests.store_http.conftest import running_cli
from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.errors import UsageError
from warroom.core.events import make_event, new_id
from warroom.store.http import HTTPStore


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_viewer_token_reads_but_cannot_write(running: Running, tmp_path: Path) -> None:
    with HTTPStore(running.server.url, running.responder, tmp_path / "r.db") as responder:
        declared = make_event(new_id(), "declared", "x", {"title": "t", "severity": 2}, _now())
        incident_id = responder.append(declared).incident_id
        assert responder.whoami() == {"name": "responder-1", "role": "responder"}
        assert not responder.is_viewer()
    with HTTPStore(running.server.url, running.viewer, tmp_path / "v.db") as viewer:
        assert viewer.is_viewer() and viewer.actor == "viewer-1"
        assert viewer.incident(incident_id).title == "t"
        with pytest.raises(UsageError, match="viewer token"):
            viewer.append(make_event(incident_id, "note", "viewer-1", {"text": "hi"}, _now()))
        assert viewer.connection_state() == ("live", 0)
    refused = running_cli(running, running.viewer, tmp_path)("log", "1", "x")
    assert refused.returncode == 2 and "viewer token" in refused.stderr


def test_import_goes_through_the_admin_only_endpoint_and_keeps_actors(
    running: Running, tmp_path: Path
) -> None:
    incident_id = new_id()
    events = [
        make_event(incident_id, "declared", "carol", {"title": "imported", "severity": 3}, _now()),
        make_event(incident_id, "note", "dave", {"text": "from the file"}, _now()),
    ]
    export = tmp_path / "export.json"
    document = {"format": "warroom-export", "version": 1, "events": [e.to_dict() for e in events]}
    export.write_text(json.dumps(document))

    as_responder = running_cli(running, running.responder, tmp_path)
    refused = as_responder("import", str(export))
    assert refused.returncode == 2 and "import needs an admin token" in refused.stderr

    (tmp_path / "admin").mkdir()
    as_admin = running_cli(running, running.admin, tmp_path / "admin")
    for new in (2, 0):  # importing twice changes nothing
        imported = as_admin("import", str(export))
        assert imported.returncode == 0, imported.stderr
        assert f"imported {new} new events" in imported.stdout
    timeline = json.loads(as_admin("timeline", incident_id[:8], "--json").stdout)
    assert [(e["actor"], e["kind"]) for e in timeline] == [("carol", "declared"), ("dave", "note")]


def test_the_outbox_is_one_file_per_store_in_the_user_data_folder(
    running: Running, tmp_path: Path
) -> None:
    cli = running_cli(running, running.responder, tmp_path)
    del cli.env["WARROOM_OUTBOX"]
    for servers in (running.server.url, f"http://127.0.0.1:9,{running.server.url}"):
        assert cli("list", "--all", WARROOM_SERVER=servers).returncode == 0
    folder = tmp_path / "xdg-data" / "warroom"
    # Named after the URL of the first contact (as releases before store ids
    # named it), then found by the store's id whatever the list of URLs.
    digest = hashlib.sha256(running.server.url.encode()).hexdigest()[:12]
    assert [path.name for path in folder.glob("outbox-*.db")] == [f"outbox-{digest}.db"]
    me = running.client.get("/api/v1/me", headers=auth(running.responder)).json()
    index = json.loads((folder / "outboxes.json").read_text())
    assert index["servers"] == {running.server.url: me["store_id"]}


def test_connection_state_and_pending_count_when_the_server_is_unreachable(
    tmp_path: Path,
) -> None:
    with HTTPStore(f"http://127.0.0.1:{free_port()}", "wr_x", tmp_path / "o.db") as store:
        declared = make_event(new_id(), "declared", "me", {"title": "t", "severity": 2}, _now())
        pending = store.append(declared)
        assert pending.seq is None and pending.gseq is None
        assert store.connection_state() == ("reconnecting", 1)
        assert store.incident(declared.incident_id).number is None  # the fold of what is pending
        assert store.stale and "nothing is cached" in store.stale_note()
        assert [i.title for i in store.incidents()] == ["t"]
        assert store.resolve(declared.incident_id[:6]) == declared.incident_id


def _now():  # type: ignore[no-untyped-def]
    return SYSTEM_CLOCK.now()
