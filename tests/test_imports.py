"""The import rules of DESIGN.md: dependencies point one way,
`cli -> tui | server | services -> store -> core`.

`core` and `store` never import Textual or the server; `core` imports no
database either; a CLI command that does not open the TUI imports neither
Textual nor the server.  Checked twice: by what a real process has loaded
(`sys.modules`), and statically, over every import statement in the source.

The static rules (the second half of this file) read every `import` in
`src/warroom`, function-level and `if TYPE_CHECKING:` ones included:

- nothing but `warroom.__main__` (and the console script) imports `warroom.cli`;
- `core` imports no store, services, server, TUI or CLI; `store` no services,
  server, TUI or CLI; the TUI no server and no CLI; the server no TUI or CLI;
  `services` no argparse, no Textual, no HTTP framework, no face;
- no import cycle among warroom's modules.  Two graphs are checked:
  the module-level imports (what runs when a module is imported: a cycle
  there is an import-time failure waiting for the right import order) must
  have no cycle at all; with function-level imports added, a cycle is allowed
  only inside one area (`warroom.tui`, say) and only if listed in
  `KNOWN_LAZY_CYCLES`; between areas (cli, tui, server, services, store,
  core, ...) there is none, lazy or not.  `if TYPE_CHECKING:` imports never
  run and make no cycle.  Importing `a.b.c` also runs `a/__init__.py` and
  `a/b/__init__.py`; those implicit parent imports are not edges (a package's
  `__init__` importing its own submodules would otherwise always be a cycle).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import warroom
from tests.conftest import isolated_environ

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
        declared_store(isolated_env, tmp_path)
    modules = modules_after(CLI_THEN_DUMP, command, isolated_env, tmp_path)
    assert "warroom.cli" in modules and "warroom.store.sqlite" in modules
    assert offending(modules, UI_AND_SERVER | {"jinja2"} | NOTIFY) == []


def test_the_command_line_parses_before_it_loads_the_store() -> None:
    """`import warroom.cli` (every group registering its commands) loads no
    store, no service, no event model: a group imports those when it runs."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, warroom.cli; print(json.dumps(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules = json.loads(done.stdout)
    assert "warroom.cli.incidents" in modules
    heavy = {"warroom.store", "warroom.services", "warroom.core.kinds", "pydantic"}
    assert offending(modules, UI_AND_SERVER | DATABASES | heavy) == []


ORM = {"sqlalchemy", "sqlmodel", "alembic"}
TEMPLATES = {"jinja2", "markupsafe"}  # the status page's HTML only
NOTIFY = {"apprise", "requests", "markdown"}  # loaded by the sender, on its first message

# `warroom tui REF` as `warroom.tui.run.run_tui` does it, headless: open the
# store, read the room, run the app until the room is on screen; then dump
# sys.modules to a file.
TUI_THEN_DUMP = """
import asyncio, json, sys
from warroom.config import load_settings
from warroom.tui.run import app_for_store
from warroom.store.open import open_store

settings = load_settings({})
store = open_store(settings)
app = app_for_store(store, user="tester", incident_id=store.resolve(sys.argv[2]))

async def show() -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen.__class__.__name__ == "RoomScreen", app.screen

asyncio.run(show())
store.close()
with open(sys.argv[1], "w") as out:
    json.dump(sorted(sys.modules), out)
"""


# Open the SQLite store, fold an incident, describe its events and render them
# as text (`warroom show` / `timeline` without the CLI); then dump sys.modules.
READ_THEN_DUMP = """
import json, sys
from warroom.config import load_settings
from warroom.core.catalog import Catalog
from warroom.core.describe import describe
from warroom.core.fold import fold
from warroom.store.open import open_store

store = open_store(load_settings({}))
incident_id = store.resolve(sys.argv[2])
events = store.events(incident_id)
assert fold(events, Catalog.default()).title == store.incident(incident_id).title == "Setup"
lines = [describe(event) for event in events]
assert lines and lines[0].startswith("declared"), lines
store.close()
with open(sys.argv[1], "w") as out:
    json.dump(sorted(sys.modules), out)
"""

