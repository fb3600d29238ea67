"""The default keys.  Every binding has an `id`, so the config file's `[keys]`
table (binding id = "keys") remaps it through `App.set_keymap`.

    [keys]
    note = "N"            # the war room's note key becomes shift+n
    leave = "q,x"         # several keys, comma-separated

Ids: note finding action decision comms summary status severity roles
milestone link toggle_step add_step followup copy_command postmortem search
next_pane cancel leave (war room); declare open down up toggle_closed
quit_home filter cancel_filter followups metrics (home); quit command_palette
help (everywhere); the timeline's own are `timeline.*`; the follow-ups,
postmortem and metrics screens' are `followups.*`, `postmortem.*`, `metrics.*`.

Write keys are declared once: writer screens bind them to their actions;
read-only (wall) screens bind the same ids and keys to a hint that says the
screen is read-only, and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    key: str
    action: str
    description: str
    show: bool = False
    priority: bool = False  # runs as it arrives: see tui/typeahead.py


def _priority(*keys: Key) -> tuple[Key, ...]:
    """Keys that open something to type into, or close it (tui/typeahead.py)."""
    return tuple(replace(key, priority=True) for key in keys)


ROOM_WRITE_KEYS: tuple[Key, ...] = _priority(
    Key("note", "n", "entry('note')", "Note", True),
    Key("finding", "f", "entry('finding')", "Finding", True),
    Key("action", "a", "entry('action')", "Action", True),
    Key("decision", "D", "entry('decision')", "Decision", True),
    Key("comms", "u", "comms", "Comms", True),  # a stakeholder update
    Key("summary", "e", "summary", "Summary"),
    Key("status", "s", "status", "Status", True),
    Key("severity", "v", "severity", "Severity"),
    Key("roles", "r", "roles", "Roles"),
    Key("milestone", "m", "milestone", "Milestone"),
    Key("link", "l", "link", "Link"),
    Key("toggle_step", "space", "toggle_step", "Check step"),
    Key("add_step", "plus", "add_step", "Add step"),  # found during the incident
    Key("followup", "o", "followup", "Follow-up"),  # an action item: owner, due date
)

HOME_WRITE_KEYS: tuple[Key, ...] = _priority(Key("declare", "d", "declare", "Declare", True))

ROOM_KEYS: tuple[Key, ...] = (
    Key("next_pane", "tab", "next_pane", "Pane"),
    *_priority(Key("cancel", "escape", "cancel", "Cancel")),
    Key("leave", "q", "leave", "Leave", True),
)

ROOM_READER_KEYS: tuple[Key, ...] = _priority(Key("search", "slash", "search", "Search"))

# The writer's room only (they read, or write a file, not the store).
ROOM_REVIEW_KEYS: tuple[Key, ...] = (
    Key("copy_command", "y", "copy_command", "Copy command"),  # the highlighted step's
    Key("postmortem", "p", "postmortem", "Postmortem"),
)

HOME_KEYS: tuple[Key, ...] = (
    Key("open", "enter", "open", "Open", True),
    Key("down", "j", "down", "Down"),
    Key("up", "k", "up", "Up"),
    Key("toggle_closed", "c", "toggle_closed", "Closed", True),
    Key("quit_home", "q", "app.quit", "Quit"),
    *_priority(Key("cancel_filter", "escape", "cancel_filter", "Cancel")),
)

HOME_READER_KEYS: tuple[Key, ...] = _priority(Key("filter", "slash", "filter", "Filter", True))

HOME_REVIEW_KEYS: tuple[Key, ...] = (
    Key("followups", "f", "followups", "Follow-ups", True),
    Key("metrics", "m", "metrics", "Metrics", True),
)

FOLLOWUPS_KEYS: tuple[Key, ...] = (
    Key("followups.open", "enter", "open", "Open incident", True),
    Key("followups.done", "d", "done", "Done", True),
    Key("followups.verify", "v", "verify", "Verified", True),
    Key("followups.filter", "f", "cycle_filter", "Filter", True),
    Key("followups.back", "q,escape", "back", "Back", True),
)

POSTMORTEM_KEYS: tuple[Key, ...] = (
    Key("postmortem.write", "w", "write", "Write file", True),
    Key("postmortem.refresh", "r", "refresh", "Redraft", True),
    Key("postmortem.back", "q,escape", "back", "Back", True),
)

METRICS_KEYS: tuple[Key, ...] = (
    Key("metrics.refresh", "r", "refresh", "Recompute", True),
    Key("metrics.back", "q,escape", "back", "Back", True),
)

APP_KEYS: tuple[Binding, ...] = (
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit"),
    Binding(
        "ctrl+p", "command_palette", "Palette", show=False, priority=True, id="command_palette"
    ),
    Binding("question_mark", "keys", "Keys", id="help"),
)

READ_ONLY_ACTION = "read_only"


def bindings(keys: tuple[Key, ...]) -> list[Binding]:
    return [
        Binding(k.key, k.action, k.description, show=k.show, id=k.id, priority=k.priority)
        for k in keys
    ]


def read_only_bindings(keys: tuple[Key, ...]) -> list[Binding]:
    """The write keys, each bound to the read-only hint instead of writing."""
    return [Binding(k.key, READ_ONLY_ACTION, k.description, show=False, id=k.id) for k in keys]


def default_write_keys() -> list[str]:
    """Every default key that writes somewhere (for tests and the wall's hint)."""
    return [k.key for k in (*HOME_WRITE_KEYS, *ROOM_WRITE_KEYS)]
