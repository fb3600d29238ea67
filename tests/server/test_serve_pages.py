"""`warroom serve` runs the escalation runner: an incident declared for a
service (here with `warroom declare` on the server's file) is paged within
seconds, its page asked of the person's address with a signed ack link, and
that link acknowledges it.  With `public_url` alone (no `ack_secret`) the
server signs the links with a secret it made once and keeps in its store."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.server.conftest import Server
from warroom.services.notify import delivery_queue
from warroom.store.sqlite import SQLiteStore

TABLES = """
[people.dana]
apprise = ["json://127.0.0.1:9/dana"]
[escalation.payments]
[[escalation.payments.levels]]
targets = ["person:dana"]
wait_minutes = 5
[services.checkout-api]
escalation = "payments"
"""


@pytest.mark.parametrize(
    "secret", ['ack_secret = "a-secret-of-enough-length"\n', ""], ids=["configured", "stored"]
)
def test_serve_pages_and_its_link_acknowledges(tmp_path: Path, secret: str) -> None:
    db = tmp_path / "warroom.db"
    (tmp_path / "oncall.toml").write_text(TABLES)
    server = Server(db, tmp_path)
    config = (
        'service_files = ["oncall.toml"]\n' + secret + 'public_url = "http://127.0.0.1:{port}"\n'
    )

    (tmp_path / "config.toml").write_text(config.replace("{port}", "0"))
    server.start()
    try:
        cli = Cli.make(tmp_path)
        cli.env["WARROOM_DB"] = str(db)
        ref = cli.ok("declare", "Checkout 502s", "--service", "checkout-api").stdout.strip()
        deadline = time.monotonic() + 20
        rows = []
        while time.monotonic() < deadline and not rows:
            with SQLiteStore(db) as store:
                rows = delivery_queue(store).rows(kind="page")
            time.sleep(0.2)
        (row,) = rows
        assert f"{ref} SEV3" in row.payload and "PAGE for dana" in row.payload
        assert "paged dana (level 1, person:dana): declared" in cli.ok("timeline", ref).stdout
        url = re.search(r"or open (\S+)", row.payload).group(1)  # type: ignore[union-attr]
        url = re.sub(r"^http://127\.0\.0\.1:0", server.url, url)
        done = httpx.post(url, timeout=10)
        assert done.status_code == 200, done.text
        assert cli.json("show", ref, "--json")["paging"]["acknowledged_by"] == "dana"
        if not secret:  # the one secret is kept: a restarted server takes the same links
            server.stop()
            server.start()
            again = httpx.get(re.sub(r"^http://127\.0\.0\.1:\d+", server.url, url), timeout=10)
            assert again.status_code == 200 and "Already acknowledged by dana" in again.text
    finally:
        server.stop()
