"""Settings: a site file, the user's file, WARROOM_* variables, then flags,
each overriding the one before.

    /etc/warroom/config.toml            (WARROOM_SITE_CONFIG to move it)
    <platformdirs user config>/warroom/config.toml   (WARROOM_CONFIG)

Keys: `db`, `user`, `server`, `token`, `runbook_dirs` (a list of folders of
runbooks, added to the shipped samples; the files' lists and
WARROOM_RUNBOOK_DIRS, separated by the OS path separator, add up), and the
tables `[severities.N]`, `[roles.KEY]`, `[workflow]` (merged over `data/`),
`[keys]` (binding id -> keys).  A relative `db` or runbook folder in a file is
relative to that file's folder.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom.core.catalog import Catalog, build_catalog, deep_merge, load_data_documents
from warroom.core.errors import UsageError

SITE_CONFIG = Path("/etc/warroom/config.toml")
_SCALARS = ("db", "user", "server", "token")


@dataclass
class Settings:
    db: Path
    db_is_default: bool
    user: str
    server: str | None = None
    token: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    runbook_dirs: list[Path] = field(default_factory=list)

    def catalog(self) -> Catalog:
        if not any(self.overrides.get(name) for name in ("severities", "roles", "workflow")):
            return Catalog.default()
        try:
            return build_catalog(*load_data_documents(), overrides=self.overrides)
        except ValueError as error:
            where = ", ".join(str(path) for path in self.sources) or "configuration"
            raise UsageError(f"bad configuration in {where}: {error}") from None


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
    for path in config_paths(env):
        document = _read_file(path)
        if document is None:
            continue
        sources.append(path)
        runbook_dirs += _runbook_dirs(document.pop("runbook_dirs", []), path)
        if isinstance(document.get("db"), str):
            document["db"] = str((path.parent / Path(document["db"]).expanduser()).resolve())
        merged = deep_merge(merged, document)
    for name in _SCALARS:
        value = env.get(f"WARROOM_{name.upper()}")
        if value:
            merged[name] = value
    for name in _SCALARS:
        if flags.get(name):
            merged[name] = flags[name]
    for name in _SCALARS:
        if name in merged and not isinstance(merged[name], str):
            raise UsageError(f"configuration key {name!r} must be a string")
    db = merged.get("db")
    keys = merged.get("keys", {})
    if not isinstance(keys, dict):
        raise UsageError('configuration [keys] must be a table of binding id = "keys"')
    return Settings(
        db=Path(db).expanduser() if db else default_db_path(),
        db_is_default=not db,
        user=merged.get("user") or _login_name(),
        server=merged.get("server"),
        token=merged.get("token"),
        overrides={k: merged[k] for k in ("severities", "roles", "workflow") if k in merged},
        keys={str(k): str(v) for k, v in keys.items()},
        sources=sources,
        runbook_dirs=runbook_dirs
        + [
            Path(p).expanduser() for p in env.get("WARROOM_RUNBOOK_DIRS", "").split(os.pathsep) if p
        ],
    )


def _runbook_dirs(value: Any, source: Path) -> list[Path]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f'{source}: runbook_dirs must be a list of folders, e.g. ["runbooks"]')
    return [(source.parent / Path(item).expanduser()).resolve() for item in value]


def _read_file(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UsageError(f"configuration {path} is a directory, not a TOML file") from None
    except PermissionError:
        return None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"configuration {path} is not valid TOML: {error}") from None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
