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


def site_files(page: PublicPage) -> dict[str, bytes]:
    """Every file of the site, by its path relative to the site's root."""
    files = {"index.html": render_html(page).encode()}
    files.update({name: asset(name) for name in ASSETS})
    files.update({f"{API_DIR}/{name}": encode(document(page, name)) for name in JSON_FILES})
    return files


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
