"""The server checks a posted override against its own on-call tables (a
real `warroom serve` process on 127.0.0.1 and the real `warroom` command):
an unknown schedule or person is a 422 naming it, an alias is stored as the
person's name, and a client whose tables know a schedule the server does not
gets the server's refusal, nothing stored."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cli.conftest import Cli
from tests.conftest import isolated_environ
from tests.server.conftest import Server, make_token
from warroom.resources import data_path
from warroom.store.sqlite import SQLiteStore

API = "/api/v1/oncall/overrides"
EXTRA = """
[people.zoe]
apprise = ["json://127.0.0.1:9/zoe"]
[schedules.night-shift]
timezone = "UTC"
[[schedules.night-shift.layers]]
people = ["zoe"]
shift = "daily"
handoff = "09:00"
start = "2026-11-02"
"""


def test_an_override_the_server_cannot_page_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "server.db"
    token = make_token(db, "erik", "responder")
    services = str(data_path("services.toml"))
    (tmp_path / "config.toml").write_text(f"service_files = [{services!r}]\n".replace("'", '"'))
    server = Server(db, tmp_path).start()
    try:
        headers = {"Authorization": f"Bearer {token}"}
        times = {"starts_at": "2098-12-31T00:00:00Z", "ends_at": "2099-01-02T00:00:00Z"}

        def post(schedule: str, person: str) -> httpx.Response:
            body = {"schedule": schedule, "person": person, **times}
            return httpx.post(server.url + API, json=body, headers=headers, timeout=10)

        unknown = post("night-shift", "dana")
        assert unknown.status_code == 422
        assert "no schedule 'night-shift'" in unknown.json()["detail"]
        nobody = post("platform", "zoe")
        assert nobody.status_code == 422
        assert "'zoe' is not a person in [people]" in nobody.json()["detail"]
        alias = post("platform", "dana.k")
        assert alias.status_code == 200 and alias.json()["person"] == "dana"

        extra = tmp_path / "client" / "extra.toml"
        extra.parent.mkdir()
        extra.write_text(EXTRA)
        cli = Cli(tmp_path, isolated_environ(tmp_path / "client", db=False))
        cli.env.update(
            WARROOM_SERVER=server.url,
            WARROOM_TOKEN=token,
            WARROOM_OUTBOX=str(tmp_path / "outbox.db"),
            WARROOM_FLUSH_SECONDS="0",
            WARROOM_SERVICE_FILES=f"{services}:{extra}",
        )
        refused = cli("oncall", "override", "night-shift", "zoe", "--to", "2099-01-01")
        assert refused.returncode != 0
        assert "no schedule 'night-shift'" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        server.stop()
    with SQLiteStore(db) as store:
        assert [(row.schedule, row.person) for row in store.override_rows()] == [
            ("platform", "dana")
        ]
