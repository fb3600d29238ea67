"""Real replicas: several `warroom serve --db postgresql://...` processes on
one fresh schema, the real `warroom` command for the database, SSE
subscribers that follow a stream (resuming with Last-Event-ID, on the next
replica when theirs is gone), and writer processes (`writer.py`)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Result, isolated_environ
from tests.pg import fresh_schema
from tests.server.conftest import Server, auth, sse_events

ADMIN = "alice"  # the admin token's name: the actor of what the tests write


def warroom(db_url: str, root: Path, *args: str, timeout: float = 60) -> Result:
    """`warroom --db URL ARGS...`, as an operator runs it on a replica's host."""
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", db_url, *args],
        capture_output=True,
        text=True,
        cwd=root,
        env=isolated_environ(root, db=False),
        timeout=timeout,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def create_token(db_url: str, root: Path, name: str, role: str) -> str:
    """A token made with `warroom token create` (it lives in PostgreSQL)."""
    made = warroom(db_url, root, "token", "create", "--name", name, "--role", role)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


@dataclass
class Cluster:
    """Replicas of one PostgreSQL schema, each with a folder of its own (its
    log, its config file)."""

    db_url: str
    root: Path
    replicas: list[Server]
    token: str  # an admin token (named ADMIN), good on every replica

    @property
    def urls(self) -> list[str]:
        return [replica.url for replica in self.replicas]

    def client(self, index: int, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.replicas[index].url,
            headers=auth(token or self.token),
            timeout=30,
        )

    def events(self, incident_id: str, index: int = 0) -> list[dict[str, Any]]:
        """The incident's events as the database holds them (read through one replica)."""
        found: list[dict[str, Any]] = []
        with self.client(index) as client:
            while True:
                after = found[-1]["seq"] if found else 0
                answer = client.get(
                    f"/api/v1/incidents/{incident_id}/events",
                    params={"after_seq": after, "limit": 10_000},
                )
                answer.raise_for_status()
                page = answer.json()["events"]
                if not page:
                    return found
                found += page

    def logs(self) -> str:
        return "\n".join(f"--- replica {n}\n{r.log()}" for n, r in enumerate(self.replicas))


@contextlib.contextmanager
def cluster(
    root: Path, count: int = 3, config: str = "", migrate: bool = True
) -> Iterator[Cluster]:
    """`count` replicas on a fresh schema, with an admin token from `warroom
    token create`; `config`: each replica's config file (e.g. `[[notify]]`
    routes).  `migrate`: the replicas are started at once with `serve
    --migrate` on the empty schema (the migration lock makes it once); else
    `warroom db upgrade` makes it first.  Stopped (SIGTERM) at the end."""
    with fresh_schema() as db_url:
        if not migrate:
            upgraded = warroom(db_url, root, "db", "upgrade")
            assert upgraded.returncode == 0, upgraded.stderr
        replicas = []
        for index in range(count):
            folder = root / f"replica-{index}"
            folder.mkdir()
            if config:
                (folder / "config.toml").write_text(config)
            replicas.append(Server(db_url, folder, args=["--migrate"] if migrate else []))
        started = [threading.Thread(target=_start, args=(r,), daemon=True) for r in replicas]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join(90)
        try:
            for replica in replicas:
                if not replica.port:
                    raise RuntimeError(f"a replica did not start:\n{replica.log()}")
            token = create_token(db_url, root, ADMIN, "admin")
            yield Cluster(db_url, root, replicas, token)
        finally:
            stopping = [threading.Thread(target=r.stop, daemon=True) for r in replicas]
            for thread in stopping:
                thread.start()
            for thread in stopping:
                thread.join(30)


def _start(replica: Server) -> None:
    with contextlib.suppress(RuntimeError):  # (said by the port check above)
        replica.start(90)


