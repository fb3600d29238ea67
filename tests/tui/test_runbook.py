"""Markdown runbooks: the parser the CLI and the TUI share, and
`warroom runbook attach REF FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warroom.core.errors import UsageError
from warroom.core.runbook import parse_runbook, read_runbook, step_id

TEXT = """# DB failover

Some prose. - [ ] not at the start of a line, not a step

## Check
- [ ] Check replication lag `psql -c 'select 1'`
* [x] Page the DBA

```
- [ ] inside a code block: not a step
```

### Act ###
+ [ ] Page the DBA
- [ ] Promote the replica `pg_ctl promote`
-  [ ]
"""


def test_steps_sections_and_commands() -> None:
    runbook = parse_runbook(TEXT, "DB failover")
    assert [(s["text"], s["section"], s.get("command")) for s in runbook.steps] == [
        ("Check replication lag `psql -c 'select 1'`", "Check", "psql -c 'select 1'"),
        ("Page the DBA", "Check", None),
        ("Page the DBA", "Act", None),
        ("Promote the replica `pg_ctl promote`", "Act", "pg_ctl promote"),
    ]
    assert runbook.content_hash.startswith("sha256:")


def test_step_ids_are_stable_and_distinct() -> None:
    first = parse_runbook(TEXT, "DB failover")
    again = parse_runbook(TEXT.replace("Some prose.", "Other prose."), "DB failover")
    ids = [step["id"] for step in first.steps]
    assert ids == [step["id"] for step in again.steps]  # the same steps, the same ids
    assert len(set(ids)) == len(ids)  # a repeated text still gets its own id
    assert ids[1] == step_id("DB failover", "Page the DBA", 0)
    assert ids[2] == step_id("DB failover", "Page the DBA", 1)
    assert first.content_hash != again.content_hash
    other_name = parse_runbook(TEXT, "Other")
    assert other_name.steps[0]["id"] != ids[0]


def test_read_runbook_names_it_after_its_heading(tmp_path: Path) -> None:
    path = tmp_path / "failover.md"
    path.write_text(TEXT, encoding="utf-8")
    assert read_runbook(path).name == "DB failover"
    assert read_runbook(path, "Custom").name == "Custom"
    bare = tmp_path / "bare-steps.md"
    bare.write_text("- [ ] one\n", encoding="utf-8")
    assert read_runbook(bare).name == "bare-steps"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such runbook file"), ("just prose\n", "has no steps"), (b"\xff\xfe", "UTF-8")],
)
def test_read_runbook_refuses_clearly(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "rb.md"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        read_runbook(path)


def test_cli_attaches_a_runbook_with_its_steps(warroom, tmp_path: Path) -> None:
    assert warroom("declare", "DB down", "--sev", "2").returncode == 0
    path = tmp_path / "failover.md"
    path.write_text(TEXT, encoding="utf-8")
    done = warroom("runbook", "attach", "INC-1", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "INC-1: runbook DB failover attached (4 steps) (seq 2)"
    shown = json.loads(warroom("show", "INC-1", "--json").stdout)
    assert [step["text"] for step in shown["runbook"]["steps"]] == [
        "Check replication lag `psql -c 'select 1'`",
        "Page the DBA",
        "Page the DBA",
        "Promote the replica `pg_ctl promote`",
    ]
    events = json.loads(warroom("timeline", "INC-1", "--json").stdout)
    attached = events[-1]
    assert attached["kind"] == "runbook_attached"
    assert attached["actor"] == "tester"
    assert set(attached["data"]) == {"name", "content_hash", "steps"}


def test_cli_attach_errors_are_one_line(warroom, tmp_path: Path) -> None:
    warroom("declare", "DB down")
    missing = warroom("runbook", "attach", "INC-1", str(tmp_path / "nope.md"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("warroom: no such runbook file")
    assert warroom("runbook", "attach", "INC-9", str(tmp_path / "nope.md")).returncode != 0
    assert warroom("runbook").returncode == 2


def test_tui_with_an_unknown_ref_fails_before_taking_the_screen(warroom) -> None:
    for command in (["tui", "INC-9"], ["watch", "INC-9"]):
        done = warroom(*command)
        assert done.returncode == 1
        assert "no incident INC-9" in done.stderr
