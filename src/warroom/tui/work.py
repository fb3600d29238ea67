"""Store work off the UI loop: thread workers that report back with messages.

`in_thread` runs a blocking job (a store read or write) in a Textual thread
worker and posts the result, or the error, back to the node that asked, whose
`JobHost.on_job_done` runs the callback on the UI loop.  `Coalesced` is a
refresh that never overlaps itself: asking while one runs schedules exactly one
more run after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker

from warroom.tui.safe import notify

T = TypeVar("T")


class JobDone(Message):
    """A thread job finished; `run` calls its callback on the UI loop."""

    def __init__(self, callback: Callable[[Any], None], value: Any) -> None:
        super().__init__()
        self.callback = callback
        self.value = value

    def run(self) -> None:
        self.callback(self.value)


class JobHost:
    """Mixin for screens and widgets that start jobs with `in_thread`."""

    def on_job_done(self, message: JobDone) -> None:
        message.stop()
        message.run()


def in_thread(
    node: DOMNode,
    job: Callable[[], T],
    done: Callable[[T], None],
    failed: Callable[[Exception], None] | None = None,
    *,
    group: str = "store",
    name: str = "",
) -> Worker[None]:
    """Run `job()` in a thread worker; then `done(result)` or `failed(error)` on the UI loop.

    `node` must mix in JobHost.  Errors without a `failed` callback are shown
    as a notification (as plain text, never markup).
    """

    def run() -> None:
        try:
            value = job()
        except Exception as error:  # reported to the UI, never raised in the worker
            node.post_message(JobDone(failed or _notify_error(node), error))
            return
        node.post_message(JobDone(done, value))

    return node.run_worker(run, thread=True, group=group, name=name, exit_on_error=False)


def _notify_error(node: DOMNode) -> Callable[[Exception], None]:
    def show(error: Exception) -> None:
        notify(node, str(error), severity="error")

    return show


class Coalesced:
    """A job run in a thread that never overlaps itself.

    `request()` starts it, or, while it runs, marks it to run once more when it
    finishes: a burst of requests costs at most two runs.
    """

    def __init__(
        self,
        node: DOMNode,
        job: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        self._node = node
        self._job = job
        self._done = done
        self._failed = failed
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
        in_thread(self._node, self._job, self._finish, self._fail, group="refresh")

    def _finish(self, value: Any) -> None:
        self._running = False
        self._done(value)
        if self._again:
            self.request()

    def _fail(self, error: Exception) -> None:
        self._running = False
        if self._failed is not None:
            self._failed(error)
        if self._again:
            self.request()
