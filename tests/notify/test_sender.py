"""The sender with real parts: a real SQLite file, real Apprise sending to a
receiver on 127.0.0.1 that the test runs (json:// and form://), real
commands.  Messages arrive with the right content; a receiver that is down
is retried and delivered once it is back, its failure shown in the status
and once on the timeline; a storm through a busy route keeps max_per_minute
with the excess in a digest, and never delays a page."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.notify.receiver import Receiver, until
from warroom.core.clock import SYSTEM_CLOCK, FixedClock
from warroom.core.events import make_event, new_id
from warroom.core.notify import load_routes
from warroom.services.incidents import declare, write
from warroom.services.notify import Delivery, delivery_queue, enqueue
from warroom.services.notify.sender import Sender
from warroom.store.sqlite import SQLiteStore

HOSTILE = "[@click=app.quit]x[/] \x1b]0;pwned\x07 *bold* <b>"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "warroom.db")
    yield opened
    opened.close()


def routes(*tables: dict, give_up: float | None = None):
    document: dict = {"notify": list(tables)}
    if give_up is not None:
        document["notifier"] = {"give_up_minutes": give_up}
    return load_routes([("config.toml", document)])


class Running:
    """A sender in a thread, as `warroom notifier` runs it."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.stop = threading.Event()
        self.thread = threading.Thread(target=sender.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Sender:
        self.thread.start()
        assert self.sender.active.wait(5)
        return self.sender

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def test_messages_arrive_with_the_right_content(store: SQLiteStore, receiver: Receiver) -> None:
    config = routes(
        {
            "name": "sev1-2",
            "on": ["declared", "severity_changed"],
            "severities": [1, 2],
            "apprise": [receiver.url("json"), receiver.url("form", "/form")],
        }
    )
    with Running(Sender(store, config, poll=0.02)):
        incident = declare(store, "dana", SYSTEM_CLOCK, HOSTILE, severity=2)
        declare(store, "erik", SYSTEM_CLOCK, "minor", severity=4)  # not on this route
        write(store, incident.id, "severity_changed", "dana", {"severity": 1}, SYSTEM_CLOCK)
        got = receiver.wait_for(4)
    by_path = {}
    for item in receiver.received:
        by_path.setdefault(item["path"], []).append(item["message"])
    assert sorted(by_path) == ["/form", "/hook"]
    for messages in by_path.values():
        assert len(messages) == 2
        declared, changed = messages
        first = declared.splitlines()[0]
        assert first.startswith("INC-1 SEV2 investigating: [@click=app.quit]x[/] ")
        assert "\x1b" not in declared and "\x07" not in declared and "\ufffd" in declared
        assert "(dana)" in declared.splitlines()[1]
        assert changed.startswith("INC-1 SEV1 investigating:")
        assert "SEV1" in changed.splitlines()[1]
    assert len(got) == 4  # the SEV4 incident went nowhere
    rows = delivery_queue(store).rows()
    assert {row.state for row in rows} == {"sent"} and len(rows) == 4


def test_a_receiver_down_is_retried_and_delivered_when_back(
    store: SQLiteStore, receiver: Receiver
) -> None:
    config = routes(
        {"name": "chat", "on": ["declared", "comms_update"], "apprise": [receiver.url()]}
    )
    receiver.stop()
    with Running(Sender(store, config, poll=0.02)):
        incident = declare(store, "dana", SYSTEM_CLOCK, "checkout down", severity=2)
        queue = delivery_queue(store)
        row = until(lambda: [r for r in queue.rows() if r.attempts >= 2])[0]
        assert row.state == "pending" and "127.0.0.1" in (row.last_error or "")
        write(
            store,
            incident.id,
            "comms_update",
            "dana",
            {"text": "on it", "audience": "internal"},
            SYSTEM_CLOCK,
        )
        until(lambda: len(queue.rows()) == 2 and all(r.attempts for r in queue.rows()))
        receiver.start()  # back, on the same port
        got = receiver.wait_for(2, timeout=40)
        until(lambda: {r.state for r in queue.rows()} == {"sent"})
        timeline = until(
            lambda: (
                [e for e in store.events(incident.id) if e.kind.startswith("delivery_")]
                if any(e.kind == "delivery_recovered" for e in store.events(incident.id))
                else None
            )
        )
    assert len(got) == 2  # each once
    assert [e.kind for e in timeline] == ["delivery_failing", "delivery_recovered"]
    assert timeline[0].data["target"] == "json://***"  # no URL in the timeline
    assert "127.0.0.1" in timeline[0].data["error"]


def test_a_command_gets_the_event_json_and_a_failing_one_is_reported(
    store: SQLiteStore, tmp_path: Path
) -> None:
    out = tmp_path / "got.jsonl"
    script = f"import sys; open({str(out)!r}, 'a').write(sys.stdin.read() + chr(10))"
    config = routes(
        {"name": "pager", "on": ["declared"], "command": [sys.executable, "-c", script]},
        {
            "name": "broken",
            "on": ["declared"],
            "command": [sys.executable, "-c", "raise SystemExit('no pager here')"],
        },
        give_up=0.05,  # 3 s
    )
    with Running(Sender(store, config, poll=0.02)):
        incident = declare(store, "dana", SYSTEM_CLOCK, HOSTILE, severity=1, service="checkout-api")
        queue = delivery_queue(store)
        until(lambda: out.exists() and out.read_text().strip())
        failed = until(lambda: queue.rows(("failed",)), timeout=30)
    document = json.loads(out.read_text().splitlines()[0])
    assert document["event"]["kind"] == "declared"
    assert document["event"]["id"] == store.events(incident.id)[0].id
    assert document["event"]["data"]["title"] == HOSTILE  # the data as stored, in JSON
    assert document["incident"]["ref"] == "INC-1"
    assert document["incident"]["service"] == "checkout-api"
    (row,) = failed
    assert row.route == "broken" and row.attempts >= 2
    assert row.last_error == "command exited 1: no pager here"
    kinds = [e.kind for e in store.events(incident.id)]
    assert kinds.count("delivery_failing") == 1


def test_a_storm_keeps_max_per_minute_with_a_digest_and_never_delays_a_page(
    store: SQLiteStore, receiver: Receiver
) -> None:
    start = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    clock = FixedClock(start)
    config = routes({"name": "busy", "on": ["declared"], "apprise": [receiver.url()]})
    sender = Sender(store, config, clock=clock)
    assert sender.hold()
    requests = [
        [
            make_event(
                new_id(),
                "declared",
                "bot",
                {"title": f"storm {n}", "severity": 3},
                SYSTEM_CLOCK.now(),
            )
        ]
        for n in range(1000)
    ]
    for chunk in range(0, 1000, 250):
        store.append_group(requests[chunk : chunk + 250])
    assert sender.route() == 1000
    queue = delivery_queue(store)
    page = Delivery(
        "page-1",
        requests[0][0].incident_id,
        "page",
        receiver.url(path="/page"),
        "page",
        "PAGE dana",
    )
    for second in range(0, 300):
        if second == 30:
            enqueue(store, [page], clock)
            assert sender.deliver("page") == 1  # at once, whatever waits in the other queue
            assert receiver.received[-1]["path"] == "/page"
        sender.deliver("notify")
        clock.advance(seconds=1)
        if not queue.rows(("pending",)):
            break
    rows = queue.rows(limit=5000, kind="notify")
    assert len(rows) == 1000 and {r.state for r in rows} == {"sent"}
    notes = [item for item in receiver.received if item["path"] == "/hook"]
    sent_at = sorted({(r.sent_at, r.digest or r.id) for r in rows})
    assert len(sent_at) == len(notes)  # one message per alone row or digest
    times = [datetime.fromisoformat(t) for t, _ in sent_at]
    for n, moment in enumerate(times):  # max_per_minute in every window
        assert sum(1 for t in times[n:] if t - moment < timedelta(minutes=1)) <= 6
    counted = 0
    for item in notes:
        found = re.match(r"(\d+) notifications on busy", item["message"])
        counted += int(found[1]) if found else 1
    assert counted == 1000  # each notification once, alone or in a digest
    assert any(re.match(r"\d+ notifications on busy", item["message"]) for item in notes)


def test_a_markdown_chat_gets_untrusted_text_escaped(receiver: Receiver) -> None:
    from markdown_it import MarkdownIt

    from warroom.core.notify import message
    from warroom.services.notify.transport import send

    hostile = "# heading [click](javascript:alert(1)) *bold* <script>x</script> `code`"
    text = message("INC-1", 1, "investigating", hostile, "declared: " + hostile, "dana")
    send(f"mmost://127.0.0.1:{receiver.port}/token", text, "{}")  # Mattermost renders Markdown
    (item,) = receiver.received
    assert item["path"] == "/hooks/token"
    html = MarkdownIt().render(item["text"])
    for made in ("<h1", "<a ", "<em>", "<strong>", "<script", "<code>"):
        assert made not in html, html
    assert "javascript:alert(1)" in html  # shown as text
    send(receiver.url(), text, "{}")  # a plain JSON hook gets the text as it is
    assert receiver.received[-1]["message"].splitlines()[0].endswith(hostile)


def test_backoff_doubles_from_one_second_to_thirty() -> None:
    from warroom.services.notify.sender import backoff

    assert [backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_page_does_not_wait_behind_slow_notifications(
    store: SQLiteStore, receiver: Receiver, tmp_path: Path
) -> None:
    slow = [sys.executable, "-c", "import sys, time; sys.stdin.read(); time.sleep(0.4)"]
    config = routes({"name": "slow", "on": ["declared"], "command": slow, "max_per_minute": 100})
    with Running(Sender(store, config, poll=0.02)) as sender:
        for n in range(10):
            declare(store, "bot", SYSTEM_CLOCK, f"storm {n}", severity=3)
        queue = delivery_queue(store)
        until(lambda: len(queue.rows(("sent",))) >= 1)  # the slow queue is busy
        started = time.monotonic()
        page = Delivery("page-1", new_id(), "page", receiver.url(path="/page"), "page", "PAGE dana")
        enqueue(store, [page])
        sender.wake.set()
        receiver.wait_for(1)
        took = time.monotonic() - started
        still = len(queue.rows(("pending",), kind="notify"))
    assert took < 1.0 and still >= 5  # the page went while most notifications waited
