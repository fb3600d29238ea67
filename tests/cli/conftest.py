"""Helpers for the command-line end-to-end tests.

`Cli` runs the real `python -m warroom` in a subprocess against one folder, like
the `warroom` fixture of tests/conftest.py, but it can live for a whole module:
a store built once and then only read keeps these files fast.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result, isolated_environ

# What a terminal would obey: C0 (tab and newline aside), DEL, C1, bidi controls.
RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


@dataclass
class Cli:
    """`warroom` in a subprocess, in `folder`, with an isolated environment."""

    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def make(cls, folder: Path) -> Cli:
        return cls(folder, isolated_environ(folder))

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None):
        done = subprocess.run(
            [sys.executable, "-m", "warroom", *args],
            capture_output=True,
            text=True,
            input=input,
            cwd=self.folder,
            env={**self.env, **(env or {})},
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run a command that must succeed."""
        result = self(*args, env=env)
        assert result.returncode == 0, (args, result.stderr)
        assert_safe(result)
        return result

    def json(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return json.loads(self.ok(*args, env=env).stdout)

    def many(self, commands: Sequence[Sequence[str]]) -> list[Result]:
        """Run independent commands, two at a time (the machine has two cores)."""
        return [chain[0] for chain in self.chains([[args] for args in commands])]

    def chains(self, chains: Sequence[Sequence[Sequence[str]]]) -> list[list[Result]]:
        """Run each chain's commands in order; the chains two at a time."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda chain: [self(*args) for args in chain], chains))

    def everything(self, *more: str) -> dict[str, Any]:
        """Every incident's `show --json` object, by ref (`list --all --json`)."""
        return {item["ref"]: item for item in self.json("list", "--all", "--json", *more)}


def assert_safe(result: Result) -> None:
    """No output a terminal would obey, and never a traceback."""
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        raw = RAW_CONTROL.search(text.replace("\n", "").replace("\t", ""))
        assert raw is None, f"raw control character {raw[0]!r} in {name}: {text[:300]!r}"
        assert "Traceback" not in text, f"traceback in {name}:\n{text}"


def assert_fails(result: Result, status: int, *needles: str) -> None:
    """Exit `status`, nothing on stdout, one clear `warroom:` line on stderr."""
    assert_safe(result)
    assert result.returncode == status, (status, result)
    assert result.stdout == "", result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and result.stderr.endswith("\n"), result.stderr
    assert lines[0].startswith("warroom: ") and len(lines[0]) > len("warroom: ") + 10, lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture(scope="module")
def module_cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A `Cli` whose store lives for the whole test module."""
    return Cli.make(tmp_path_factory.mktemp("cli"))
