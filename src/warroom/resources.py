"""The one place that finds the shipped `styles/` and `data/` folders.

In an installed wheel they live inside the package (`warroom/_resources/`, put
there by hatch's force-include); in a checkout or an editable install they are
the top-level folders of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """Return the folder `name` ("styles" or "data") wherever warroom is installed."""
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"warroom's {name}/ folder is missing from this installation")


def data_path(*parts: str) -> Path:
    """A file under the shipped `data/` folder."""
    return resource_dir("data").joinpath(*parts)


def styles_path(*parts: str) -> Path:
    """A file under the shipped `styles/` folder."""
    return resource_dir("styles").joinpath(*parts)
