"""Which outbox file an http store uses: one per store (found by the store id
its servers answer with), not one per URL, so a list of replicas' URLs, in
any order, changed at any time, strands no pending event.

WARROOM_OUTBOX names the file outright.  Otherwise the files live in the
user's data folder, with an index, `outboxes.json`:

- `servers`: each URL ever found serving a store -> its store id (learnt
  from `GET /me`, see `warroom.store.owner`);
- `files`: each store id -> the files found holding its events, the first
  being the store's file.

A list of URLs uses the store's file of the first URL the index knows; if
it knows none (first contact, or servers never reached yet), the file named
after the first URL, `outbox-<sha256(url)[:12]>.db` (the name every release
before store ids used, so their outboxes open and deliver as before).  When
a file learns its store id it is added to the store's files: usually it is
the first, and stays the store's file.  A file that knows its store (on
opening, or on learning it) adopts that store's events held in its other
files and in the old per-URL files of its URLs: they move in (pending and
rejected ones, in order and in their groups, under the other file's sender
lock), so they are delivered by whichever file is in use.

This module does no networking.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from warroom.core.errors import StoreUnavailable
from warroom.store.localfile import LocalFile
from warroom.store.outbox import Outbox

try:  # POSIX; elsewhere the index is written without a lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

INDEX_NAME = "outboxes.json"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def url_file(folder: Path, url: str) -> Path:
    """The file named after one URL (the name releases before store ids used)."""
    return folder / f"outbox-{hashlib.sha256(url.encode()).hexdigest()[:12]}.db"


def store_file(folder: Path, store_id: str) -> Path:
    """A store's own file."""
    name = store_id if _SAFE_ID.match(store_id) else hashlib.sha256(store_id.encode()).hexdigest()
    return folder / f"outbox-store-{name}.db"


class Index:
    """`outboxes.json`: the URLs known to serve each store, and each store's files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / INDEX_NAME

    def read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            document = None
        if not isinstance(document, dict):
            document = {}
        servers, files = document.get("servers"), document.get("files")
        return {
            "servers": servers if isinstance(servers, dict) else {},
            "files": files if isinstance(files, dict) else {},
        }

    def file_for(self, urls: Sequence[str]) -> Path:
        """The file a list of URLs uses."""
        document = self.read()
        for url in urls:
            store_id = document["servers"].get(url)
            if isinstance(store_id, str) and store_id:
                return self._store_file(document, store_id)
        return url_file(self.folder, urls[0])

    def _store_file(self, document: dict[str, Any], store_id: str) -> Path:
        files = [Path(p) for p in document["files"].get(store_id, []) if isinstance(p, str)]
        return next((path for path in files if path.is_file()), store_file(self.folder, store_id))

    def learn(self, url: str, store_id: str) -> None:
        """`url` serves `store_id`."""
        if self.read()["servers"].get(url) == store_id:
            return
        with self._update() as document:
            document["servers"][url] = store_id

    def belongs(self, path: Path, store_id: str) -> None:
        """The file at `path` holds events of `store_id`."""
        if str(path) in self.read()["files"].get(store_id, []):
            return
        with self._update() as document:
            files = document["files"].setdefault(store_id, [])
            if str(path) not in files:
                files.append(str(path))

    def adopt(self, outbox: Outbox, store_id: str, urls: Sequence[str]) -> int:
        """Move into `outbox` the events of `store_id` held in its other files
        and in the per-URL files of `urls`; how many moved."""
        document = self.read()
        listed = [Path(p) for p in document["files"].get(store_id, []) if isinstance(p, str)]
        named = [url_file(self.folder, url) for url in urls]
        candidates = list(dict.fromkeys([*listed, store_file(self.folder, store_id), *named]))
        moved, emptied = 0, set()
        for path in candidates:
            if path == outbox.file.path:
                continue  # (listed: it is adopted in turn if it is not the store's file)
            if not path.is_file():
                emptied.add(str(path))
                continue
            taken = _adopt_file(outbox, path, store_id, urls)
            if taken is not None:
                moved += taken
                emptied.add(str(path))
        home = str(self._store_file(document, store_id))
        if any(str(path) in emptied and str(path) != home for path in listed):
            with self._update() as document:  # the store's file stays listed
                document["files"][store_id] = [
                    p for p in document["files"].get(store_id, []) if p == home or p not in emptied
                ]
        return moved

    @contextlib.contextmanager
    def _update(self) -> Iterator[dict[str, Any]]:
        """Read, change and write the index, one process at a time."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(INDEX_NAME + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            document = self.read()
            yield document
            temporary = self.path.with_name(INDEX_NAME + ".tmp")
            temporary.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
            temporary.replace(self.path)
        finally:
            os.close(fd)  # closing releases the lock


def _adopt_file(outbox: Outbox, path: Path, store_id: str, urls: Sequence[str]) -> int | None:
    """Move `path`'s outbox into `outbox` if it holds events of `store_id`
    (its store id, or before store ids its one URL among `urls`); how many
    moved, 0 if it belongs elsewhere, None if it is busy or cannot be read."""
    lock = _try_lock(path.with_name(path.name + ".lock"))
    if lock is None:
        return None
    try:
        other = LocalFile(path)
    except StoreUnavailable:
        _unlock(lock)
        return None
    try:
        owner, legacy = other.get("store_id"), other.get("server")
        if owner != store_id and not (owner is None and legacy in urls):
            return 0
        return outbox.adopt(Outbox(other))
    except StoreUnavailable:
        return None
    finally:
        other.close()
        _unlock(lock)


def _try_lock(path: Path) -> int | None:
    """The sender lock of another outbox file (`warroom.store.delivery`), if free."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    if fcntl is None:  # pragma: no cover
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _unlock(fd: int) -> None:
    os.close(fd)
