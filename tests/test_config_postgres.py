"""Choosing a PostgreSQL store: `--db postgresql://...`, WARROOM_DB and a
config file's `db` all select it (a URL is never made a path); a password in
the URL is refused; `password_file` (the config key, WARROOM_PASSWORD_FILE)
is read and handed to libpq; an unreachable database is said in one line.

The commands run through the real console script.  The PostgreSQL here
trusts every local connection, so the password's way to the server is seen
at a real socket that asks for it (`PasswordAsker`), and a command that
works runs against the real PostgreSQL."""

from __future__ import annotations

import contextlib
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Result, isolated_environ
from tests.pg import fresh_schema
from warroom.config import load_settings
from warroom.core.errors import UsageError
from warroom.store import pg_schema

URL = "postgresql://warroom@db.example:5433/incidents?target_session_attrs=read-write"


def env_for(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "WARROOM_CONFIG": str(tmp_path / "user.toml"),
        "WARROOM_SITE_CONFIG": str(tmp_path / "site.toml"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        **more,
    }


def console_script() -> str:
    """The installed `warroom` command (the venv's, next to this Python)."""
    found = Path(sys.executable).with_name("warroom")
    return str(found) if found.exists() else shutil.which("warroom") or "warroom"


def run(tmp_path: Path, *args: str, **env: str) -> Result:
    done = subprocess.run(
        [console_script(), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**isolated_environ(tmp_path, db=False), **env},
        timeout=60,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def one_line_error(result: Result, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- which store --------------------------------------------------------------


def test_a_db_flag_with_a_postgresql_url_selects_postgresql(tmp_path: Path) -> None:
    settings = load_settings({"db": URL}, env_for(tmp_path, WARROOM_DB=str(tmp_path / "x.db")))
    assert settings.db_url == URL and settings.server is None


@pytest.mark.parametrize("url", [URL, "postgres://warroom@db.example/incidents"])
def test_warroom_db_with_a_url_selects_postgresql(tmp_path: Path, url: str) -> None:
    settings = load_settings({}, env_for(tmp_path, WARROOM_DB=url))
    assert settings.db_url == url


def test_a_config_files_url_is_kept_as_written_not_made_a_path(tmp_path: Path) -> None:
    (tmp_path / "user.toml").write_text(f'db = "{URL}"\n')
    settings = load_settings({}, env_for(tmp_path))
    assert settings.db_url == URL  # not <config folder>/postgresql:/...
    assert not settings.db_is_default


def test_a_config_files_password_file_is_relative_to_it_and_read(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "pg.secret").write_text("s3cret-pw\n")
    (tmp_path / "user.toml").write_text(f'db = "{URL}"\npassword_file = "etc/pg.secret"\n')
    settings = load_settings({}, env_for(tmp_path))
    assert settings.password_file == folder / "pg.secret"
    assert settings.db_password() == "s3cret-pw"  # the line, without its newline


def test_warroom_password_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from-the-env\n")
    env = env_for(tmp_path, WARROOM_DB=URL, WARROOM_PASSWORD_FILE=str(tmp_path / "pw"))
    assert load_settings({}, env).db_password() == "from-the-env"


def test_a_missing_password_file_is_a_clear_error(tmp_path: Path) -> None:
    env = env_for(tmp_path, WARROOM_DB=URL, WARROOM_PASSWORD_FILE=str(tmp_path / "none"))
    with pytest.raises(UsageError, match=r"password_file .*none: No such file"):
        load_settings({}, env).db_password()


# -- through the console script ----------------------------------------------


@pytest.mark.parametrize("how", ["flag", "env", "file"])
def test_a_url_with_a_password_is_refused_with_the_hint(tmp_path: Path, how: str) -> None:
    url = "postgresql://warroom:hunter2@127.0.0.1:9/incidents"
    args: list[str] = ["list"]
    env: dict[str, str] = {}
    if how == "flag":
        args += ["--db", url]
    elif how == "env":
        env["WARROOM_DB"] = url
    else:
        (tmp_path / "config.toml").write_text(f'db = "{url}"\n')
    line = one_line_error(run(tmp_path, *args, **env), 2)
    assert "holds a password" in line and "password_file" in line and "PGPASSWORD" in line
    assert "hunter2" not in line


def test_a_missing_password_file_stops_a_command_in_one_line(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "list",
        "--db",
        "postgresql://postgres@127.0.0.1:9/test",
        WARROOM_PASSWORD_FILE=str(tmp_path / "missing.secret"),
    )
    line = one_line_error(result, 2)
    assert "password_file" in line and "missing.secret" in line


def test_an_unreachable_postgresql_is_said_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run(tmp_path, "list", "--db", f"postgresql://postgres@127.0.0.1:{port}/test")
    line = one_line_error(result, 1)
    assert "unreachable" in line and f"127.0.0.1:{port}" in line


def test_commands_use_postgresql_from_the_flag_the_environment_and_the_file(
    tmp_path: Path,
) -> None:
    with fresh_schema() as url:
        pg_schema.create_or_upgrade(url, None)
        declared = run(tmp_path, "declare", "Checkout 502s", "--sev", "2", "--db", url)
        assert declared.returncode == 0, declared.stderr
        (tmp_path / "config.toml").write_text(f'db = "{url}"\n')
        for env in ({"WARROOM_DB": url}, {}):  # the environment, then the config file
            listed = run(tmp_path, "list", **env)
            assert listed.returncode == 0, listed.stderr
            assert "Checkout 502s" in listed.stdout
    assert not list(tmp_path.rglob("*.db"))  # no SQLite file was made on the way


# -- the password reaches the server -----------------------------------------


class PasswordAsker:
    """A socket on 127.0.0.1 that speaks PostgreSQL's start-up far enough to
    ask for a cleartext password, keeps what it is given, and refuses it."""

    SSL, GSS = 80877103, 80877104

    def __init__(self) -> None:
        self.passwords: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError, struct.error):
                conn.settimeout(10)
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        while True:  # encryption requests are declined, then the start-up message
            size, code = struct.unpack("!ii", _exactly(conn, 8))
            _exactly(conn, size - 8)
            if code not in (self.SSL, self.GSS):
                break
            conn.sendall(b"N")
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        kind = _exactly(conn, 1)
        size = struct.unpack("!i", _exactly(conn, 4))[0]
        body = _exactly(conn, size - 4)
        if kind == b"p":
            self.passwords.append(body.rstrip(b"\0").decode())
        fields = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0"
        conn.sendall(b"E" + struct.pack("!i", 4 + len(fields)) + fields)


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


@pytest.fixture
def asker() -> Iterator[PasswordAsker]:
    found = PasswordAsker()
    yield found
    found.close()


@pytest.mark.parametrize("how", ["config", "env"])
def test_the_password_file_is_handed_to_the_database(
    tmp_path: Path, asker: PasswordAsker, how: str
) -> None:
    (tmp_path / "pg.secret").write_text("correct horse battery\n")
    url = f"postgresql://warroom@127.0.0.1:{asker.port}/incidents"
    env = {"WARROOM_DB": url}
    if how == "config":
        (tmp_path / "config.toml").write_text('password_file = "pg.secret"\n')
    else:
        env["WARROOM_PASSWORD_FILE"] = str(tmp_path / "pg.secret")
    result = run(tmp_path, "list", **env)
    assert "correct horse battery" in asker.passwords
    line = one_line_error(result, 1)  # refused by the asker: said, without the password
    assert "password authentication failed" in line and "correct horse" not in line
