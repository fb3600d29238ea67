"""`warroom alerts` and `warroom alert declare | attach | ignore | ingest` (issue 12),
in real subprocesses: on a real SQLite file, and with `--server` against a real
uvicorn server; each source's documented payloads (tests/alerts/payloads)
through `warroom alert ingest`; hostile alert text printed literally and safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Cli, assert_fails, assert_safe
from tests.conftest import Result, isolated_environ
from tests.server.conftest import Running, auth, make_token, running
from tests.store_http.conftest import running_cli
from warroom.core.alerts.model import AlertRecord

__all__ = ["running"]  # a fixture: the module's server

PAYLOADS = Path(__file__).parents[1] / "alerts" / "payloads"
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"
CLICK = "[@click=app.quit]x[/]"
RECORD_FIELDS = set(AlertRecord.__dataclass_fields__)


def payload(name: str) -> str:
    return (PAYLOADS / f"{name}.json").read_text(encoding="utf-8")


def generic(title: str, fingerprint: str, severity: str = "warning", **more: Any) -> str:
    """A generic alert body (the `generic` source), as a script would send it."""
    body = {"title": title, "status": "firing", "severity": severity, "fingerprint": fingerprint}
    return json.dumps({**body, **more})


def hostile_in_inbox() -> str:
    """The hostile Alertmanager body, made a warning so that it waits in the inbox."""
    body = json.loads(payload("alertmanager_hostile"))
    for alert in body["alerts"]:
        alert["labels"]["severity"] = "warning"
    body["commonLabels"] = {}
    return json.dumps(body)


def ingest(cli: Any, source: str, body: str, *more: str) -> Result:
    result = cli("alert", "ingest", "--source", source, *more, input=body)
    assert result.returncode == 0, (source, result)
    assert_safe(result)
    return result


def ok(cli: Any, *args: str) -> Result:
    """Run a command that must succeed, with safe output (either kind of Cli)."""
    result = cli(*args)
    assert result.returncode == 0, (args, result)
    assert_safe(result)
    return result


def listed(cli: Any, *args: str) -> list[dict[str, Any]]:
    result = cli("alerts", "--json", *args)
    assert result.returncode == 0, result
    assert_safe(result)
    return json.loads(result.stdout)


def by_summary(alerts: list[dict[str, Any]], text: str) -> dict[str, Any]:
    found = [alert for alert in alerts if text in alert["summary"]]
    assert len(found) == 1, (text, [alert["summary"][:60] for alert in alerts])
    return found[0]


# -- on the shared SQLite file -------------------------------------------------------------


@pytest.fixture(scope="module")
def fed(module_cli: Cli) -> Cli:
    """A store fed every documented firing payload through `warroom alert ingest`."""
    cli = module_cli
    lines = {
        source: ingest(cli, source, payload(f"{source}_{kind}")).stdout
        for source, kind in (
            ("alertmanager", "firing"),
            ("grafana", "firing"),
            ("pagerduty", "trigger"),
            ("generic", "firing"),
        )
    }
    # Critical alerts declare (the default rules); the others wait in the inbox.
    assert lines["alertmanager"] == "1 alert accepted: INC-1\n"
    assert lines["grafana"].startswith("2 alerts accepted: none went to an incident")
    assert lines["pagerduty"] == "1 alert accepted: INC-2; dedup_key srv01/mysql\n"
    assert lines["generic"] == "1 alert accepted: INC-3\n"
    return cli


def test_each_documented_payload_lands(fed: Cli) -> None:
    everything = listed(fed, "--all")
    assert {alert["source"] for alert in everything} == {
        "alertmanager",
        "grafana",
        "pagerduty",
        "generic",
    }
    probe = by_summary(everything, "BlackBox Probe Failure")
    assert (probe["state"], probe["incident"], probe["status"]) == ("incident", "INC-1", "firing")
    assert probe["labels"]["job"] == "http_checks"
    pager = by_summary(everything, "DISK at 99% on machine")
    assert (pager["state"], pager["incident"], pager["key"]) == ("incident", "INC-2", "srv01/mysql")
    assert by_summary(everything, "Nightly backup failed")["incident"] == "INC-3"
    incidents = {item["ref"]: item for item in fed.json("list", "--json")}
    assert incidents["INC-1"]["title"] == "BlackBox Probe Failure: https://server.example.org"
    assert incidents["INC-1"]["severity"] == 2
    # The inbox: the two Grafana alerts (no severity label), newest first.
    inbox = listed(fed)
    assert [alert["labels"]["alertname"] for alert in inbox] == [
        "High CPU usage",
        "High memory usage",
    ]
    assert {alert["state"] for alert in inbox} == {"inbox"}
    assert all(set(alert) == RECORD_FIELDS | {"incident"} for alert in everything)


def test_a_resend_is_a_repeat_and_a_resolve_resolves(fed: Cli) -> None:
    again = ingest(fed, "alertmanager", payload("alertmanager_firing"))
    assert again.stdout == "1 alert accepted: INC-1\n"
    probe = by_summary(listed(fed, "--incident", "INC-1"), "BlackBox Probe Failure")
    assert probe["repeats"] == 1
    ingest(fed, "generic", payload("generic_resolved"))
    backup = by_summary(listed(fed, "--incident", "INC-3"), "Nightly backup failed")
    assert backup["status"] == "resolved" and backup["ends_at"] is not None
    assert [item["ref"] for item in fed.json("list", "--json")].count("INC-3") == 1  # still open


def test_the_list_shows_the_columns(fed: Cli) -> None:
    inbox = listed(fed)
    shown = fed.ok("alerts").stdout.splitlines()
    assert shown[0].split() == [
        "ALERT",
        "SOURCE",
        "SEVERITY",
        "SERVICE",
        "SUMMARY",
        "FIRST",
        "SEEN",
        "LAST",
        "SEEN",
        "REPEATS",
        "STATUS",
        "STATE",
        "INCIDENT",
    ]
    assert len(shown) == 1 + len(inbox)
    for line, alert in zip(shown[1:], inbox, strict=True):
        assert line.startswith(alert["id"][:8] + "  grafana  -")
        assert "This alert was triggered for zone" in line
        assert line.split()[-4:] == ["0", "firing", "inbox", "-"]
    everything = fed.ok("alerts", "--all").stdout
    # --all adds the alerts routed to incidents (whatever other tests of the module did)
    assert "INC-1" in everything and "INC-2" in everything
    limited = fed.ok("alerts", "--all", "--limit", "2").stdout.splitlines()
    assert len(limited) == 3


def test_declare_attach_and_ignore(fed: Cli) -> None:
    for number in range(3):
        ingest(fed, "generic", generic(f"Disk {number} filling", f"disk-{number}"))
    inbox = listed(fed)
    disks = {alert["summary"]: alert["id"] for alert in inbox if "Disk" in alert["summary"]}
    # declare from an id prefix: the incident has the alert's summary and the given severity
    declared = fed.ok("alert", "declare", disks["Disk 0 filling"][:8], "--sev", "3")
    ref = declared.stdout.strip()
    assert ref.startswith("INC-") and f"{ref} declared from alert" in declared.stderr
    incident = fed.json("show", ref, "--json")
    assert (incident["title"], incident["severity"]) == ("Disk 0 filling", 3)
    # attach another to it
    attached = fed.ok("alert", "attach", disks["Disk 1 filling"][:10], ref)
    assert attached.stdout == f"alert {disks['Disk 1 filling'][:10]} attached to {ref}\n"
    on_it = listed(fed, "--incident", ref)
    assert sorted(alert["summary"] for alert in on_it) == ["Disk 0 filling", "Disk 1 filling"]
    assert {alert["state"] for alert in on_it} == {"incident"}
    # ignore the third: it leaves the inbox, `--all` still shows it
    ignored = fed.ok("alert", "ignore", disks["Disk 2 filling"])
    assert ignored.stdout.startswith(f"alert {disks['Disk 2 filling']} ignored")
    assert not any("Disk" in alert["summary"] for alert in listed(fed))
    assert by_summary(listed(fed, "--all"), "Disk 2 filling")["state"] == "ignored"
    # the timeline has the alerts
    kinds = [event["kind"] for event in fed.json("timeline", ref, "--json")]
    assert kinds.count("alert_fired") == 2
    # a title of its own
    ingest(fed, "generic", generic("Queue backlog", "queue-1"))
    queue = by_summary(listed(fed), "Queue backlog")["id"]
    own = fed.json("alert", "declare", queue, "--title", "Orders stuck", "--json")
    assert own["title"] == "Orders stuck"


def test_declaring_one_alert_takes_its_group(fed: Cli) -> None:
    grafana = [alert for alert in listed(fed) if alert["source"] == "grafana"]
    assert len(grafana) == 2
    ref = fed.ok("alert", "declare", grafana[0]["id"][:8]).stdout.strip()
    assert sorted(alert["id"] for alert in listed(fed, "--incident", ref)) == sorted(
        alert["id"] for alert in grafana
    )
    assert not any(alert["source"] == "grafana" for alert in listed(fed))


def test_the_documented_acknowledge_and_resolves(fed: Cli) -> None:
    ingest(fed, "pagerduty", payload("pagerduty_acknowledge"))
    pager = by_summary(listed(fed, "--incident", "INC-2"), "DISK at 99%")
    assert (pager["acknowledged"], pager["status"]) == (True, "firing")
    assert "firing (acked)" in fed.ok("alerts", "--incident", "INC-2").stdout
    for source, name in (
        ("pagerduty", "pagerduty_resolve"),
        ("alertmanager", "alertmanager_resolved"),
        ("grafana", "grafana_resolved"),
    ):
        ingest(fed, source, payload(name))
        # looked at at once: the documented payloads ended in 2023, so the
        # next ingest purges them (past the 30 days' retention)
        everything = listed(fed, "--all")
        assert {a["status"] for a in everything if a["source"] == source} == {"resolved"}
    assert not any(alert["source"] == "grafana" for alert in listed(fed))


def test_bad_input_is_one_line_and_stores_nothing(fed: Cli) -> None:
    ingest(fed, "generic", generic("Lonely alert", "lonely-1"))
    before = listed(fed, "--all")
    incidents = fed.everything()
    wrong_shape = json.loads(payload("alertmanager_firing"))
    wrong_shape["alerts"][0]["labels"] = "severity=critical"
    no_title = json.dumps({"status": "firing"})
    cases: list[tuple[tuple[str, ...], str, int, tuple[str, ...]]] = [
        (("alert", "ingest", "--source", "alertmanager"), "{not json", 2, ("not JSON",)),
        (("alert", "ingest", "--source", "generic"), "", 2, ("no payload",)),
        (("alert", "ingest", "--source", "generic"), '{"title": NaN}', 2, ("NaN",)),
        (("alert", "ingest", "--source", "generic"), " " * (10 * 2**20 + 1), 2, ("10 MB",)),
        (("alert", "ingest", "--source", "generic"), "[1, 2]", 2, ("generic",)),
        (("alert", "ingest", "--source", "generic"), no_title, 2, ("title",)),
        (
            ("alert", "ingest", "--source", "alertmanager"),
            json.dumps(wrong_shape),
            2,
            ("alerts[0].labels",),
        ),
        (("alert", "ingest", "--source", "nagios"), "{}", 2, ("nagios",)),
        (("alert", "ingest"), "{}", 2, ("--source",)),
        (("alerts", "--limit", "0"), "", 2, ("--limit",)),
        (("alerts", "--limit", "many"), "", 2, ("many",)),
        (("alerts", "--incident", "INC-99"), "", 1, ("INC-99",)),
        (("alert", "declare", "ffffffffff"), "", 1, ("ffffffffff",)),
        (("alert", "declare", by_summary(before, "Lonely")["id"], "--sev", "9"), "", 2, ("1-5",)),
        (("alert", "attach", by_summary(before, "Lonely")["id"], "INC-99"), "", 1, ("INC-99",)),
        (("alert", "ignore", "zz-not-hex"), "", 1, ("zz-not-hex",)),
    ]
    for args, body, status, needles in cases:
        try:
            assert_fails(fed(*args, input=body), status, *needles)
        except AssertionError as error:
            raise AssertionError(f"warroom {' '.join(args)}: {error}") from None
    assert listed(fed, "--all") == before
    assert fed.everything() == incidents


def test_hostile_alert_text_prints_literally(tmp_path: Path) -> None:
    cli = Cli.make(tmp_path)
    body = hostile_in_inbox()
    ingest(cli, "alertmanager", body)
    big = "B" * 10_000
    ingest(cli, "generic", generic(f"{CLICK} \x1b]52;c;AAAA\x07 {big}", "big", service=big))
    for args in (("alerts",), ("alerts", "--all")):
        shown = cli.ok(*args)
        assert CLICK in shown.stdout and REPLACEMENT in shown.stdout
        assert "52;c;AAAA" in shown.stdout  # shown, defused
        assert max(len(line) for line in shown.stdout.splitlines()) < 400  # cells cut with …
    raw = cli.ok("alerts", "--json").stdout
    assert raw.isascii()  # every control character escaped
    alerts = json.loads(raw)
    hostile = next(alert for alert in alerts if alert["key"] == "hostile0000000001")
    sent = json.loads(body)["alerts"][0]
    assert hostile["labels"] == sent["labels"]  # kept whole, exactly as sent
    assert hostile["annotations"] == sent["annotations"]
    assert all(url.startswith(("http://", "https://")) for url in _urls(hostile))
    declared = cli.ok("alert", "declare", hostile["id"][:8])
    assert declared.stdout.startswith("INC-")
    ignored = cli.ok("alert", "ignore", next(a["id"] for a in alerts if a["key"] == "big"))
    assert CLICK in ignored.stdout


def _urls(alert: dict[str, Any]) -> list[str]:
    return [link["url"] for link in alert["links"]]


# -- against a server ---------------------------------------------------------------------


def test_the_same_commands_with_a_server(running: Running, tmp_path: Path) -> None:
    cli = running_cli(running, running.responder, tmp_path)
    assert ingest(cli, "alertmanager", payload("alertmanager_firing")).stdout.startswith(
        "1 alert accepted: INC-"
    )
    ingest(cli, "grafana", payload("grafana_firing"))
    ingest(cli, "pagerduty", payload("pagerduty_trigger"))
    ingest(cli, "pagerduty", payload("pagerduty_acknowledge"))
    pagerduty_again = ingest(cli, "pagerduty", payload("pagerduty_trigger"), "--json")
    assert json.loads(pagerduty_again.stdout)["dedup_key"] == "srv01/mysql"
    for number in range(2):
        ingest(cli, "generic", generic(f"Server disk {number}", f"server-disk-{number}"))
    everything = listed(cli, "--all")
    assert all(set(alert) == RECORD_FIELDS | {"incident"} for alert in everything)
    probe = by_summary(everything, "BlackBox Probe Failure")
    assert probe["state"] == "incident" and probe["incident"].startswith("INC-")
    assert by_summary(everything, "DISK at 99%")["repeats"] == 1
    inbox = listed(cli)
    assert {alert["summary"] for alert in inbox} >= {"Server disk 0", "Server disk 1"}
    disks = {alert["summary"]: alert["id"] for alert in inbox if "Server disk" in alert["summary"]}
    ref = cli("alert", "declare", disks["Server disk 0"][:8], "--sev", "4").stdout.strip()
    assert ref.startswith("INC-"), ref
    shown = ok(cli, "show", ref, "--json")
    assert json.loads(shown.stdout)["severity"] == 4
    attached = ok(cli, "alert", "attach", disks["Server disk 1"][:8], probe["incident"])
    assert attached.stdout.endswith(f"attached to {probe['incident']}\n")
    assert len(listed(cli, "--incident", probe["incident"])) == 2
    ingest(cli, "generic", generic("Server noise", "server-noise"))
    noise = by_summary(listed(cli), "Server noise")["id"]
    assert ok(cli, "alert", "ignore", noise).stdout.startswith(f"alert {noise} ignored")
    assert not any(alert["id"] == noise for alert in listed(cli))
    text = ok(cli, "alerts", "--all").stdout
    assert "BlackBox Probe Failure" in text and probe["incident"] in text
    # the server's refusals: one line each
    assert_fails(cli("alert", "ingest", "--source", "generic", input="{nope"), 2, "not JSON")
    wrong = json.dumps({"status": "firing"})
    assert_fails(
        cli("alert", "ingest", "--source", "generic", input=wrong),
        2,
        "the generic payload is not as documented: title",  # as on a file
    )
    assert_fails(cli("alert", "declare", "ffffffffff"), 1, "ffffffffff")
    viewer = running_cli(running, running.viewer, tmp_path / "viewer")
    viewer.cwd.mkdir(exist_ok=True)
    assert_fails(viewer("alert", "ignore", disks["Server disk 1"]), 1)


def test_an_alerts_token_posts_and_reads_nothing(running: Running, tmp_path: Path) -> None:
    token = make_token(running.server.db, "alertmanager-hook", "alerts")
    cli = running_cli(running, token, tmp_path)
    posted = ingest(cli, "generic", generic("Hook alert", "hook-1"))
    assert posted.stdout.startswith("1 alert accepted") and posted.stderr == ""
    assert_fails(cli("alerts"), 1, "refused")
    assert_fails(cli("alert", "ignore", "abcdef"), 1, "refused")


def test_alerts_need_the_server(tmp_path: Path) -> None:
    cli = Cli(tmp_path, isolated_environ(tmp_path, db=False))
    away = {"WARROOM_SERVER": "http://127.0.0.1:9", "WARROOM_TOKEN": "wr_unused"}
    away["WARROOM_OUTBOX"] = str(tmp_path / "outbox.db")  # nothing listens on port 9
    assert_fails(cli("alerts", env=away), 1, "alerts need the server, unreachable now")
    body = generic("Lost?", "lost-1")
    assert_fails(
        cli("alert", "ingest", "--source", "generic", input=body, env=away), 1, "unreachable"
    )


def test_hostile_text_over_a_server(running: Running, tmp_path: Path) -> None:
    cli = running_cli(running, running.responder, tmp_path)
    ingest(cli, "alertmanager", hostile_in_inbox())
    shown = ok(cli, "alerts")
    assert CLICK in shown.stdout and REPLACEMENT in shown.stdout
    hostile = next(a for a in listed(cli) if a["key"] == "hostile0000000001")
    assert hostile["labels"] == json.loads(hostile_in_inbox())["alerts"][0]["labels"]


def test_the_remote_inbox_counts_inbox_events_without_a_request(
    running: Running, tmp_path: Path
) -> None:
    from warroom.store.http import HTTPStore

    store = HTTPStore(running.server.url, running.responder, tmp_path / "outbox.db")
    inbox = store.alert_inbox()
    assert store.alert_inbox() is inbox
    requests: list[str] = []
    store.transport._client.event_hooks["request"].append(
        lambda request: requests.append(request.url.path)
    )

    async def follow() -> None:
        async for _ in store.watch(store.last_gseq()):
            pass

    async def scenario() -> tuple[int, int]:
        task = asyncio.create_task(follow())
        try:
            await _moved(inbox.changed, 0)  # the stream connected
            before = inbox.changed()
            with httpx.Client(base_url=running.server.url, timeout=10) as client:
                answer = client.post(
                    "/api/v1/alerts/generic",
                    json={"title": "Stream me", "status": "firing", "fingerprint": "stream-1"},
                    headers=auth(running.responder),
                )
            assert answer.status_code == 202, answer.text
            moved = await _moved(inbox.changed, before)
            waiting = await asyncio.to_thread(inbox.list, "inbox", None, 1000)
            assert "Stream me" in {alert.summary for alert in waiting}

            def told() -> bool:  # an inbox event with the count is in
                notice = store.reads.inbox_notice
                return notice is not None and json.loads(notice)["count"] == len(waiting)

            await _until(told)
            asked = len(requests)
            for _ in range(100):
                inbox.changed()
                assert inbox.summary().count == len(waiting)
            assert len(requests) == asked  # neither changed() nor summary() asked the server
            return before, moved
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    try:
        before, moved = asyncio.run(scenario())
    finally:
        store.close()
    assert moved > before
    assert by_summary(inbox_list(running, tmp_path), "Stream me")["state"] == "inbox"


async def _until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("no inbox event told the inbox's count")
        await asyncio.sleep(0.05)


async def _moved(read: Any, since: int, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if value > since:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"changed() stayed at {read()}")


def inbox_list(running: Running, tmp_path: Path) -> list[dict[str, Any]]:
    folder = tmp_path / "reader"
    folder.mkdir(exist_ok=True)
    return listed(running_cli(running, running.responder, folder))
