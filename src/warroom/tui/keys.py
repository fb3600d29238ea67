"""Every action of the TUI, one row each (`Key`): the screens take their
BINDINGS from these rows and the command palette its entries
(tui/commands.py), so an action's label and palette line are written once.

The default keys.  Every binding has an `id`, so the config file's `[keys]`
table (binding id = "keys") remaps it through `App.set_keymap`.

    [keys]
    note = "N"            # the war room's note key becomes shift+n
    leave = "q,x"         # several keys, comma-separated

Ids: note finding action decision comms summary status severity roles
ack milestone link toggle_step add_step followup copy_command postmortem search
next_pane cancel leave room.replay (war room); replay.* (the replay
screen); declare open down up toggle_closed
quit_home filter cancel_filter followups metrics alerts (home); quit command_palette
help (everywhere); the timeline's own are `timeline.*`; the follow-ups,
postmortem and metrics screens' are `followups.*`, `postmortem.*`, `metrics.*`;
the metrics filter form's `metrics_filter.*`; the stakeholder update's
component picker `components.*`; the alert inbox's
`alerts.*`; the drill's briefing and score `drill.close`.

Write keys are declared once: writer screens bind them to their actions;
read-only (wall) screens bind the same ids and keys to a hint that says the
screen is read-only, and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.binding import Binding

from warroom.core.retro import RETRO_SECTIONS


@dataclass(frozen=True, slots=True)
class Key:
    """One action: its binding id, default keys, the action it runs, its
    label (footer, `?` screen) and its line in the command palette (none: not
    offered there).  A row without keys is offered in the palette only."""

    id: str
    key: str
    action: str
    description: str
    show: bool = False
    priority: bool = False  # runs as it arrives: see tui/typeahead.py
    palette: str = ""


def _priority(*keys: Key) -> tuple[Key, ...]:
    """Keys that open something to type into, or close it (tui/typeahead.py)."""
    return tuple(replace(key, priority=True) for key in keys)


ROOM_WRITE_KEYS: tuple[Key, ...] = (
    # First, to be in the bar even at 80 columns; offered only while a page
    # waits for an acknowledgement (RoomScreen.check_action).
    Key("ack", "A", "ack", "Ack page", True, palette="Acknowledge the page (escalation stops)"),
    *_priority(
        Key("note", "n", "entry('note')", "Note", True, palette="Note"),
        Key("finding", "f", "entry('finding')", "Finding", True, palette="Finding"),
        Key("action", "a", "entry('action')", "Action", True, palette="Action taken"),
        Key("decision", "D", "entry('decision')", "Decision", True, palette="Decision"),
        Key("comms", "u", "comms", "Comms", True, palette="Stakeholder update"),
        Key("summary", "e", "summary", "Summary", palette="Edit the pinned summary"),
        Key("status", "s", "status", "Status", True, palette="Change the status"),
        Key("severity", "v", "severity", "Severity", palette="Change the severity"),
        Key("roles", "r", "roles", "Roles", palette="Roles: assign, release, join, leave"),
        Key("milestone", "m", "milestone", "Milestone", palette="Record a milestone"),
        Key("link", "l", "link", "Link", palette="Add a link"),
        Key(
            "toggle_step",
            "space",
            "toggle_step",
            "Check step",
            palette="Runbook: check or uncheck a step",
        ),
        Key(  # a step found during the incident
            "add_step",
            "plus",
            "add_step",
            "Add step",
            palette="Runbook: add a step found during the incident",
        ),
        Key(  # an action item: owner, due date
            "followup",
            "o",
            "followup",
            "Follow-up",
            palette="Add a follow-up (action item: owner, due date)",
        ),
    ),
)

HOME_WRITE_KEYS: tuple[Key, ...] = _priority(
    Key("declare", "d", "declare", "Declare", True, palette="Declare an incident")
)

ROOM_KEYS: tuple[Key, ...] = (
    Key("next_pane", "tab", "next_pane", "Pane"),
    *_priority(Key("cancel", "escape", "cancel", "Cancel")),
    Key("leave", "q", "leave", "Leave", True, palette="Leave the war room"),
)

ROOM_READER_KEYS: tuple[Key, ...] = _priority(
    Key("search", "slash", "search", "Search", palette="Search the timeline")
)

# The writer's room only (they read, or write a file, not the store).
ROOM_REVIEW_KEYS: tuple[Key, ...] = (
    Key(  # the highlighted step's
        "copy_command",
        "y",
        "copy_command",
        "Copy command",
        palette="Runbook: copy the highlighted step's command",
    ),
    Key(
        "postmortem", "p", "postmortem", "Postmortem", palette="Postmortem draft (blameless review)"
    ),
)

# The writer's room, in the palette only.
ROOM_PALETTE: tuple[Key, ...] = (
    Key("room.edit_title", "", "edit_title", "Title", palette="Edit the title"),
    Key("room.edit_service", "", "edit_service", "Service", palette="Edit the service"),
    Key(
        "room.attach_runbook",
        "",
        "attach_runbook",
        "Attach runbook",
        palette="Attach a runbook (from the library, or a Markdown file)",
    ),
    *(
        Key(
            f"room.{key}",
            "",
            f"tagged_note({key!r})",
            heading,
            palette=f"Note for the review: {heading}",
        )
        for key, _, heading, _ in RETRO_SECTIONS
    ),
    Key("room.followups", "", "followups", "Follow-ups", palette="Follow-ups of every incident"),
    Key("room.metrics", "", "metrics", "Metrics", palette="Response metrics"),
)

# Every room (the wall's too), in the palette only.
ROOM_VIEW_PALETTE: tuple[Key, ...] = (
    Key("room.utc", "", "utc", "UTC", palette="Timeline: show times in UTC / local"),
    Key("room.kind_filter", "", "kind_filter", "Filter", palette="Timeline: next kind filter"),
    Key("room.follow", "", "follow", "Follow", palette="Timeline: follow the newest event"),
    Key(
        "room.open_entry",
        "",
        "open_entry",
        "Open entry",
        palette="Timeline: open the selected entry in full",
    ),
)

# Every room (the wall's too): replay, read-only (tui/screens/replay.py).
ROOM_REPLAY_KEYS: tuple[Key, ...] = (
    Key(
        "room.replay",
        "R",
        "replay",
        "Replay",
        palette="Replay: the incident as it stood after each event (read-only)",
    ),
)

# The replay screen: stepping through the events in seq order.  Priority: the
# panes' own arrows and home/end (scrolling) never shadow them.
REPLAY_KEYS: tuple[Key, ...] = (
    Key("replay.back", "escape,q", "back", "Live", True, True, "Replay: back to the live room"),
    Key("replay.previous", "left", "step(-1)", "Prev", True, True, "Replay: one event back"),
    Key("replay.next", "right", "step(1)", "Next", True, True, "Replay: one event on"),
    Key(
        "replay.previous_landmark",
        "left_square_bracket",
        "landmark(-1)",
        "Prev milestone",
        True,
        True,
        "Replay: back to the previous milestone or status change",
    ),
    Key(
        "replay.next_landmark",
        "right_square_bracket",
        "landmark(1)",
        "Next milestone",
        True,
        True,
        "Replay: on to the next milestone or status change",
    ),
    Key("replay.first", "home", "first", "First", False, True, "Replay: the first event"),
    Key("replay.last", "end", "last", "Last", False, True, "Replay: the newest event"),
    Key("replay.next_pane", "tab", "next_pane", "Pane"),
)

HOME_KEYS: tuple[Key, ...] = (
    # priority: the list's own enter (select) would hide it from the key bar
    Key("open", "enter", "open", "Open", True, priority=True),
    Key("down", "j", "down", "Down"),
    Key("up", "k", "up", "Up"),
    Key(
        "toggle_closed",
        "c",
        "toggle_closed",
        "Closed",
        True,
        palette="Show closed incidents too / open only",
    ),
    Key("quit_home", "q", "app.quit", "Quit", True),
    *_priority(Key("cancel_filter", "escape", "cancel_filter", "Cancel")),
)

HOME_READER_KEYS: tuple[Key, ...] = _priority(
    Key("filter", "slash", "filter", "Filter", True, palette="Filter the list")
)

HOME_REVIEW_KEYS: tuple[Key, ...] = (
    Key(
        "followups",
        "f",
        "followups",
        "Follow-ups",
        True,
        palette="Follow-ups of every incident (overdue marked)",
    ),
    Key(
        "metrics",
        "m",
        "metrics",
        "Metrics",
        True,
        palette="Response metrics (MTTD, MTTA, MTTM, MTTR, plots)",
    ),
)

# The home screen's way to the alert inbox (screens/alerts.py).
HOME_ALERT_KEYS: tuple[Key, ...] = (
    Key(
        "alerts",
        "a",
        "alerts",
        "Alerts",
        True,
        palette="Alert inbox: declare, attach or ignore the alerts waiting",
    ),
)

# The alert inbox: the highlighted alert becomes an incident, joins one, or is ignored.
ALERTS_KEYS: tuple[Key, ...] = (
    *_priority(
        Key(
            "alerts.declare",
            "d",
            "declare",
            "Declare",
            True,
            palette="Alerts: declare an incident from the highlighted alert",
        ),
        Key(
            "alerts.attach",
            "a",
            "attach",
            "Attach",
            True,
            palette="Alerts: attach the highlighted alert to an open incident",
        ),
    ),
    Key(
        "alerts.ignore",
        "i",
        "ignore",
        "Ignore",
        True,
        palette="Alerts: ignore the highlighted alert (it leaves the inbox)",
    ),
    Key("alerts.open", "enter", "open", "Open incident", palette="Alerts: open its incident"),
    Key("alerts.down", "j", "down", "Down"),
    Key("alerts.up", "k", "up", "Up"),
    Key(
        "alerts.all",
        "c",
        "toggle_all",
        "All",
        True,
        palette="Alerts: show every alert (routed, ignored, resolved) / the inbox only",
    ),
    Key("alerts.back", "q,escape", "back", "Back", True, palette="Back"),
)

WALL_HOME_KEYS: tuple[Key, ...] = (Key("quit_home", "q", "app.quit", "Quit", True),)

FOLLOWUPS_KEYS: tuple[Key, ...] = (
    Key(
        "followups.open",
        "enter",
        "open",
        "Open incident",
        True,
        palette="Follow-ups: open the highlighted one's incident",
    ),
    Key(
        "followups.done",
        "d",
        "done",
        "Done",
        True,
        palette="Follow-ups: mark the highlighted one done",
    ),
    Key(
        "followups.verify",
        "v",
        "verify",
        "Verified",
        True,
        palette="Follow-ups: mark the highlighted one verified",
    ),
    Key(
        "followups.filter",
        "f",
        "cycle_filter",
        "Filter",
        True,
        palette="Follow-ups: next filter (all, open, overdue, mine)",
    ),
    Key("followups.back", "q,escape", "back", "Back", True, palette="Back"),
)

POSTMORTEM_KEYS: tuple[Key, ...] = (
    Key(
        "postmortem.write",
        "w",
        "write",
        "Write file",
        True,
        palette="Postmortem: write the draft to a file",
    ),
    Key(
        "postmortem.refresh",
        "r",
        "refresh",
        "Redraft",
        True,
        palette="Postmortem: draft it again (newest events)",
    ),
    Key("postmortem.back", "q,escape", "back", "Back", True, palette="Back"),
)

METRICS_KEYS: tuple[Key, ...] = (
    *_priority(
        Key(
            "metrics.filter",
            "f",
            "filter",
            "Filter",
            True,
            palette="Metrics: filter (since, until, service, severity)",
        )
    ),
    Key("metrics.refresh", "r", "refresh", "Recompute", True, palette="Metrics: compute again"),
    Key("metrics.back", "q,escape", "back", "Back", True, palette="Back"),
)

# The metrics screen's filter form (Enter in any field applies).
METRICS_FILTER_KEYS: tuple[Key, ...] = _priority(
    Key("metrics_filter.apply", "enter", "save", "Apply"),
    Key("metrics_filter.cancel", "escape", "close", "Cancel"),
)

# The stakeholder update's component picker (to customers: the status page).
COMPONENT_PICKER_KEYS: tuple[Key, ...] = (
    Key("components.worse", "right,plus", "worse", "Worse", True),
    Key("components.better", "left,minus", "better", "Better", True),
    Key("components.proposed", "p", "proposed", "Proposed", True),
    Key("components.unchanged", "backspace,delete,0", "unchanged", "No change", True),
)

# The drill's briefing and score (`warroom demo`).
DRILL_NOTICE_KEYS: tuple[Key, ...] = (Key("drill.close", "enter,escape,q", "close", "Close", True),)

APP_KEYS: tuple[Binding, ...] = (
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit"),
    Binding(
        "ctrl+p", "command_palette", "Palette", show=False, priority=True, id="command_palette"
    ),
    Binding("question_mark", "keys", "Keys", id="help"),
)

READ_ONLY_ACTION = "read_only"


def bindings(keys: tuple[Key, ...]) -> list[Binding]:
    """The bindings of the rows that have keys (in their order)."""
    return [
        Binding(k.key, k.action, k.description, show=k.show, id=k.id, priority=k.priority)
        for k in keys
        if k.key
    ]


def read_only_bindings(keys: tuple[Key, ...]) -> list[Binding]:
    """The write keys, each bound to the read-only hint instead of writing;
    without a description, so `?` does not list what the screen refuses."""
    return [Binding(k.key, READ_ONLY_ACTION, "", show=False, id=k.id) for k in keys]


def default_write_keys() -> list[str]:
    """Every default key that writes somewhere (for tests and the wall's hint)."""
    return [k.key for k in (*HOME_WRITE_KEYS, *ROOM_WRITE_KEYS)]
