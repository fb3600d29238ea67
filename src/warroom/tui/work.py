"""Refreshes that never overlap themselves.

Store work runs in Textual thread workers (`@work(thread=True)`, or
`run_worker(..., thread=True)` from a helper that is not a DOM node) and posts
its result as a message (tui/messages.py).  A thread worker cannot be stopped
once it runs, so Textual's `exclusive=True` would let a superseded refresh
still read the store beside the new one.  `Coalesced` is the gate for the work
asked for again and again (the incident list on every live event, the
connection poll): asking while a run is under way marks it to run once more
when that run finishes, so a burst of requests costs at most two runs and two
never read the store at once.
"""

from __future__ import annotations

from collections.abc import Callable


class Coalesced:
    """Starts a job (`start`, which launches a worker) that never overlaps itself.

    The job's result handler calls `finished()`, which starts it once more if
    it was asked for meanwhile.
    """

    def __init__(self, start: Callable[[], object]) -> None:
        self._start = start
        self._running = False
        self._again = False

    @property
    def running(self) -> bool:
        return self._running

    def request(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False
        self._start()

    def finished(self) -> None:
        """The run ended (with a result or an error): run again if asked meanwhile."""
        self._running = False
        if self._again:
            self.request()
