"""The signed ack link of a page, on a real server (`warroom serve` with an
`ack_secret`): the page carries the link; opening it (GET, as a chat's link
preview would) acknowledges nothing; its button (POST) acknowledges as the
paged person; the link works once; an altered link is refused."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import httpx

from tests.server.conftest import Server
from tests.sqlstores import reopen, sql_rows
from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.oncall.load import load_oncall
from warroom.services.incidents import declare
from warroom.services.notify import delivery_queue
from warroom.services.paging import ack_link, ack_secret_of, run_escalations
from warroom.store.sql.store import SQLStore
from warroom.store.sqlite import SQLiteStore

SECRET = "s3cret-for-the-ack-links"
TABLES = """
[people.dana]
apprise = ["json://127.0.0.1:9/dana"]
[escalation.default]
[[escalation.default.levels]]
targets = ["person:dana"]
wait_minutes = 5
"""


def test_the_link_acknowledges_once_and_only_by_its_button(tmp_path: Path) -> None:
    db = tmp_path / "warroom.db"
    oncall = load_oncall([("oncall.toml", tomllib.loads(TABLES))])
    server = Server(db, tmp_path, options={"ack_secret": SECRET})
    with SQLiteStore(db) as store:
        incident = declare(store, "erik", SYSTEM_CLOCK, "Checkout <b>502s</b>", severity=1)
    server.start()
    try:

        def link(incident_id: str, person: str) -> str:
            return ack_link(server.url, SECRET, incident_id, person)

        with SQLiteStore(db) as store:
            run_escalations(store, oncall, SYSTEM_CLOCK, link=link)
            (row,) = delivery_queue(store).rows(kind="page")
        found = re.search(r"or open (\S+)", row.payload)
        assert found is not None, row.payload
        url = found.group(1)
        assert url.startswith(f"{server.url}/ack/")
        with httpx.Client(timeout=10) as client:
            shown = client.get(url)
            assert shown.status_code == 200
            assert "Acknowledge as dana" in shown.text
            assert "Checkout &lt;b&gt;502s&lt;/b&gt;" in shown.text  # escaped
            with SQLiteStore(db) as store:
                assert store.incident(incident.id).acked_by is None  # a GET acknowledges nothing
            done = client.post(url)
            assert done.status_code == 200 and "Acknowledged by dana" in done.text
            with SQLiteStore(db) as store:
                state = store.incident(incident.id)
                assert state.acked_by == "dana" and "acknowledged" in state.milestones
                last = store.events(incident.id)[-1]
                assert (last.kind, last.data["via"], last.actor) == (
                    "page_acknowledged",
                    "link",
                    "dana",
                )
            again = client.post(url)
            assert again.status_code == 409 and "already acknowledged by dana" in again.text
            altered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
            refused = client.post(altered)
            assert refused.status_code == 404 and "not valid" in refused.text
    finally:
        server.stop()


def test_the_ack_secret_is_made_once_for_every_process_of_a_store(sql_store: SQLStore) -> None:
    """Without an `ack_secret`, the store makes one on first use; replicas
    (and a notifier) starting at once on one database all get that one."""
    from concurrent.futures import ThreadPoolExecutor

    from warroom.config import Settings

    settings = Settings(
        db=Path("unused.db"), db_is_default=False, user="x", public_url="https://warroom.example"
    )
    with reopen(sql_store) as one, reopen(sql_store) as two, ThreadPoolExecutor(4) as pool:
        found = set(
            pool.map(lambda store: ack_secret_of(settings, store), [sql_store, one, two] * 4)
        )
    assert len(found) == 1 and len(found.pop() or "") >= 32
    assert sql_rows(sql_store, "SELECT count(*) FROM server_secrets") == [(1,)]
