"""Replay (`R` in a war room, `warroom replay REF`): the incident as it stood
after a chosen event, read-only.

The same header, roster, runbook pane and timeline as the room, fed with
`Replay.state_at(i)` (the fold of the events up to i, in seq order: what the
room knew, in the order it learnt it) and the timeline with events 1..i.  The
header's clocks run at the moment that event was recorded.  left/right step
one event, `[`/`]` jump between milestones and status changes, home/end go
to the first and the newest event; Esc (or q) goes back to the live room, or
quits when the replay was opened directly.

Nothing is written: there is no input widget, and every write key is bound to
a hint that says so.  The events are read once, in a thread worker (a long
incident opens without freezing the screen); stepping forward applies one
event, a jump starts from the nearest checkpoint (core/replay.py).  The
replay holds the stored log as it was when it opened: events stored later,
and my pending ones (not in the log yet), are not in it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.widgets import Static

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.describe import describe
from warroom.core.replay import Replay
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.messages import ReplayLoaded, RoomLoadFailed
from warroom.tui.safe import safe_line
from warroom.tui.screens.room import RoomBase
from warroom.tui.screens.wall import ReadOnlyHint, _write_keys_read_only
from warroom.tui.widgets.scrubber import ReplayScrubber
from warroom.tui.widgets.timeline import kind_look

READ_ONLY_HINT = "replay is read-only: Esc goes back to the live room, where you can write"
BANNER_TEXT = 200  # characters of the event's text shown in the banner at most


class ReplayClock:
    """The replay's "now": when the room learnt the event shown (the header's
    clocks stand still there)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class ReplayScreen(RoomBase):
    """One incident, event by event, read-only."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = keys.REPLAY_KEYS + keys.ROOM_VIEW_PALETTE
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(ACTIONS),
        *_write_keys_read_only(),
    ]

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        actor: str,
        incident_id: str,
        at: int | None = None,
    ) -> None:
        """`at`: the position (0-based, seq order) to start at; None: the newest event."""
        self.moment = ReplayClock(clock.now())
        super().__init__(store, catalog, self.moment, actor, incident_id)
        self.add_class("-replay")
        self.start_at = at
        self.replay: Replay | None = None
        self.index = -1

    def compose(self) -> ComposeResult:
        yield Static(Content(" REPLAY "), id="replay-banner", markup=False)
        yield from super().compose()

    def compose_bottom(self) -> ComposeResult:
        yield ReplayScrubber(id="scrubber")

    @property
    def scrubber(self) -> ReplayScrubber:
        return self.query_one("#scrubber", ReplayScrubber)

    @cached_property
    def read_only_hint(self) -> ReadOnlyHint:
        return ReadOnlyHint(READ_ONLY_HINT)

    def action_read_only(self) -> None:
        self.read_only_hint.show(self)

    # -- loading -----------------------------------------------------------------

    def load(self) -> None:
        self._read_events(self.start_at)

    @work(thread=True, exit_on_error=False, group="load")
    def _read_events(self, at: int | None) -> None:
        try:
            events = self.store.events(self.incident_id)
            number = self.store.incident(self.incident_id).number
            replay = Replay(events, self.catalog, number)
            index = replay.last if at is None else replay.clamp(at)
            replay.state_at(index)  # the long fold, here rather than on the UI loop
        except Exception as error:
            self.post_message(RoomLoadFailed(error))
            return
        self.post_message(ReplayLoaded(replay, index))

    @on(ReplayLoaded)
    def _replay_loaded(self, message: ReplayLoaded) -> None:
        self.replay = message.replay
        self.show_at(message.index)
        self.loaded = True

    # -- stepping ----------------------------------------------------------------

    def show_at(self, index: int) -> None:
        """Show the incident as it stood after the event at `index` (seq order)."""
        replay = self.replay
        if replay is None:
            return
        index = replay.clamp(index)
        previous, self.index = self.index, index
        event = replay.events[index]
        self.incident = state = replay.state_at(index)
        self.moment.at = event.recorded_at or event.occurred_at
        timeline = self.timeline
        if previous >= 0 and index == previous + 1:
            timeline.follow = True
            timeline.extend([event], state.concurrent)
        elif index != previous:
            timeline.load(replay.events[: index + 1], state.concurrent)
        timeline.reveal(event)
        self._show_state()
        self.scrubber.show(replay, index)
        self._show_banner(index)

    def _show_banner(self, index: int) -> None:
        assert self.replay is not None
        event = self.replay.events[index]
        look = kind_look(event.kind)
        self.query_one("#replay-banner", Static).update(
            Content.assemble(
                (" REPLAY ", "bold reverse"),
                "  after ",
                (f"{look.icon} {look.label}", "bold"),
                " by ",
                safe_line(event.actor, 40),
                ": ",
                safe_line(describe(event), BANNER_TEXT),
            )
        )

    def action_step(self, delta: int) -> None:
        if self.replay is not None:
            self.show_at(self.index + delta)

    def action_landmark(self, direction: int) -> None:
        replay = self.replay
        if replay is None:
            return
        if direction > 0:
            self.show_at(replay.next_landmark(self.index))
        else:
            self.show_at(replay.previous_landmark(self.index))

    def action_first(self) -> None:
        self.show_at(0)

    def action_last(self) -> None:
        if self.replay is not None:
            self.show_at(self.replay.last)

    def action_back(self) -> None:
        """Back to the live room; opened directly (`warroom replay REF`): quit."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit(0)