VALIDATION = {"pydantic", "pydantic_core", "warroom.core.kinds.fields"}


def declared_store(env: dict[str, str], folder: Path) -> None:
    setup = [sys.executable, "-m", "warroom", "declare", "Setup"]
    subprocess.run(setup, env=env, cwd=folder, check=True, capture_output=True)


def modules_after(script: str, args: Sequence[str], env: dict[str, str], folder: Path) -> list[str]:
    """Run `script` (one of the *_THEN_DUMP above) in a fresh interpreter; the
    modules it had loaded."""
    dump = folder / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", script, str(dump), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(dump.read_text())


def test_the_hot_path_log_loads_no_orm(isolated_env: dict[str, str], tmp_path: Path) -> None:
    """`warroom log` on a store at the current schema: sqlite3 alone."""
    declared_store(isolated_env, tmp_path)
    modules = modules_after(CLI_THEN_DUMP, ["log", "INC-1", "a note"], isolated_env, tmp_path)
    assert "warroom.store.sqlite" in modules and "sqlite3" in modules
    assert offending(modules, ORM | TEMPLATES | NOTIFY) == []


def test_the_hot_path_tui_room_loads_no_orm(isolated_env: dict[str, str], tmp_path: Path) -> None:
    """`warroom tui REF` up to the room on screen: no ORM either, and no
    pydantic (nothing is validated: the room's user declared the incident,
    so the room writes no `participant_joined`)."""
    declared_store(isolated_env, tmp_path)
    modules = modules_after(TUI_THEN_DUMP, ["INC-1"], isolated_env, tmp_path)
    assert "warroom.tui.screens.room" in modules and "warroom.store.sqlite" in modules
    assert "warroom.core.kinds" in modules
    assert offending(modules, ORM | VALIDATION | TEMPLATES | NOTIFY) == []


def test_reading_an_incident_loads_no_pydantic(
    isolated_env: dict[str, str], tmp_path: Path
) -> None:
    """Opening a SQLite store, folding an incident and describing its events
    validate nothing: the kinds' pydantic models are built on the first write."""
    declared_store(isolated_env, tmp_path)
    modules = modules_after(READ_THEN_DUMP, ["INC-1"], isolated_env, tmp_path)
    assert {"warroom.store.sqlite", "warroom.core.fold", "warroom.core.kinds"} <= set(modules)
    assert offending(modules, VALIDATION) == []


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
            | {"httpx", "warroom.store", "warroom.cli", "warroom.services", "warroom.config"},
        ),
        ("store", UI_AND_SERVER | {"warroom.cli", "warroom.services"}),
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
    tmp_path: Path,
) -> None:
    dump = tmp_path / "modules.json"
    env = {
        **isolated_environ(tmp_path, db=False),
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


# -- the module graph ------------------------------------------------------------------

KNOWN_LAZY_CYCLES: list[set[str]] = [
    # followups takes IncidentsFeed from home at module level; home opens the
    # review screens (followups among them) through a function-level import.
    # To break: move IncidentsFeed out of home.py (to tui/live.py).
    {
        "warroom.tui.screens.followups",
        "warroom.tui.screens.home",
        "warroom.tui.screens.review",
    },
]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    lazy: bool  # inside a function: runs when it is called, not when imported
    typing_only: bool  # under `if TYPE_CHECKING:`: never runs


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    """The modules an import statement names (`from m import x`: `m.x` when
    that is a module of ours, else `m`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        module = f"{base}.{node.module}" if node.module else base
    else:
        module = node.module or ""
    return [
        f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
        for alias in node.names
    ]


def edges_of(name: str) -> list[Edge]:
    """Every import in module `name`, external ones included."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Edge] = []

    def visit(nodes: list[ast.stmt], lazy: bool, typing_only: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.extend(
                    Edge(name, target, lazy, typing_only) for target in _targets(node, package)
                )
                continue
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.body, lazy, True)
                visit(node.orelse, lazy, typing_only)
                continue
            inner = lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child], inner, typing_only)
                elif isinstance(child, ast.excepthandler):
                    visit(child.body, inner, typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)).body, False, False)
    return found


