"""Every message the TUI passes around, as small dataclasses.

Workers (`@work(thread=True)`) post the result of their store work, or why it
failed, to the screen that started them; a handler (`@on(...)`) updates the
screen on the UI loop.  The live feed posts what the store committed; widgets
post what their user did (`control`: the widget).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.metrics import Report
    from warroom.core.replay import Replay
    from warroom.core.runbook_library import Entry
    from warroom.store.base import InboxSummary
    from warroom.tui.live import LiveFeed
    from warroom.tui.pending import RoomLoad
    from warroom.tui.widgets.connection import ConnectionInfo
    from warroom.tui.widgets.entry import EntryLine
    from warroom.tui.widgets.timeline import TimelineView


# -- the live feed (tui/live.py) ---------------------------------------------------------


@dataclass
class LiveEvents(Message):
    """New events from the store, in gseq order."""

    feed: LiveFeed
    events: list[Event]


@dataclass
class LiveTrouble(Message):
    """The watch failed (`error`) or recovered (`error` is None)."""

    feed: LiveFeed
    error: str | None


@dataclass
class Queued(Message):
    """An event of mine that the store could only queue (seq None)."""

    event: Event


# -- widgets ---------------------------------------------------------------------------


@dataclass
class EntryCommit(Message):
    """Enter in the entry line: store (or search) `text` as `kind`."""

    entry: EntryLine
    kind: str
    text: str

    @property
    def control(self) -> EntryLine:
        return self.entry


@dataclass
class KindFilterChanged(Message):
    """The timeline's kind filter changed; `label` says what is shown."""

    timeline: TimelineView
    kinds: frozenset[str] | None
    label: str

    @property
    def control(self) -> TimelineView:
        return self.timeline


# -- store work (workers) ------------------------------------------------------------


@dataclass
class StoreFailed(Message):
    """Store work failed; the screen says why (as plain text)."""

    error: Exception


# -- a war room ---------------------------------------------------------------------


@dataclass
class RoomLoaded(Message):
    """The room's state and newest events, read."""

    loaded: RoomLoad


@dataclass
class RoomLoadFailed(Message):
    """The room could not be read."""

    error: Exception


@dataclass
class OlderLoaded(Message):
    """A page of older events (empty: there are no more)."""

    page: list[Event]


@dataclass
class EntryStored(Message):
    """What the entry line held (`kind`, `text`) is stored."""

    kind: str
    text: str


@dataclass
class EntryFailed(Message):
    """What the entry line held could not be stored."""

    kind: str
    error: Exception


@dataclass
class RunbookAttached(Message):
    name: str


@dataclass
class LibraryLoaded(Message):
    """The runbook library's entries, read."""

    entries: list[Entry]


@dataclass
class ComponentStatesLoaded(Message):
    """The status page components' states this incident's customers updates
    set last (component id -> state), read for the stakeholder update's picker."""

    states: dict[str, str]


@dataclass
class LibraryFailed(Message):
    error: Exception


# -- lists and review screens -----------------------------------------------------------


@dataclass
class EntriesRead(Message):
    """An incident's newest events, read for its card on the wall."""

    incident_id: str
    events: list[Event]


@dataclass
class IncidentsFetched(Message):
    """The incidents, and the store's last gseq read just before them."""

    cursor: int
    incidents: list[Incident]


@dataclass
class MetricsComputed(Message):
    report: Report


@dataclass
class PostmortemDrafted(Message):
    ref: str
    text: str


# -- forms ---------------------------------------------------------------------------


@dataclass
class FormSaved(Message):
    """The form's job finished; `value` is what it returned."""

    value: object


@dataclass
class FormFailed(Message):
    error: Exception


@dataclass
class NothingPicked(Message):
    """Enter in a pick list with nothing highlighted: the form says what to choose."""


@dataclass
class ThemeNotSaved(Message):
    """The theme chosen could not be written to the config file."""

    error: Exception


# -- the connection ------------------------------------------------------------------


@dataclass
class ConnectionProbed(Message):
    """One look at the connection (`info`), or why the look failed (`error`)."""

    info: ConnectionInfo | None
    error: Exception | None = None


# -- a drill running beside the app (`warroom demo`) -----------------------------------


@dataclass
class DrillOver(Message):
    """The drill ended: its score, as `warroom drill` prints it."""

    lines: list[str]


# -- replay ---------------------------------------------------------------------------


@dataclass
class ReplayLoaded(Message):
    """An incident's events, read and ready to step through (`replay`:
    a core.replay.Replay already folded up to `index`)."""

    replay: Replay
    index: int


# -- the alert inbox (tui/inbox.py, screens/alerts.py) ------------------------------


@dataclass
class InboxPolled(Message):
    """One look at the alert inbox: its change counter (`version`), and when it
    moved its summary and newest critical alerts; or why the look failed."""

    version: int | None
    summary: InboxSummary | None = None
    critical: tuple[AlertRecord, ...] = ()
    error: Exception | None = None


@dataclass
class AlertsFetched(Message):
    """The alert list's rows, read (newest first)."""

    alerts: list[AlertRecord]


@dataclass
class AlertsFailed(Message):
    """The alert list could not be read."""

    error: Exception


@dataclass
class AlertHandled(Message):
    """An alert was declared, attached or ignored: what to say about it."""

    text: str


@dataclass
class AlertNotHandled(Message):
    """Ignoring an alert failed (the store or the server said why)."""

    error: Exception
