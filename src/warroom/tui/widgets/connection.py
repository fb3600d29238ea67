"""The connection indicator: live / reconnecting / offline, N pending.

Against a warroom server (the http store) every screen shows, in its top
right corner, whether the live feed reaches the server and how many events
typed here wait in the outbox; when the server is not reached, how old the
cached data is ("stale since 03:40").  With the local SQLite file there is
nothing to say, and nothing is shown.

`ConnectionMonitor` (one per app) asks the store in a thread worker (the
outbox is a SQLite file: a count may wait on its lock) and schedules the next
poll only after the previous one finished; `poll_now` asks at once (after a
write was queued).  Each `ConnectionStatus` shows what the monitor last found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import App
from textual.content import Content
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import Static

from warroom.store.base import RemoteStore
from warroom.tui.messages import ConnectionProbed
from warroom.tui.pending import REJECTED
from warroom.tui.work import Coalesced

POLL_SECONDS = 0.5  # between the end of one poll and the start of the next
LIVE = "live"


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """One look at the connection: its state, the outbox, the cache's age."""

    state: str  # "live" | "reconnecting" | "offline"
    pending: int
    cached_at: datetime | None = None
    rejected: tuple[tuple[str, str], ...] = ()  # (event id, the server's reason), kept

    @property
    def live(self) -> bool:
        return self.state == LIVE


def probe(store: RemoteStore) -> ConnectionInfo:
    """Ask the store (blocking: call it from a worker)."""
    state, pending = store.connection_state()
    cached = None if state == LIVE else store.cached_at()
    rejected = tuple(
        (entry.event.id, entry.reason or "refused") for entry in store.outbox((REJECTED,))
    )
    return ConnectionInfo(state, pending, cached, rejected)


def describe_connection(info: ConnectionInfo) -> Content:
    """`● live`, `◌ reconnecting · 2 pending · stale since 03:40`, `✖ offline · …`."""
    icon = {"live": "●", "reconnecting": "◌", "offline": "✖"}.get(info.state, "?")
    parts = [f"{icon} {info.state}"]
    if info.pending or not info.live:
        parts.append(f"{info.pending} pending")
    if info.rejected:
        parts.append(f"{len(info.rejected)} rejected")
    if not info.live:
        if info.cached_at is not None:
            parts.append(f"stale since {_when(info.cached_at)}")
        else:
            parts.append("nothing cached yet")
    return Content(" · ".join(parts))


def _when(moment: datetime) -> str:
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


class ConnectionMonitor:
    """Polls a server-backed store's connection for the app; never overlaps a poll."""

    def __init__(self, app: App[object], store: RemoteStore) -> None:
        self.app = app
        self.store = store
        self.info: ConnectionInfo | None = None
        self.changed: Signal[ConnectionInfo] = Signal(app, "connection-changed")
        self._timer: Timer | None = None
        self._stopped = False
        self._poll = Coalesced(self._start_probe)

    def start(self) -> None:
        self._poll.request()

    def poll_now(self) -> None:
        """Look again now (something was just written)."""
        if not self._stopped:
            self._poll.request()

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.stop()

    def _start_probe(self) -> None:
        self.app.run_worker(
            self._probe, thread=True, group="refresh", name="connection poll", exit_on_error=False
        )

    def _probe(self) -> None:
        """In the worker thread: ask, and tell the app (`probed` runs on its loop)."""
        try:
            info = probe(self.store)
        except Exception as error:  # the outbox was busy or closing: look again later
            self.app.post_message(ConnectionProbed(None, error))
            return
        self.app.post_message(ConnectionProbed(info))

    def probed(self, message: ConnectionProbed) -> None:
        """The app's handler of `ConnectionProbed`: publish what changed, poll again later."""
        self._poll.finished()
        info = message.info
        if info is not None and info != self.info:
            self.info = info
            self.changed.publish(info)
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._stopped and not self._poll.running:
            self._timer = self.app.set_timer(POLL_SECONDS, self.poll_now, name="connection poll")


class ConnectionStatus(Static):
    """The indicator, in the screen's top right corner, over what is there."""

    DEFAULT_CSS = """
    ConnectionStatus {
        layer: connection;
        dock: right;
        width: auto;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-success;
        text-style: bold;
        &.-reconnecting { background: $warning; color: $text; }
        &.-offline { background: $error; color: $text; }
    }
    """

    def __init__(self, monitor: ConnectionMonitor) -> None:
        super().__init__("", markup=False, id="connection")
        self.monitor = monitor

    def on_mount(self) -> None:
        self.monitor.changed.subscribe(self, self.show)
        if self.monitor.info is not None:
            self.show(self.monitor.info)
        else:
            self.display = False

    def show(self, info: ConnectionInfo) -> None:
        self.display = True
        for state in ("reconnecting", "offline"):
            self.set_class(info.state == state, f"-{state}")
        self.update(describe_connection(info))