EDGES = [edge for name in MODULES for edge in edges_of(name)]


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """The graph's cycles, as its strongly connected components of 2+ nodes
    (or one node importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def graph_of(edges: list[Edge], key: Callable[[str], str] = str) -> dict[str, set[str]]:
    """Who imports whom among warroom's modules (or, with `key`, its areas);
    typing-only imports never run and are left out."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if edge.target in MODULES and not edge.typing_only:
            graph.setdefault(key(edge.source), set()).add(key(edge.target))
    return graph


def area(name: str) -> str:
    """warroom.tui.screens.home -> tui; warroom.config -> config; warroom -> warroom."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def importers(prefix: str) -> set[str]:
    return {
        edge.source
        for edge in EDGES
        if offending([edge.target], {prefix}) and not offending([edge.source], {prefix})
    }


def test_the_graph_reads_every_kind_of_import() -> None:
    by_source = {(edge.target, edge.lazy, edge.typing_only) for edge in edges_of("warroom.cli")}
    assert ("warroom.cli.incidents", False, False) in by_source  # from warroom.cli import x
    lazy = {edge.target for edge in edges_of("warroom.core.timeparse") if edge.lazy}
    assert "dateutil.parser" in lazy or "dateutil" in lazy
    typing_only = {edge.target for edge in edges_of("warroom.cli.incidents") if edge.typing_only}
    assert "warroom.services.declare" in typing_only
    assert strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [{"a", "b"}]
    assert strongly_connected({"a": {"a"}}) == [{"a"}]


def test_nothing_but_the_entry_points_imports_the_cli() -> None:
    assert importers("warroom.cli") == {"warroom.__main__"}
    pyproject = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"] == {"warroom": "warroom.cli:main"}


FACES = {"warroom.cli", "warroom.tui", "warroom.server"}
WEB = {"fastapi", "starlette", "uvicorn"}


@pytest.mark.parametrize(
    ("layer", "banned"),
    [
        ("warroom.core", FACES | {"warroom.store", "warroom.services", "warroom.config"}),
        ("warroom.store", FACES | {"warroom.services"}),
        ("warroom.services", FACES | WEB | {"argparse", "textual", "rich"}),
        ("warroom.tui", {"warroom.server", "warroom.cli"} | WEB),
        ("warroom.server", {"warroom.tui", "warroom.cli", "textual", "argparse"}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_layer_imports(layer: str, banned: set[str]) -> None:
    """Every import counts here: module-level, in functions, for type checking."""
    found = {
        f"{edge.source}: {edge.target}"
        for edge in EDGES
        if offending([edge.source], {layer}) and offending([edge.target], banned)
    }
    assert found == set()


def test_no_import_cycle_at_module_level() -> None:
    assert strongly_connected(graph_of([edge for edge in EDGES if not edge.lazy])) == []


def test_no_import_cycle_between_areas_even_through_lazy_imports() -> None:
    areas = graph_of(EDGES, key=area)
    assert strongly_connected({node: targets - {node} for node, targets in areas.items()}) == []


def test_lazy_import_cycles_are_only_the_known_ones() -> None:
    cycles = strongly_connected(graph_of(EDGES))
    unknown = [cycle for cycle in cycles if cycle not in KNOWN_LAZY_CYCLES]
    assert unknown == []
    assert all(len({area(name) for name in cycle}) == 1 for cycle in KNOWN_LAZY_CYCLES)
