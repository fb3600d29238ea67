"""The documented payload samples (tests/alerts/payloads), read fresh for each use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> Any:
    """A sample body by file name without `.json` (a new copy each time)."""
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
