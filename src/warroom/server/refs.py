"""Incident references resolved to ids, remembered where that is safe.

Every append names its incident; resolving the reference is a read of the
store.  An incident is never deleted and its id never changes, so a reference
that is an incident's full id resolves the same way for good and is kept
(bounded).  Numbers and id prefixes are resolved each time: a prefix can
become ambiguous once a new incident shares it.
"""

from __future__ import annotations

from anyio import to_thread

from warroom.store.base import Store

REMEMBER_MAX = 10_000


class Refs:
    def __init__(self, store: Store, remember: int = REMEMBER_MAX) -> None:
        self.store = store
        self._known: dict[str, str] = {}
        self._max = remember

    async def resolve(self, ref: str) -> str:
        """The id of the incident `ref` names; NotFound as `Store.resolve` raises it."""
        known = self._known.get(ref)
        if known is not None:
            return known
        incident_id = await to_thread.run_sync(self.store.resolve, ref)
        if ref == incident_id:
            if len(self._known) >= self._max:
                self._known.clear()
            self._known[ref] = incident_id
        return incident_id
