"""A PostgreSQL store's URL: checking it, naming it in messages, and the
arguments every connection of warroom's is made with."""

from __future__ import annotations

from typing import Any

import psycopg

from warroom.core.errors import UsageError

CONNECT_TIMEOUT = 5  # seconds: an unreachable database is said so, quickly


def check_url(url: str, flag: str = "--db") -> dict[str, str]:
    """The URL's parameters; UsageError (naming the option `flag`) for a
    malformed URL or one that carries a password (it would be visible in
    `ps` and shell history)."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise UsageError(
            f"{flag}: not a PostgreSQL URL ({error}); e.g. postgresql://HOST/DB"
        ) from None
    if params.get("password"):
        raise UsageError(
            f"{flag}: the PostgreSQL URL holds a password, which other users see in `ps`; "
            "remove it and use PGPASSWORD, a ~/.pgpass file, or `password_file` in the config file"
        )
    return {key: str(value) for key, value in params.items()}


def describe(url: str) -> str:
    """The database as a person names it (host:port/db), without secrets."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "PostgreSQL"
    host = str(params.get("host") or "localhost")
    port = str(params.get("port") or "5432")
    return f"PostgreSQL {host}:{port}/{params.get('dbname') or params.get('user') or ''}"


def connect_kwargs(password: str | None) -> dict[str, Any]:
    """psycopg.connect's arguments beside the URL: autocommit, the timeout,
    the password of `password_file` if any."""
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT}
    if password is not None:
        kwargs["password"] = password
    return kwargs


def first_line(error: BaseException) -> str:
    """An error's message as one line."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
