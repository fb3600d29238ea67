"""Helpers for the TUI tests: a fixed realistic incident; the Pilot steps
every test repeats (wait until a condition, until a screen or a room is ready,
run a command from the palette); screen text."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from textual.app import App
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen

from warroom.core.clock import FixedClock
from warroom.core.incident import Incident
from warroom.core.runbook import parse_runbook
from warroom.services.incidents import declare, write
from warroom.store.base import Store
from warroom.tui.app import WarroomApp
from warroom.tui.run import app_for_store
from warroom.tui.screens.room import RoomBase, RoomScreen

S = TypeVar("S", bound=Screen[Any])
R = TypeVar("R", bound=RoomBase)

NOW = datetime(2026, 11, 26, 3, 40, tzinfo=UTC)

RUNBOOK = """# Checkout degradation

## Triage
- [ ] Check the error rate on the checkout dashboard
- [ ] Compare with the last deploy `deployctl history checkout`

## Mitigate
- [ ] Roll back the last deploy `deployctl rollback checkout`
- [ ] Drain the unhealthy region
"""


def _check(step: dict[str, Any]) -> dict[str, Any]:
    """A check-off as the TUI writes it: the step's id and its text."""
    return {"step": step["id"], "text": step["text"]}


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 26, hour, minute, tzinfo=UTC)


def realistic_incident(store: Store, clock: FixedClock) -> Incident:
    """INC-1, SEV2, as it stands at 03:40 UTC: the fixture of the snapshot tests.

    The clock moves with each event, so nothing is back-dated but the one
    event meant to be.  Also declares INC-2 (SEV3, update overdue) and INC-3
    (resolved), for the list.
    """
    clock.set(at(3, 2))
    incident = declare(
        store,
        "alice",
        clock,
        "Checkout errors for EU users",
        severity=2,
        service="checkout",
        lead="alice",
        started_at=at(2, 55),
    )
    iid = incident.id

    def log(minute: int, kind: str, actor: str, data: dict[str, Any], back: datetime | None = None):
        clock.set(at(3, minute))
        write(store, iid, kind, actor, data, clock, at=back)

    log(4, "participant_joined", "bob", {"person": "bob"})
    log(4, "role_assigned", "alice", {"role": "responder", "person": "bob"})
    log(5, "link_added", "alice", {"url": "https://meet.example.com/inc-1", "label": "bridge"})
    log(5, "link_added", "alice", {"url": "#inc-1-checkout", "label": "channel"})
    log(6, "note", "bob", {"text": "5xx on /api/checkout since about 02:55, EU only"})
    log(9, "milestone", "bob", {"name": "detected"}, back=at(3, 0))
    log(10, "finding", "bob", {"text": "deploy 4812 went out to eu-west at 02:53"})
    log(
        12,
        "summary_set",
        "alice",
        {"text": "EU checkout failing ~30%; suspect deploy 4812; rolling back"},
    )
    runbook = parse_runbook(RUNBOOK, "Checkout degradation")
    log(13, "runbook_attached", "alice", runbook.event_data())
    log(14, "step_checked", "bob", _check(runbook.steps[0]))
    log(15, "decision", "alice", {"text": "roll back 4812 in eu-west"})
    log(16, "role_assigned", "alice", {"role": "comms", "person": "carol"})
    log(18, "status_changed", "alice", {"to": "identified", "reason": "bad deploy"})
    log(22, "action", "bob", {"text": "rollback of 4812 started in eu-west"})
    log(23, "step_checked", "bob", _check(runbook.steps[2]))
    log(
        30,
        "comms_update",
        "carol",
        {"text": "EU checkout degraded; rollback under way", "audience": "customers"},
    )
    log(31, "participant_joined", "dave", {"person": "dave"})

    clock.set(at(2, 0))
    other = declare(
        store, "erin", clock, "Slow search results", severity=3, service="search", lead="erin"
    )
    clock.set(at(1, 0))
    done = declare(store, "frank", clock, "Login emails delayed", severity=4, lead="frank")
    clock.set(at(1, 30))
    write(store, done.id, "status_changed", "frank", {"to": "resolved"}, clock)
    clock.set(NOW)
    assert other.number == 2
    return store.incident(iid)


