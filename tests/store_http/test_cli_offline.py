"""The real `warroom` command against a server that goes away and comes back."""

from __future__ import annotations

import json
import re

from tests.server.conftest import now_text
from tests.store_http.conftest import Cli, Served, seqs
from warroom.core.events import new_id


def test_appends_while_the_server_is_down_are_queued_then_delivered_once(
    served: Served, cli: Cli
) -> None:
    declared = cli("declare", "Checkout API 502s", "--sev", "2")
    assert (declared.returncode, declared.stdout.strip()) == (0, "INC-1"), declared.stderr
    online = cli("log", "INC-1", "rolled back 4.2.1", "--as", "bob")
    assert online.returncode == 0 and "(seq 2)" in online.stdout
    assert "--as is ignored against a server" in online.stderr

    served.server.stop()
    # (a refused connection is said at once: tests/store_http/test_three_am.py times it)
    first = cli("log", "INC-1", "db primary failed over", WARROOM_FLUSH_SECONDS="")
    assert first.returncode == 0, first.stderr
    assert "INC-1: note recorded (pending)" in first.stdout
    assert "queued: server unreachable, 1 pending" in first.stderr
    second = cli("status", "INC-1", "identified", "--note", "bad deploy")
    assert second.returncode == 0, second.stderr
    assert "queued: server unreachable, 2 pending" in second.stderr

    # The room still opens from the cache, marked stale, with what is pending.
    shown = cli("show", "INC-1", "--json")
    assert shown.returncode == 0, shown.stderr
    state = json.loads(shown.stdout)
    assert (state["ref"], state["title"], state["status"]) == (
        "INC-1",
        "Checkout API 502s",
        "identified",
    )
    assert "server unreachable: showing cached data from" in shown.stderr
    timeline = cli("timeline", "INC-1")
    assert timeline.returncode == 0, timeline.stderr
    for text in ("rolled back 4.2.1", "db primary failed over", "identified"):
        assert text in timeline.stdout
    assert "2 of these events are pending delivery" in timeline.stderr
    assert "server unreachable: showing cached data from" in timeline.stderr
    still_down = cli("sync")
    assert still_down.returncode == 1
    assert still_down.stdout.count("pending ") == 2
    assert "server unreachable: 2 pending" in still_down.stderr

    served.server.start()
    synced = cli("sync")
    assert synced.returncode == 0, synced.stderr
    assert "delivered 2 event(s)" in synced.stdout
    assert cli("sync").stdout.strip() == "nothing pending"

    events = served.events(json.loads(shown.stdout)["id"])
    assert seqs(events) == [1, 2, 3, 4]
    assert [e["kind"] for e in events] == ["declared", "note", "note", "status_changed"]
    assert len({e["id"] for e in events}) == 4
    assert {e["actor"] for e in events} == {"alice"}  # the token's name, never --as
    assert cli("show", "INC-1", "--json").stderr == ""  # live again: no stale note


def test_an_offline_declare_is_pending_until_the_server_gives_it_a_number(
    served: Served, cli: Cli
) -> None:
    assert cli("declare", "Search is slow").stdout.strip() == "INC-1"
    served.server.stop()

    declared = cli("declare", "Payments timing out", "--sev", "1", "--service", "payments")
    assert declared.returncode == 0, declared.stderr
    match = re.fullmatch(r"([0-9a-f]{8}) \(pending\)", declared.stdout.strip())
    assert match, declared.stdout
    prefix = match[1]
    assert "queued: server unreachable, 1 pending" in declared.stderr
    # It can be written to and listed while pending, by its id prefix.
    assert cli("log", prefix, "card processor returns 504").returncode == 0
    listed = cli("list")
    assert f"{prefix} SEV1" in listed.stdout and "INC-1" in listed.stdout

    served.server.start()
    assert "delivered 2 event(s)" in cli("sync").stdout
    shown = json.loads(cli("show", prefix, "--json").stdout)
    assert shown["ref"] == "INC-2" and shown["id"].startswith(prefix)
    assert shown["declared_by"] == "alice"
    assert [e["kind"] for e in served.events(shown["id"])] == ["declared", "note"]


def test_an_event_the_server_refuses_on_delivery_stays_visible_as_rejected(
    served: Served, cli: Cli
) -> None:
    assert cli("declare", "Queue backlog").returncode == 0
    incident_id = json.loads(cli("show", "INC-1", "--json").stdout)["id"]
    # Someone else resolves and closes it; this client has not seen that.
    for status in ("resolved", "closed"):
        body = {"id": new_id(), "kind": "status_changed", "occurred_at": now_text()}
        body["data"] = {"to": status}
        served.post(f"/incidents/{incident_id}/events", body)
    served.server.stop()

    queued = cli("status", "INC-1", "mitigated")  # fine by the cached state
    assert queued.returncode == 0, queued.stderr
    assert "queued: server unreachable, 1 pending" in queued.stderr

    served.server.start()
    for _ in range(2):  # shown, and kept
        synced = cli("sync")
        assert synced.returncode == 0, synced.stderr
        rejected = [line for line in synced.stdout.splitlines() if line.startswith("rejected")]
        assert len(rejected) == 1, synced.stdout
        assert "INC-1" in rejected[0] and "status_changed" in rejected[0]
        assert "cannot move INC-1 from closed to mitigated" in rejected[0]
    assert [e["kind"] for e in served.events(incident_id)][-1] == "status_changed"
    assert json.loads(cli("show", "INC-1", "--json").stdout)["status"] == "closed"

    dismissed = cli("sync", "--dismiss-rejected")
    assert "dismissed 1 rejected event(s)" in dismissed.stdout
    assert cli("sync").stdout.strip() == "nothing pending"


def test_an_event_refused_while_the_server_is_up_is_an_error_not_a_queue(
    served: Served, cli: Cli
) -> None:
    assert cli("declare", "Disk full").returncode == 0
    refused = cli("status", "INC-1", "closed")
    assert refused.returncode == 1
    assert "cannot move INC-1 from investigating to closed" in refused.stderr
    assert cli("sync").stdout.strip() == "nothing pending"
    assert len(served.events(json.loads(cli("show", "INC-1", "--json").stdout)["id"])) == 1


def test_without_a_token_the_command_says_how_to_get_one(served: Served, cli: Cli) -> None:
    missing = cli("list", WARROOM_TOKEN="")
    assert missing.returncode == 2 and "--server needs a token" in missing.stderr
    wrong = cli("list", WARROOM_TOKEN="wr_not-a-token")
    assert wrong.returncode == 1 and "refused the token" in wrong.stderr
    assert "wr_not-a-token" not in served.server.log()
