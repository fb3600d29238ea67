"""Which store and which token the layers of configuration choose.

Site file < user file < WARROOM_* < flags: the store comes from the highest
layer that names `db` or `server`, so an explicit `--db` is never overridden by
a server in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Result
from warroom.config import TOKEN_FLAG_WARNING, load_settings
from warroom.core.errors import UsageError


def env_for(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "WARROOM_CONFIG": str(tmp_path / "user.toml"),
        "WARROOM_SITE_CONFIG": str(tmp_path / "site.toml"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        **more,
    }


def test_a_db_flag_beats_a_server_in_the_environment(tmp_path: Path) -> None:
    env = env_for(tmp_path, WARROOM_SERVER="http://h:8080", WARROOM_TOKEN="wr_x")
    settings = load_settings({"db": str(tmp_path / "l.db")}, env)
    assert settings.server is None
    assert settings.db == tmp_path / "l.db"


def test_a_server_flag_beats_a_db_in_the_environment(tmp_path: Path) -> None:
    env = env_for(tmp_path, WARROOM_DB=str(tmp_path / "env.db"), WARROOM_TOKEN="wr_x")
    settings = load_settings({"server": "http://h:8080"}, env)
    assert settings.server == "http://h:8080"


def test_the_environment_beats_the_files(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text('server = "http://site:1"\n')
    (tmp_path / "user.toml").write_text('server = "http://user:1"\n')
    env = env_for(tmp_path, WARROOM_DB=str(tmp_path / "env.db"))
    settings = load_settings({}, env)
    assert settings.server is None and settings.db == tmp_path / "env.db"
    settings = load_settings({}, env_for(tmp_path))
    assert settings.server == "http://user:1"


def test_several_replicas_urls_in_a_file_the_environment_or_a_flag(tmp_path: Path) -> None:
    (tmp_path / "user.toml").write_text('server = ["http://a:1", "http://b:1"]\n')
    assert load_settings({}, env_for(tmp_path)).server == "http://a:1,http://b:1"
    env = env_for(tmp_path, WARROOM_SERVER="http://c:1,http://d:1")
    assert load_settings({}, env).server == "http://c:1,http://d:1"
    assert load_settings({"server": "http://e:1,http://f:1"}, env).server == "http://e:1,http://f:1"


def test_a_user_file_db_beats_a_site_server(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text('server = "http://site:1"\n')
    (tmp_path / "user.toml").write_text('db = "mine.db"\n')
    settings = load_settings({}, env_for(tmp_path))
    assert settings.server is None
    assert settings.db == tmp_path / "mine.db"


@pytest.mark.parametrize("layer", ["flags", "env", "file"])
def test_db_and_server_in_one_layer_is_a_usage_error(tmp_path: Path, layer: str) -> None:
    flags: dict[str, str] = {}
    env = env_for(tmp_path)
    if layer == "flags":
        flags = {"db": "x.db", "server": "http://h:1"}
    elif layer == "env":
        env.update(WARROOM_DB="x.db", WARROOM_SERVER="http://h:1")
    else:
        (tmp_path / "user.toml").write_text('db = "x.db"\nserver = "http://h:1"\n')
    with pytest.raises(UsageError, match="either a file or a server"):
        load_settings(flags, env)


def test_a_token_file_readable_only_by_its_owner_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("wr_secret\n")
    secret.chmod(0o600)
    (tmp_path / "user.toml").write_text('server = "http://h:1"\ntoken_file = "token"\n')
    settings = load_settings({}, env_for(tmp_path))
    assert settings.token == "wr_secret"
    assert settings.warnings == []


def test_a_token_file_others_can_read_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("wr_secret\n")
    secret.chmod(0o644)
    with pytest.raises(UsageError, match=r"readable by other users.*chmod 600"):
        load_settings({"token_file": str(secret)}, env_for(tmp_path))


def test_a_token_flag_works_and_warns(tmp_path: Path) -> None:
    settings = load_settings({"server": "http://h:1", "token": "wr_flag"}, env_for(tmp_path))
    assert settings.token == "wr_flag"
    assert settings.warnings == [TOKEN_FLAG_WARNING]


def test_the_environment_token_does_not_warn(tmp_path: Path) -> None:
    settings = load_settings({}, env_for(tmp_path, WARROOM_SERVER="http://h:1", WARROOM_TOKEN="t"))
    assert settings.token == "t" and settings.warnings == []


def test_log_with_db_writes_the_local_file_not_the_server(
    warroom, tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    """The operator's mistake from the field: WARROOM_SERVER in the shell, `--db` typed."""
    server_env = {
        "WARROOM_DB": "",
        "WARROOM_SERVER": "http://127.0.0.1:9",  # nothing listens there
        "WARROOM_TOKEN": "wr_unused",
        "WARROOM_OUTBOX": str(tmp_path / "outbox.db"),
        "WARROOM_FLUSH_SECONDS": "0",
    }
    local = tmp_path / "l.db"
    declared: Result = warroom(
        "--db", str(local), "declare", "Local one", "--sev", "3", env=server_env
    )
    assert declared.returncode == 0, declared.stderr
    logged: Result = warroom("--db", str(local), "log", "1", "meant for local", env=server_env)
    assert logged.returncode == 0, logged.stderr
    assert "queued" not in logged.stderr
    assert not (tmp_path / "outbox.db").exists()
    shown = warroom("--db", str(local), "timeline", "1", "--json", env=server_env)
    assert "meant for local" in shown.stdout
    assert os.path.getsize(local) > 0
