"""Where a page goes: an Apprise URL, or a reference to one kept secret.

`"env:NAME"` is the URL in the environment variable NAME, `"file:PATH"` the
URL in a file (a relative PATH is relative to the file that names it).  They
are read only by `reveal`, when a message is sent; everything else (errors,
listings, `repr`) shows `shown`: the reference itself, or a literal URL with
everything after its scheme masked (Apprise URLs carry tokens in the path).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from warroom.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class Address:
    raw: str = ""
    base: Path | None = None  # the folder of the file that named it, for file:PATH

    @property
    def shown(self) -> str:
        if self.raw.startswith(("env:", "file:")):
            return self.raw
        scheme, sep, _ = self.raw.partition("://")
        return f"{scheme}://***" if sep else "***"

    def __repr__(self) -> str:
        return f"Address({self.shown!r})"

    __str__ = __repr__

    def reveal(self, env: Mapping[str, str]) -> str:
        """The URL itself (for sending only); UsageError naming the reference
        (never its value) when it cannot be read."""
        if self.raw.startswith("env:"):
            name = self.raw[4:]
            value = env.get(name, "").strip()
            if not value:
                raise UsageError(f"{self.raw}: the environment variable {name} is not set")
            return value
        if self.raw.startswith("file:"):
            path = Path(self.raw[5:]).expanduser()
            if not path.is_absolute() and self.base is not None:
                path = self.base / path
            try:
                value = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as error:
                raise UsageError(
                    f"{self.raw}: cannot read {path}: {error.__class__.__name__}"
                ) from None
            if not value:
                raise UsageError(f"{self.raw}: {path} is empty")
            return value
        return self.raw
