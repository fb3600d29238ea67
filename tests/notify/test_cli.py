"""The faces of delivery, as real processes: `warroom notifier` (one active,
a standby that takes over; killed with SIGKILL mid-queue, nothing lost and
nothing sent twice beyond the one in flight), `warroom serve` sending,
`warroom notify status` (secrets masked) and `warroom notify test`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.conftest import isolated_environ
from tests.notify.receiver import Receiver, until
from tests.server.conftest import Server
from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.events import make_event, new_id
from warroom.services.incidents import declare
from warroom.services.notify import Delivery, delivery_queue, enqueue
from warroom.store.sqlite import SQLiteStore


def config(folder: Path, *routes: str) -> None:
    (folder / "config.toml").write_text("\n".join(routes))


def route(url: str, name: str = "chat", per_minute: int = 6, on: str = '["declared"]') -> str:
    return (
        f'[[notify]]\nname = "{name}"\non = {on}\napprise = ["{url}"]\n'
        f"max_per_minute = {per_minute}\n"
    )


class Notifier:
    def __init__(self, folder: Path, name: str, lease: float = 1.0) -> None:
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "warroom",
                    "notifier",
                    "--lease",
                    str(lease),
                    "--claim",
                    "2",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=isolated_environ(folder),
                cwd=folder,
            )

    def says(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text():
                return
            assert self.proc.poll() is None, self.log.read_text()
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)


def test_a_notifier_killed_mid_queue_loses_nothing(tmp_path: Path, receiver: Receiver) -> None:
    config(tmp_path, route(receiver.url(), per_minute=1000))
    store = SQLiteStore(tmp_path / "warroom.db")
    first = Notifier(tmp_path, "first")
    first.says("active sender")
    second = Notifier(tmp_path, "second")
    second.says("standing by")
    receiver.delay = 0.03
    requests = [
        [
            make_event(
                new_id(),
                "declared",
                "bot",
                {"title": f"t{n:03d}", "severity": 3},
                SYSTEM_CLOCK.now(),
            )
        ]
        for n in range(80)
    ]
    try:
        assert not any(isinstance(r, Exception) for r in store.append_group(requests))
        assert len(receiver.wait_for(15)) >= 15
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        assert len(receiver.messages()) < 80  # killed mid-queue
        second.says("active sender")  # the standby took over once the lease ran out
        queue = delivery_queue(store)
        until(lambda: len(queue.rows(("sent",))) == 80)
        messages = receiver.wait_for(80)
    finally:
        second.stop()
        store.close()
    titles = Counter(text.splitlines()[0].split(": ", 1)[1] for text in messages)
    assert set(titles) == {f"t{n:03d}" for n in range(80)}  # every one delivered
    assert sum(count - 1 for count in titles.values()) <= 1  # twice: the one in flight at most


def test_serve_sends_and_notify_status_shows_failures_masked(
    tmp_path: Path, receiver: Receiver
) -> None:
    secret_url = "json://127.0.0.1:9/hook?token=sekrit"  # nothing listens on port 9
    config(tmp_path, route(receiver.url()), route(secret_url, name="dead"))
    db = tmp_path / "warroom.db"
    server = Server(db, tmp_path).start()
    store = SQLiteStore(db)
    try:
        until(lambda: "active sender" in server.log())
        incident = declare(store, "dana", SYSTEM_CLOCK, "checkout down", severity=1)
        (text,) = receiver.wait_for(1)
        assert text.startswith("INC-1 SEV1 investigating: checkout down")
        queue = delivery_queue(store)
        until(lambda: [r for r in queue.rows() if r.route == "dead" and r.attempts >= 1])
    finally:
        server.stop()
    enqueue(store, [Delivery("e-x", incident.id, "dead", secret_url, "notify", "x")])
    store.close()
    env = isolated_environ(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "notify", "status", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert "sekrit" not in done.stdout
    listed = json.loads(done.stdout)
    assert {tuple(sorted(item)) for item in listed} == {
        ("attempts", "event_id", "id", "incident", "kind", "last_error", "route", "state", "target")
    }
    dead = [item for item in listed if item["attempts"]]
    assert dead[0]["route"] == "dead" and dead[0]["incident"] == "INC-1"
    assert dead[0]["target"] == "json://***" and dead[0]["state"] == "pending"
    assert "127.0.0.1" in dead[0]["last_error"]
    text = subprocess.run(
        [sys.executable, "-m", "warroom", "notify", "status"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    ).stdout  # fmt: skip
    assert "INC-1" in text and "json://***" in text and "sekrit" not in text
    failed = subprocess.run(
        [sys.executable, "-m", "warroom", "notify", "status", "--failed", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert json.loads(failed.stdout) == []


def test_notify_test_sends_to_each_target(tmp_path: Path, receiver: Receiver) -> None:
    config(tmp_path, route(receiver.url()) + 'command = ["false"]\n')
    env = isolated_environ(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "notify", "test", "chat"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "sent    json://***",
        "failed  command:false: command exited 1",
    ]
    (text,) = receiver.messages()
    assert "warroom test message for route chat" in text
    unknown = subprocess.run(
        [sys.executable, "-m", "warroom", "notify", "test", "nope"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert unknown.returncode == 2 and "known: chat" in unknown.stderr


def test_a_bad_route_is_named_with_its_file_and_key(tmp_path: Path) -> None:
    config(tmp_path, '[[notify]]\nname = "x"\non = ["declard"]\napprise = ["json://a/b"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "notifier"],
        capture_output=True, text=True, env=isolated_environ(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"bad configuration in {tmp_path / 'config.toml'}: [[notify]] #1 ('x') key 'on'" in (
        done.stderr
    )


def test_declare_warns_when_no_sender_runs(tmp_path: Path, receiver: Receiver) -> None:
    config(tmp_path, route(receiver.url()))
    env = isolated_environ(tmp_path)
    run = [sys.executable, "-m", "warroom", "declare", "db down", "--sev", "2"]
    alone = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert "no sender is running for this store" in alone.stderr
    # A lease of 15 s: a busy machine may delay a renewal of a 1 s one past the check.
    notifier = Notifier(tmp_path, "notifier", lease=15)
    try:
        notifier.says("active sender")
        sent = subprocess.run(
            run, capture_output=True, text=True, env=env, cwd=tmp_path, check=True
        )
        assert "no sender" not in sent.stderr
        got = sorted(message.splitlines()[0] for message in receiver.wait_for(2))
        # INC-1, declared before any sender ran, is caught up (the last hour's events)
        assert got == ["INC-1 SEV2 investigating: db down", "INC-2 SEV2 investigating: db down"]
    finally:
        notifier.stop()
    assert notifier.proc.returncode == 0
