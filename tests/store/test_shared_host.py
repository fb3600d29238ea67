"""Two users in one group share a store in a setgid, group-writable folder.

Before, the first user's store was created 0644, the second user's `list`
left `-wal`/`-shm` files owned by them 0644, and then neither could write.
Forked children switch to two unused numeric uids in one group (no users are
created) and run warroom's real command line; they need root to switch, so
the file skips elsewhere.  The children are forked, not exec'd: the Python
of the test run may sit in a folder those uids cannot read, so every module
a command needs is imported first, in the parent.
"""

from __future__ import annotations

import contextlib
import grp  # noqa: F401 - the children name owners and groups: imported before the fork
import io
import os
import pwd
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from warroom.cli import main

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="switching uids needs root"
)

GID = 47_310
ANN, BEN = 47_311, 47_312  # unused uids (checked below), both in group GID
COMMANDS = (
    ["declare", "shared outage"],
    ["list"],
    ["log", "1", "a note"],
    ["timeline", "1"],
    ["db", "check"],
)


def unused(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return True
    return False


@pytest.fixture(scope="module", autouse=True)
def warm_imports(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run every command once as root: the children then import nothing."""
    assert unused(ANN) and unused(BEN)
    folder = tmp_path_factory.mktemp("warm")
    for command in COMMANDS:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--db", str(folder / "w.db"), "--as", "root", *command]) == 0
    with contextlib.redirect_stderr(io.StringIO()):
        main(["--db", str(folder / "missing" / "w.db"), "list"])


@pytest.fixture
def shared() -> Iterator[Path]:
    """A 2770 folder of group GID, reachable by anyone (its parent is 0711)."""
    top = Path(tempfile.mkdtemp(prefix="warroom-shared-"))
    top.chmod(0o711)
    folder = top / "srv"
    folder.mkdir()
    os.chown(folder, 0, GID)
    folder.chmod(0o2770)
    try:
        yield folder
    finally:
        shutil.rmtree(top)


def as_user(uid: int, *args: str) -> tuple[int, str]:
    """`warroom ARGS` in a forked child running as `uid` (group GID, umask
    022); its exit status and its stderr."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 99
        try:
            os.close(read_end)
            os.dup2(write_end, 2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - pytest replaced them
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            os.setgroups([GID])
            os.setgid(GID)
            os.setuid(uid)
            os.umask(0o022)
            status = main(list(args))
        except BaseException as error:
            os.write(2, f"child failed: {error!r}\n".encode())
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        err = pipe.read().decode(errors="replace")
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status), err


def ok(uid: int, db: Path, *args: str) -> None:
    status, err = as_user(uid, "--db", str(db), "--as", f"u{uid}", *args)
    assert status == 0, (uid, args, err)


@pytest.mark.parametrize("first, second", [(ANN, BEN), (BEN, ANN)], ids=["ann-first", "ben-first"])
def test_two_users_of_one_group_read_and_write_in_any_order(
    shared: Path, first: int, second: int
) -> None:
    db = shared / "warroom.db"
    ok(first, db, "declare", "shared outage")
    assert stat.S_IMODE(db.stat().st_mode) == 0o660 and db.stat().st_gid == GID
    ok(second, db, "list")  # leaves its -wal/-shm behind only if it were the last: check all
    for writer in (second, first, second, first):
        ok(writer, db, "log", "1", f"note by {writer}")
    ok(first, db, "timeline", "1")
    ok(second, db, "db", "check")
    for name in ("warroom.db", "warroom.db-wal", "warroom.db-shm"):
        path = shared / name
        if path.exists():
            info = path.stat()
            assert stat.S_IMODE(info.st_mode) == 0o660 and info.st_gid == GID, name


def test_a_store_made_before_the_fix_names_file_owner_mode_and_fix(shared: Path) -> None:
    db = shared / "warroom.db"
    ok(ANN, db, "declare", "old store")
    db.chmod(0o644)  # as the first user's umask left it before
    status, err = as_user(BEN, "--db", str(db), "log", "1", "blocked")
    assert status == 1, err
    line = err.strip()
    assert str(db) in line and f"owned by {ANN}:{GID}" in line and "mode 0644" in line, line
    assert "chmod 660" in line and "\n" not in line, line


def test_a_writable_file_in_an_unwritable_folder_names_the_folder(shared: Path) -> None:
    db = shared / "warroom.db"
    ok(ANN, db, "declare", "outage")
    db.chmod(0o666)
    shared.chmod(0o2750)  # the group may enter, not create the -wal
    status, err = as_user(BEN, "--db", str(db), "list")
    assert status == 1, err
    assert f"its folder {shared}" in err and "not writable" in err, err
    assert "read-only for this user" not in err, err
