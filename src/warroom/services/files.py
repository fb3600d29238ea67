"""Writing files the faces produce (exports, postmortem drafts, proposed runbook
edits): atomically, so a reader never sees half a file."""

from __future__ import annotations

import os
from pathlib import Path

from warroom.core.errors import UsageError, WarroomError


def write_file(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file beside it, then rename."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, content: bytes) -> Path:
    """Write `content` to `path` through a temporary file beside it, then rename."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name")
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except OSError as error:
        raise WarroomError(f"cannot write {path}: {error.strerror}") from None
    return path
