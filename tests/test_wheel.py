"""The wheel works outside the checkout, and nothing is downloaded to prove it.

Build the wheel (`pip wheel --no-deps --no-build-isolation`), install it with
`pip install --no-deps` into a fresh `--system-site-packages` venv, then run
`warroom` from another folder: it must be the wheel's warroom, finding its
`data/` and `styles/` inside the installed package, not in this checkout.

Runs in CI like every other test (~10-30 s).  It needs `hatchling` installed
next to pytest (the build runs without isolation, so without the network).
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import warroom
from tests.conftest import isolated_environ
from warroom.store.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent  # the checkout: pyproject.toml is here

PROBE = """
import json, sys, warroom
from warroom.resources import resource_dir
from warroom.core.alerts.rules import load_rules
print(json.dumps({
    "alert_rules": [rule.name for rule in load_rules()],
    "file": warroom.__file__,
    "path": sys.path,
    "data": str(resource_dir("data")),
    "styles": str(resource_dir("styles")),
}))
"""


def run(args: list[str | Path], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, env=env, cwd=cwd, timeout=180
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_the_wheel_works_outside_the_checkout(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in isolated_environ(tmp_path / "store", user="wheel-user").items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV"))
    }
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, ROOT], env, elsewhere)
    (wheel,) = wheels.glob("warroom-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", venv], env, elsewhere)
    site = Path(
        sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    ).resolve()
    assert site.is_dir(), site
    # --system-site-packages reaches the base interpreter's site-packages; when
    # the tests run from a venv, textual, sqlmodel... live in that venv, so list
    # its site-packages too.  A bare path line adds the folder after the new
    # venv's own, and does not run that folder's .pth files (such as the
    # editable install's, which would put this checkout's src/ on sys.path).
    (site / "zz_test_runner_site.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run([venv / "bin" / "pip", "install", "--no-deps", wheel], env, elsewhere)

    (tmp_path / "store").mkdir()
    warroom_bin = venv / "bin" / "warroom"
    assert run([warroom_bin, "--version"], env, elsewhere).strip() == (
        f"warroom {warroom.__version__}"
    )
    assert run([warroom_bin, "declare", "From the wheel", "--sev", "1"], env, elsewhere) == (
        "INC-1\n"
    )
    shown = json.loads(run([warroom_bin, "show", "INC-1", "--json"], env, elsewhere))
    assert shown["title"] == "From the wheel" and shown["roles"] == {"lead": ["wheel-user"]}
    assert shown["next_update_due"] is not None  # SEV1's cadence, read from data/

    probe = json.loads(run([venv / "bin" / "python", "-c", PROBE], env, elsewhere))
    installed = site / "warroom"
    assert Path(probe["file"]).resolve() == installed / "__init__.py"
    assert str(ROOT / "src") not in probe["path"]
    assert probe["alert_rules"] == ["critical-declares", "inbox"]  # data/alert_rules.toml
    for name in ("data", "styles"):
        found = Path(probe[name]).resolve()
        assert found == installed / "_resources" / name, (name, found)
        assert files_under(found) == files_under(ROOT / name), name
        assert files_under(found), f"the wheel ships an empty {name}/"

    # The schema migrations ship inside the package: the installed warroom
    # upgrades a file of the release before migrations.
    migrations = installed / "store" / "migrations"
    shipped = [name for name in files_under(migrations) if name.endswith((".py", ".mako"))]
    assert shipped == [
        name
        for name in files_under(ROOT / "src" / "warroom" / "store" / "migrations")
        if name.endswith((".py", ".mako"))
    ]
    old = tmp_path / "store" / "old.db"
    old.write_bytes((ROOT / "tests" / "store" / "data" / "release-schema1.db").read_bytes())
    upgraded = run([warroom_bin, "--db", old, "db", "upgrade"], env, elsewhere)
    assert upgraded.endswith(f"upgraded from schema 1 to {SCHEMA_VERSION}\n"), upgraded
