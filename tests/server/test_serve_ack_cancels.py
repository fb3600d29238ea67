"""`warroom serve` (a real process) stops the pages still queued when the
incident is acknowledged: level 1 (dana) and level 2 (gina) are paged while
their phones are unreachable and retried; after `warroom ack` they are
cancelled, and nothing reaches the receiver once it is back."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli
from tests.notify.receiver import Receiver, two_levels, until
from tests.server.conftest import Server
from warroom.services.notify import delivery_queue
from warroom.store.sqlite import SQLiteStore


def pages(db: Path) -> list[tuple[str, str, int]]:
    with SQLiteStore(db) as store:
        rows = delivery_queue(store).rows(kind="page")
    return sorted((row.target.rsplit("/", 1)[1], row.state, row.attempts) for row in rows)


def test_an_ack_cancels_the_queued_pages_in_serve(tmp_path: Path, receiver: Receiver) -> None:
    db = tmp_path / "warroom.db"
    (tmp_path / "oncall.toml").write_text(two_levels(receiver, 0.02, 30))
    (tmp_path / "config.toml").write_text('service_files = ["oncall.toml"]\n')
    receiver.stop()  # nobody's phone answers
    server = Server(db, tmp_path).start()
    try:
        cli = Cli.make(tmp_path)
        cli.env["WARROOM_DB"] = str(db)
        ref = cli.ok("declare", "Checkout 502s", "--sev", "1").stdout.strip()
        tried = until(lambda: [p for p in pages(db) if p[2] >= 1], timeout=60)
        until(lambda: {p[0] for p in pages(db) if p[2] >= 1} == {"dana", "gina"}, timeout=60)
        assert {p[1] for p in tried} == {"pending"}
        assert cli.ok("ack", ref).stdout.startswith(f"{ref}: acknowledged by tester")
        receiver.start()  # back: a page not cancelled would arrive now
        until(lambda: {p[1] for p in pages(db)} == {"cancelled"}, timeout=60)
        assert receiver.received == []
        assert "acknowledged the page" in cli.ok("timeline", ref).stdout
    finally:
        server.stop()
