"""The http store at 3 AM: the catalog's order, an unreachable server answered
at once, a full disk named, a store restored from a backup, large imports."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import Running
from tests.store_http.conftest import running_cli
from warroom.config import TOKEN_FLAG_WARNING
from warroom.core.catalog import Catalog
from warroom.store.http import HTTPStore


def test_a_room_opened_through_the_server_lists_roles_in_the_catalogs_order(
    running: Running, tmp_path: Path
) -> None:
    expected = list(Catalog.default().roles)
    assert expected[0] == "lead"
    for _ in range(2):  # fetched, then read back from the cached copy
        with HTTPStore(running.server.url, running.responder, tmp_path / "o.db") as store:
            assert list(store.catalog.roles) == expected
            assert store.catalog.state_order == Catalog.default().state_order


def test_the_token_is_read_from_a_token_file_flag_before_or_after_the_command(
    running: Running, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    cli = running_cli(running, running.responder, isolated_env, tmp_path)
    del cli.env["WARROOM_TOKEN"]
    secret = tmp_path / "token"
    secret.write_text(running.responder + "\n")
    secret.chmod(0o600)
    missing = cli("declare", "Checkout API 502s")
    assert missing.returncode == 2 and "--token-file FILE" in missing.stderr
    for args in (
        ("--token-file", str(secret), "declare", "t"),
        ("declare", "t", "--token-file", str(secret)),
    ):
        done = cli(*args)
        assert done.returncode == 0, done.stderr
        assert "warning" not in done.stderr
    secret.chmod(0o644)
    refused = cli("--token-file", str(secret), "list")
    assert refused.returncode == 2 and "token" in refused.stderr


def test_a_token_on_the_command_line_is_warned_about_once(
    running: Running, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    cli = running_cli(running, running.responder, isolated_env, tmp_path)
    del cli.env["WARROOM_TOKEN"]
    done = cli("list", "--token", running.responder)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(f"warroom: {TOKEN_FLAG_WARNING}") == 1
