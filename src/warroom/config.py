"""Settings: a site file, the user's file, WARROOM_* variables, then flags,
each overriding the one before.

    /etc/warroom/config.toml            (WARROOM_SITE_CONFIG to move it)
    <platformdirs user config>/warroom/config.toml   (WARROOM_CONFIG)

The store comes from the highest layer that names `db` or `server` (an
explicit `--db` beats a server in the environment); naming both in one layer
is a usage error.  The token: `token`, or `token_file` (a file readable by its
owner only), from the highest layer that names one; `--token` on the command
line works but is visible to other users in `ps`, so it draws a warning.

Keys: `db`, `user`, `server` (a server's URL, or the URLs of several
replicas of one store, separated by commas or as a list: clients fail over
between them; checked where the store is opened, `warroom.store.transport`),
`token`, `token_file`, `runbook_dirs` (a list of folders of
runbooks, added to the shipped samples; the files' lists and
WARROOM_RUNBOOK_DIRS, separated by the OS path separator, add up), and the
tables `[severities.N]`, `[roles.KEY]`, `[workflow]` (merged over `data/`),
`[keys]` (binding id -> keys), `[[alert_rules]]` and `[alerts]` (read by
`Settings.alert_rules()` / `alert_settings()`: the user's rules before the site's,
then the shipped defaults), `[statuspage]` and `public_url` (the public
status page: see `warroom.core.statuspage.config`), `[[notify]]` and `[notifier]`
(notification routes, read by `Settings.notify()`: see `warroom.core.notify`),
`theme` (the TUI's colour theme, e.g. "textual-light"; choosing one in the
command palette saves it to the user's file, `save_theme`).  The on-call
tables `[people.NAME]`, `[schedules.NAME]`, `[escalation.NAME]`,
`[services.NAME]` (see `warroom.core.oncall.load` and the sample
`data/services.toml`) come from the files listed in `service_files`
(the files' lists and WARROOM_SERVICE_FILES add up, in that order) and then
from the config files themselves, each replacing the entries it names.  A
relative `db`, runbook folder or service file in a file is relative to that
file's folder.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.core.catalog import Catalog, build_catalog, deep_merge, load_data_documents
from warroom.core.errors import UsageError

if TYPE_CHECKING:
    from warroom.core.alerts.rules import AlertSettings, Rules
    from warroom.core.notify import NotifyConfig
    from warroom.core.oncall.model import OnCall
    from warroom.core.statuspage.config import PageConfig

SITE_CONFIG = Path("/etc/warroom/config.toml")
_SCALARS = ("db", "user", "server", "token", "token_file", "password_file")
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
TOKEN_FLAG_WARNING = (
    "warning: --token is visible to other users of this machine (ps); "
    "use WARROOM_TOKEN, --token-file FILE or token_file in the config file"
)


@dataclass
class Settings:
    db: Path  # the SQLite file (unused when db_url names PostgreSQL)
    db_is_default: bool
    user: str
    db_url: str | None = None  # `--db postgresql://...`: the PostgreSQL store
    password_file: Path | None = None  # its password, kept out of the URL
    server: str | None = None
    token: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    runbook_dirs: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    theme: str | None = None  # as written in a file: the TUI checks that it names a theme
    user_config: Path | None = None  # the user's config file (where a chosen theme is saved)
    # The config files as read (lowest layer first), for tables read on demand.
    documents: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    service_files: list[Path] = field(default_factory=list)
    statuspage: dict[str, Any] = field(default_factory=dict)  # the `[statuspage]` table
    public_url: str | None = None  # where the public status page is reachable
    ack_secret_ref: str | None = None  # `ack_secret`: signs pages' ack links ("env:NAME" too)

    def db_password(self) -> str | None:
        """The PostgreSQL password from `password_file` (None: libpq's own
        PGPASSWORD or ~/.pgpass apply)."""
        if self.password_file is None:
            return None
        try:
            return self.password_file.read_text().strip() or None
        except OSError as error:
            raise UsageError(
                f"password_file {self.password_file}: {error.strerror or error}"
            ) from None

    def alert_rules(self) -> Rules:
        """The alert rules: the user's file's, the site's, then the shipped defaults."""
        from warroom.core.alerts.rules import load_rules

        return load_rules(reversed(self.documents))

    def alert_settings(self) -> AlertSettings:
        """`[alerts]`: the user's file's keys over the site's."""
        from warroom.core.alerts.rules import alert_settings

        return alert_settings(reversed(self.documents))

    def ack_secret(self) -> str | None:
        """The secret that signs the pages' ack links (`ack_secret`, or the
        variable an "env:NAME" names); None: pages carry no link."""
        ref = self.ack_secret_ref
        if ref is None:
            return None
        if ref.startswith("env:"):
            value = os.environ.get(ref.removeprefix("env:"))
            if not value:
                raise UsageError(f"ack_secret = {ref!r}: the variable is not set")
            return value
        return ref

    def page_config(self) -> PageConfig:
        """The public status page's configuration (`[statuspage]`, `public_url`)."""
        from warroom.core.statuspage.config import PageConfig

        try:
            return PageConfig.from_settings(self.statuspage, self.public_url)
        except ValueError as error:
            where = ", ".join(str(path) for path in self.sources) or "configuration"
            raise UsageError(f"bad configuration in {where}: {error}") from None

    def catalog(self) -> Catalog:
        if not any(self.overrides.get(name) for name in ("severities", "roles", "workflow")):
            return Catalog.default()
        try:
            return build_catalog(*load_data_documents(), overrides=self.overrides)
        except ValueError as error:
            where = ", ".join(str(path) for path in self.sources) or "configuration"
            raise UsageError(f"bad configuration in {where}: {error}") from None

    def notify(self) -> NotifyConfig:
        """The `[[notify]]` routes and `[notifier]` settings of the config files."""
        from warroom.core.notify import load_routes

        return load_routes(self.documents)

    def oncall(self) -> OnCall:
        """The on-call tables: the service files, then the config files."""
        from warroom.core.oncall.load import load_oncall

        documents: list[tuple[Path, dict[str, Any]]] = []
        for path in self.service_files:
            document = _read_file(path, what="service file")
            if document is None:
                raise UsageError(f"service file {path} does not exist or cannot be read")
            documents.append((path, document))
        return load_oncall(documents + self.documents)


