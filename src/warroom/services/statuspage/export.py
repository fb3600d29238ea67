"""The static export: the page and its JSON as files (`index.html`, the
script and style sheet, `api/v2/*.json`), byte for byte what the server
serves, written atomically (a reader never sees half a file)."""

from __future__ import annotations

from pathlib import Path

from warroom.core.statuspage.model import PublicPage
from warroom.core.statuspage.shapes import JSON_FILES, document, encode
from warroom.services.files import write_bytes
from warroom.services.statuspage.render import ASSETS, asset, render_html

API_DIR = "api/v2"


SITE_FILES: tuple[str, ...] = (
    "index.html",
    *ASSETS,
    *(f"{API_DIR}/{name}" for name in JSON_FILES),
)
"""Every file of the site, by its path relative to the site's root."""


def site_file(page: PublicPage, name: str) -> bytes:
    """One of SITE_FILES; KeyError for any other name."""
    if name == "index.html":
        return render_html(page).encode()
    if name in ASSETS:
        return asset(name)
    if name.startswith(f"{API_DIR}/") and name[len(API_DIR) + 1 :] in JSON_FILES:
        return encode(document(page, name[len(API_DIR) + 1 :]))
    raise KeyError(name)


def site_files(page: PublicPage) -> dict[str, bytes]:
    """Every file of the site, by its path."""
    return {name: site_file(page, name) for name in SITE_FILES}


def write_site(folder: Path, page: PublicPage) -> list[Path]:
    """Write the site into `folder` (made if missing); returns the files
    that changed (a file whose bytes are the same is left alone)."""
    changed: list[Path] = []
    for name, content in site_files(page).items():
        path = folder / name
        try:
            if path.read_bytes() == content:
                continue
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        changed.append(write_bytes(path, content))
    return changed