@dataclass
class Subscriber:
    """An SSE client in a thread, of one incident's stream (`id:` its seq) or
    of every incident's (`incident_id` None; `id:` the gseq): it reads from
    `urls[0]`, and when the stream ends or fails it resumes with
    Last-Event-ID on the next URL (so a killed replica's subscriber moves
    on), until it has `want` events or is stopped."""

    urls: Sequence[str]
    token: str
    incident_id: str | None
    want: int
    after: int = 0  # the cursor to start from (a seq, or a gseq)
    events: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    refused: int | None = None  # the status that ended it (its token was refused)
    opened: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Subscriber:
        self._thread = threading.Thread(target=self._run, daemon=True, name="subscriber")
        self._thread.start()
        assert self.opened.wait(30), "the stream did not open"
        return self

    def join(self, timeout: float) -> list[dict[str, Any]]:
        """The events received, once it has `want` of them (or after `timeout` s)."""
        assert self._thread is not None
        self._thread.join(timeout)
        self._stop.set()
        return self.events

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        attempt = 0
        while len(self.events) < self.want and not self._stop.is_set():
            url = self.urls[attempt % len(self.urls)]
            attempt += 1
            cursor = self.events[-1][self.cursor_field] if self.events else self.after
            try:
                self._follow(url, cursor)
            except httpx.HTTPStatusError as error:
                if error.response.status_code in (401, 403):
                    self.refused = error.response.status_code
                    return
                self._stop.wait(0.1)
            except httpx.HTTPError:
                self._stop.wait(0.1)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def cursor_field(self) -> str:
        return "seq" if self.incident_id else "gseq"

    def _follow(self, url: str, cursor: int) -> None:
        headers = {**auth(self.token), "Last-Event-ID": str(cursor)}
        if self.incident_id:
            path = f"{url}/api/v1/incidents/{self.incident_id}/stream"
        else:
            path = f"{url}/api/v1/stream"
        timeout = httpx.Timeout(10, read=30)  # (heartbeats come every HEARTBEAT s)
        with httpx.stream("GET", path, headers=headers, timeout=timeout) as answer:
            answer.raise_for_status()
            self.connections += 1
            self.opened.set()
            for ident, data in sse_events(answer.iter_lines()):
                if data is not None and ident:
                    self.events.append(data)
                    if len(self.events) >= self.want:
                        return
                if self._stop.is_set():
                    return


WRITER = Path(__file__).with_name("writer.py")


@dataclass
class Writer:
    """A `writer.py` process; `sent`: the ids it has appended so far (each
    stored or queued in its outbox)."""

    proc: subprocess.Popen[str]
    folder: Path  # its outbox file, output and config
    sent: list[str] = field(default_factory=list)
    synced: bool = False
    _reader: threading.Thread | None = None

    @staticmethod
    def start(
        server: str,
        token: str,
        folder: Path,
        incident_id: str,
        name: str,
        count: int,
        batch: int = 1,
    ) -> Writer:
        folder.mkdir(parents=True, exist_ok=True)
        outbox = str(folder / "outbox.db")
        command = [str(WRITER), server, token, outbox, incident_id, name, str(count), str(batch)]
        proc = subprocess.Popen(
            [sys.executable, *command],
            stdout=subprocess.PIPE,
            stderr=(folder / "stderr.txt").open("w"),
            text=True,
            cwd=folder,
            env=isolated_environ(folder, db=False),
        )
        writer = Writer(proc, folder)
        writer._reader = threading.Thread(target=writer._read, daemon=True)
        writer._reader.start()
        return writer

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if line == "synced":
                self.synced = True
            elif line:
                self.sent.append(line)

    def warroom(self, server: str, token: str, *args: str) -> Result:
        """`warroom ARGS...` as this writer's user: its outbox, `--server` SERVER."""
        env = {
            **isolated_environ(self.folder, db=False),
            "WARROOM_SERVER": server,
            "WARROOM_TOKEN": token,
            "WARROOM_OUTBOX": str(self.folder / "outbox.db"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "warroom", *args],
            capture_output=True,
            text=True,
            cwd=self.folder,
            env=env,
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        assert self._reader is not None
        self._reader.join(10)
        return code


def split(total: int, parts: int) -> list[int]:
    """`total` as `parts` nearly equal counts."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]