def is_postgres_url(text: str) -> bool:
    """Whether a `db` value names a PostgreSQL database rather than a file."""
    return text.startswith(POSTGRES_PREFIXES)


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("warroom")) / "warroom.db"


def config_paths(env: Mapping[str, str]) -> list[Path]:
    from platformdirs import user_config_dir

    site = Path(env.get("WARROOM_SITE_CONFIG", SITE_CONFIG))
    user = Path(env["WARROOM_CONFIG"]) if env.get("WARROOM_CONFIG") else None
    if user is None:
        user = Path(user_config_dir("warroom")) / "config.toml"
    return [site, user]


def load_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Merge the layers; `flags` holds only the flags that were given."""
    env = os.environ if env is None else env
    flags = flags or {}
    merged: dict[str, Any] = {}
    sources: list[Path] = []
    runbook_dirs: list[Path] = []
    service_files: list[Path] = []
    documents: list[tuple[Path, dict[str, Any]]] = []
    layers: list[tuple[str, dict[str, Any]]] = []  # (where, its scalars), lowest first
    for path in config_paths(env):
        document = _read_file(path)
        if document is None:
            continue
        sources.append(path)
        runbook_dirs += _paths(document, "runbook_dirs", path, 'of folders, e.g. ["runbooks"]')
        service_files += _paths(document, "service_files", path, 'of files, e.g. ["oncall.toml"]')
        documents.append((path, document))
        servers = document.get("server")
        if isinstance(servers, list) and all(isinstance(url, str) for url in servers):
            document["server"] = ",".join(servers)  # replicas' URLs as a TOML list
        for name in ("db", "token_file", "password_file"):
            if isinstance(document.get(name), str) and not is_postgres_url(document[name]):
                relative = Path(document[name]).expanduser()
                document[name] = str((path.parent / relative).resolve())
        merged = deep_merge(merged, document)
        layers.append((str(path), {k: document[k] for k in _SCALARS if k in document}))
    for name in _SCALARS:
        if name in merged and not isinstance(merged[name], str):
            raise UsageError(f"configuration key {name!r} must be a string")
    layers.append(
        (
            "the environment",
            {k: env[f"WARROOM_{k.upper()}"] for k in _SCALARS if env.get(f"WARROOM_{k.upper()}")},
        )
    )
    layers.append(("the command line", {k: str(flags[k]) for k in _SCALARS if flags.get(k)}))
    for name in ("user", "db", "password_file"):
        for _, values in layers:
            if values.get(name):
                merged[name] = values[name]
    merged["server"] = _server(layers)
    merged["token"] = _token(layers)
    warnings = [TOKEN_FLAG_WARNING] if flags.get("token") else []
    db = merged.get("db")
    keys = merged.get("keys", {})
    if not isinstance(keys, dict):
        raise UsageError('configuration [keys] must be a table of binding id = "keys"')
    statuspage = merged.get("statuspage", {})
    if not isinstance(statuspage, dict):
        raise UsageError("configuration [statuspage] must be a table")
    public_url = merged.get("public_url")
    if public_url is not None and not isinstance(public_url, str):
        raise UsageError("configuration key 'public_url' must be a string")
    ack_secret = merged.get("ack_secret")
    if ack_secret is not None and (
        not isinstance(ack_secret, str)
        or (not ack_secret.startswith("env:") and len(ack_secret) < 16)
    ):
        raise UsageError("configuration key 'ack_secret' must be a string of 16 characters or more")
    return Settings(
        statuspage=statuspage,
        public_url=public_url,
        ack_secret_ref=ack_secret,
        db=Path(db).expanduser() if db and not is_postgres_url(db) else default_db_path(),
        db_is_default=not db,
        db_url=db if db and is_postgres_url(db) else None,
        password_file=(
            Path(merged["password_file"]).expanduser() if merged.get("password_file") else None
        ),
        user=merged.get("user") or _login_name(),
        server=merged.get("server"),
        token=merged.get("token"),
        overrides={k: merged[k] for k in ("severities", "roles", "workflow") if k in merged},
        keys={str(k): str(v) for k, v in keys.items()},
        sources=sources,
        warnings=warnings,
        theme=str(merged["theme"]) if merged.get("theme") is not None else None,
        user_config=config_paths(env)[1],
        documents=documents,
        service_files=service_files + _env_paths(env, "WARROOM_SERVICE_FILES"),
        runbook_dirs=runbook_dirs + _env_paths(env, "WARROOM_RUNBOOK_DIRS"),
    )


def save_theme(path: Path, theme: str) -> None:
    """Set `theme = "..."` in the config file at `path` (made if missing),
    keeping the rest of the file as it is, comments included."""
    import tomlkit

    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        document = tomlkit.document()
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    except tomlkit.exceptions.ParseError as error:
        raise UsageError(f"{path} is not valid TOML, left as it is: {error}") from None
    document["theme"] = theme
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error}") from None


def _server(layers: list[tuple[str, dict[str, Any]]]) -> str | None:
    """The server (one URL, or several separated by commas), if the highest
    layer naming `db` or `server` names a server."""
    for where, values in reversed(layers):
        if values.get("db") and values.get("server"):
            both = "--db and --server" if where == "the command line" else "db and server"
            raise UsageError(
                f"{both} both given in {where}: the store is either a file or a server; keep one"
            )
        if values.get("db"):
            return None
        if values.get("server"):
            return str(values["server"])
    return None


def _token(layers: list[tuple[str, dict[str, Any]]]) -> str | None:
    """The token from the highest layer that names `token` or `token_file`."""
    for where, values in reversed(layers):
        if values.get("token") and values.get("token_file"):
            raise UsageError(f"token and token_file both given in {where}: keep one")
        if values.get("token"):
            return str(values["token"])
        if values.get("token_file"):
            return read_token_file(Path(values["token_file"]).expanduser())
    return None


def read_token_file(path: Path) -> str:
    """The token in `path`: refused when other users could read it."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise UsageError(f"token file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"token file {path} cannot be read: {error}") from None
    if mode & 0o044:
        raise UsageError(
            f"token file {path} is readable by other users (mode {mode & 0o777:o}): "
            f"run chmod 600 {path}"
        )
    if not text or len(text.split()) != 1:
        raise UsageError(f"token file {path} must hold the token alone on one line")
    return text


def _paths(document: dict[str, Any], key: str, source: Path, example: str) -> list[Path]:
    """`document[key]` (taken out of it): a list of paths relative to `source`'s folder."""
    value = document.pop(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"{source}: {key} must be a list {example}")
    return [(source.parent / Path(item).expanduser()).resolve() for item in value]


def _env_paths(env: Mapping[str, str], name: str) -> list[Path]:
    """The paths in environment variable `name`, separated by the OS path separator."""
    return [Path(p).expanduser() for p in env.get(name, "").split(os.pathsep) if p]


def _read_file(path: Path, what: str = "configuration") -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a directory, not a TOML file") from None
    except PermissionError:
        return None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{what} {path} is not valid TOML: {error}") from None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
