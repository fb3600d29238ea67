"""Which store an http store's local file belongs to, and which URLs serve it.

A file belongs to a store, not to a URL: every replica of one store answers
`GET /me` with the same `store_id`.  The file learns it from the first server
that answers (`meta.store_id`) and records each URL found serving it
(`meta.servers`), so a URL is asked once.  A server answering with another
store id is refused (StoreUnavailable, naming both); a server from before
store ids (no `store_id`) is taken at its word.

A file written before store ids records one URL (`meta.server`) and no store
id: it opens when that URL is among the servers given, and learns its store
id from whichever of them answers first.  `meta.server` is still written (the
first URL), for the releases that read it.

This module does no networking: `warroom.store.transport` asks the servers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from warroom.core.errors import StoreUnavailable
from warroom.store.localfile import LocalFile
from warroom.store.outboxes import Index


class Owner:
    """The store id a local file holds events for, and the URLs known to serve it."""

    def __init__(
        self,
        file: LocalFile,
        urls: Sequence[str],
        index: Index | None = None,
        learned: Callable[[str], None] | None = None,
    ) -> None:
        """`learned(store_id)` is called when the file learns its store."""
        self.file = file
        self.index = index
        self._learned = learned
        self.store_id = file.get("store_id")
        self._known: set[str] = set(json.loads(file.get("servers") or "[]"))
        legacy = file.get("server")
        if legacy is None:
            file.put("server", urls[0])
        elif self.store_id is None and legacy not in urls:
            raise StoreUnavailable(
                f"the outbox {file.path} belongs to the server {legacy}, not "
                f"{', '.join(urls)}; give another file with WARROOM_OUTBOX"
            )

    def knows(self, url: str) -> bool:
        """Whether `url` was found serving this file's store before."""
        return self.store_id is not None and url in self._known

    def answered(self, url: str, store_id: str | None) -> None:
        """`url` serves `store_id` (None: a server from before store ids).
        The first answer sets the file's store; another store is refused."""
        if store_id is None:
            return
        if self.index is not None:
            self.index.learn(url, store_id)
        if self.store_id is None:
            self.store_id = store_id
            self.file.put("store_id", store_id)
            if self.index is not None:
                self.index.belongs(self.file.path, store_id)
            if self._learned is not None:
                self._learned(store_id)
        elif store_id != self.store_id:
            raise StoreUnavailable(
                f"the server {url} serves another store (id {store_id[:12]}) than the one "
                f"the outbox {self.file.path} holds events for (id {self.store_id[:12]}): "
                "remove it from --server (or WARROOM_SERVER), or give another outbox "
                "file with WARROOM_OUTBOX"
            )
        if url not in self._known:
            self._known.add(url)
            self.file.put("servers", json.dumps(sorted(self._known)))