def tui_app(
    store: Store, clock: FixedClock, incident_id: str | None = None, **options: Any
) -> WarroomApp:
    """The app `warroom tui [REF]` runs (`warroom watch` with read_only=True),
    as me, on `store` and `clock`: a room's state is read before it starts."""
    return app_for_store(store, user="me", clock=clock, incident_id=incident_id, **options)


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 5.0, what: str = ""
) -> None:
    """Let the app run until `predicate()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.005)
    await pilot.pause()


async def wait_for_screen(pilot: Pilot[Any], kind: type[S], timeout: float = 5.0) -> S:
    """Let the app run until its screen is a `kind` that has loaded what it
    shows (its `loaded` flag, for the screens that read the store); return it."""

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, kind) and getattr(screen, "loaded", True)

    await wait_until(pilot, ready, timeout, what=f"the {getattr(kind, '__name__', kind)}")
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


async def wait_for_room(
    pilot: Pilot[Any],
    kind: type[R] = RoomScreen,  # type: ignore[assignment]
    *,
    title: str | None = None,
    joined: bool = True,
    timeout: float = 5.0,
) -> R:
    """Let the app run until a `kind` war room is the screen with its events
    loaded (given `title`, the room of that incident, its title shown) and,
    `joined` and a room that writes, until the join it writes as its user has
    come back live, so that nothing it writes by itself is still to come."""

    def ready() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, kind)
            and screen.loaded
            and (title is None or (screen.incident is not None and screen.incident.title == title))
        )

    await wait_until(
        pilot, ready, timeout, what=f"the {kind.__name__} of {title or 'the incident'}"
    )
    room = pilot.app.screen
    assert isinstance(room, kind)
    if title is not None:
        await wait_until(pilot, lambda: title in screen_text(pilot.app), what=f"{title!r} shown")
    if joined and not room.read_only:
        await wait_until(
            pilot,
            lambda: room.incident is not None and room.actor in room.incident.participants,
            timeout,
            what=f"{room.actor} joined",
        )
    return room


async def wait_for_writes(pilot: Pilot[Any]) -> None:
    """The sync point before checking that nothing was written: let the app
    handle what is queued (the keys pressed, the messages they posted), then
    wait until every store write it started (its `write` workers) has finished."""
    await pilot.pause()
    writes = [worker for worker in pilot.app.workers if worker.group == "write"]
    if writes:  # (none: wait_for_complete would wait for every worker, the live feed's too)
        await pilot.app.workers.wait_for_complete(writes)
    await pilot.pause()


def _searching(palette: CommandPalette) -> bool:
    return any(
        worker.node is palette
        and worker.group == CommandPalette._GATHER_COMMANDS_GROUP
        and not worker.is_finished
        for worker in palette.workers
    )


async def wait_for_hits(pilot: Pilot[Any], query: str = "") -> CommandPalette:
    """Let the command palette (the screen) run until `query` is typed in it
    and its search for it has finished: the hits shown are all of them."""
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    typed = palette.query_one(CommandInput)
    await wait_until(
        pilot,
        lambda: typed.value == query and not _searching(palette),
        what=f"the palette's hits for {query!r}",
    )
    return palette


async def run_command(pilot: Pilot[Any], query: str, hit: str | None = None) -> None:
    """Ctrl+P, type `query`, and once the palette's search for it has finished
    (and, given `hit`, the highlighted command is the one reading `hit`) run the
    highlighted command with Enter."""
    await pilot.press("ctrl+p")
    await wait_for_screen(pilot, CommandPalette)
    await pilot.press(*query)
    commands = (await wait_for_hits(pilot, query)).query_one(CommandList)

    def highlighted() -> bool:
        if commands.highlighted is None:
            return False
        shown = commands.get_option_at_index(commands.highlighted).prompt
        return hit is None or hit in str(shown)

    await wait_until(pilot, highlighted, what=f"{hit or 'a command'} highlighted for {query!r}")
    await pilot.press("enter")


def screen_text(app: App[Any]) -> str:
    """What the terminal shows now, as text (every layer composed)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def segment_style(app: App[Any], needle: str) -> Any:
    """The rich Style of the first on-screen segment containing `needle`."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if needle in segment.text and segment.style is not None:
                return segment.style
    raise AssertionError(f"{needle!r} is not on screen")


def contrast(style: Any) -> float:
    """WCAG contrast ratio of a style's text colour on its background (1 to 21)."""

    def luminance(color: Any) -> float:
        red, green, blue = (
            channel / 255
            for channel in color.get_truecolor()  # a rich Color
        )

        def linear(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)

    assert style.color is not None and style.bgcolor is not None, style
    first, second = sorted((luminance(style.color), luminance(style.bgcolor)), reverse=True)
    return (first + 0.05) / (second + 0.05)


async def open_metrics(pilot: Pilot[Any], app: App[Any]) -> Any:
    """From the incident list, `m`: the metrics screen once its plots are drawn."""
    from warroom.tui.screens.home import HomeScreen
    from warroom.tui.screens.metrics import MetricsScreen

    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
    await pilot.press("m")
    await wait_until(
        pilot, lambda: isinstance(app.screen, MetricsScreen) and bool(app.screen.plotted_with)
    )
    await pilot.pause(0.1)
    return app.screen
