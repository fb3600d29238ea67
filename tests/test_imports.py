"""The import rules of DESIGN.md: dependencies point one way.

`core` and `store` never import Textual or the server; `core` imports no
database either; a CLI command that does not open the TUI imports neither
Textual nor the server.  Checked twice: by what a real process has loaded
(`sys.modules`), and statically, over every import statement in the source.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import warroom

SRC = Path(warroom.__file__).resolve().parent
UI_AND_SERVER = {
    "textual",
    "rich",
    "fastapi",
    "starlette",
    "uvicorn",
    "warroom.tui",
    "warroom.server",
}
DATABASES = {"sqlalchemy", "sqlmodel", "sqlite3", "_sqlite3"}

# Run in a fresh interpreter: import what is asked, then print sys.modules as JSON.
LOADED = """
import importlib, json, pkgutil, sys
for package in sys.argv[1:]:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""

# Run one CLI command in a fresh interpreter, then dump sys.modules to a file.
CLI_THEN_DUMP = """
import json, sys
from warroom.cli import main
status = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(sorted(sys.modules), out)
sys.exit(status)
"""


def offending(modules: list[str], banned: set[str]) -> list[str]:
    return [
        name for name in modules if any(name == top or name.startswith(top + ".") for top in banned)
    ]


def loaded_after_import(*packages: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *packages],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_importing_core_loads_no_ui_server_or_database() -> None:
    modules = loaded_after_import("warroom.core")
    assert "warroom.core.fold" in modules and "warroom.core.validate" in modules
    assert offending(modules, UI_AND_SERVER | DATABASES) == []


def test_importing_core_and_store_loads_no_ui_or_server() -> None:
    modules = loaded_after_import("warroom.core", "warroom.store")
    assert "warroom.store.sqlite" in modules
    assert offending(modules, UI_AND_SERVER) == []


@pytest.mark.parametrize(
    "command",
    [
        ("declare", "Checkout down", "--sev", "2", "--service", "checkout"),
        ("log", "INC-1", "a note", "--at", "-1m"),
        ("show", "INC-1", "--json"),
        ("timeline", "INC-1", "--csv"),
    ],
    ids=lambda command: command[0],
)
def test_cli_commands_load_no_textual_or_server(
    command: tuple[str, ...], isolated_env: dict[str, str], tmp_path: Path
) -> None:
    if command[0] != "declare":
        setup = [sys.executable, "-m", "warroom", "declare", "Setup"]
        subprocess.run(setup, env=isolated_env, cwd=tmp_path, check=True, capture_output=True)
    dump = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", CLI_THEN_DUMP, str(dump), *command],
        capture_output=True,
        text=True,
        env=isolated_env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    modules = json.loads(dump.read_text())
    assert "warroom.cli" in modules and "warroom.store.sqlite" in modules
    assert offending(modules, UI_AND_SERVER) == []


def imports_of(path: Path) -> set[str]:
    """Every module an `import` statement in `path` names (function-level ones too)."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def sources(layer: str) -> list[Path]:
    found = sorted((SRC / layer).rglob("*.py"))
    assert found, f"no sources under {SRC / layer}"
    return found


@pytest.mark.parametrize(
    ("layer", "banned"),
    [
        (
            "core",
            UI_AND_SERVER
            | DATABASES
            | {"httpx", "warroom.store", "warroom.cli", "warroom.actions", "warroom.config"},
        ),
        ("store", UI_AND_SERVER | {"warroom.cli", "warroom.actions"}),
    ],
)
def test_no_forbidden_import_statement(layer: str, banned: set[str]) -> None:
    found = {
        f"{path.relative_to(SRC)}: {name}"
        for path in sources(layer)
        for name in offending(sorted(imports_of(path)), banned)
    }
    assert found == set()


def test_the_static_check_sees_imports_inside_functions() -> None:
    sample = SRC / "core" / "timeparse.py"
    assert "dateutil" in imports_of(sample)  # imported lazily, inside a function


def test_the_http_store_imports_no_server_or_web_framework() -> None:
    """The http store is a client: httpx, never the server or its framework."""
    parts = ("http", "transport", "delivery", "reads", "outbox", "replica", "localfile", "sse")
    for name in parts:
        found = offending(sorted(imports_of(SRC / "store" / f"{name}.py")), UI_AND_SERVER)
        assert found == [], name
    assert "httpx" in imports_of(SRC / "store" / "transport.py")


def test_a_cli_command_against_a_server_loads_the_http_store_but_not_the_server(
    isolated_env: dict[str, str], tmp_path: Path
) -> None:
    dump = tmp_path / "modules.json"
    env = {
        **isolated_env,
        "WARROOM_SERVER": "http://127.0.0.1:9",  # nothing listens: the command works offline
        "WARROOM_TOKEN": "wr_unused",
        "WARROOM_OUTBOX": str(tmp_path / "outbox.db"),
        "WARROOM_FLUSH_SECONDS": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", CLI_THEN_DUMP, str(dump), "list", "--all"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    modules = json.loads(dump.read_text())
    assert "warroom.store.http" in modules
    assert offending(modules, UI_AND_SERVER) == []
