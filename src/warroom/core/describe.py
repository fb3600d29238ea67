"""One line of text for each event: the timeline, CSV and reports share it."""

from __future__ import annotations

from collections.abc import Callable

from warroom.core.events import Event

KIND_LABELS = {
    "declared": "declared",
    "title_changed": "title",
    "service_changed": "service",
    "summary_set": "summary",
    "severity_changed": "severity",
    "status_changed": "status",
    "role_assigned": "role",
    "role_released": "role",
    "participant_joined": "joined",
    "participant_left": "left",
    "note": "note",
    "finding": "finding",
    "action": "action",
    "decision": "decision",
    "comms_update": "update",
    "milestone": "milestone",
    "link_added": "link",
    "runbook_attached": "runbook",
    "step_checked": "step",
    "step_unchecked": "step",
    "step_added": "step",
    "followup_added": "followup",
    "followup_done": "followup",
    "followup_verified": "followup",
}


def _with_note(text: str, note: str | None) -> str:
    return f"{text}: {note}" if note else text


def _followup_change(d: dict, verb: str) -> str:
    text = f"follow-up {d['id']} {verb}" + (f" ({d['text']})" if d.get("text") else "")
    return _with_note(text, d.get("note"))


_DESCRIBE: dict[str, Callable[[dict], str]] = {
    "declared": lambda d: (
        f"declared SEV{d['severity']} {d['title']}"
        + (f" (service {d['service']})" if d.get("service") else "")
        + (" [drill]" if d.get("drill") else "")
        + (f"; lead {d['lead']}" if d.get("lead") else "")
    ),
    "title_changed": lambda d: f"title set to {d['title']}",
    "service_changed": lambda d: f"service set to {d.get('service') or '(none)'}",
    "summary_set": lambda d: f"summary: {d['text']}" if d["text"] else "summary cleared",
    "severity_changed": lambda d: _with_note(f"severity set to SEV{d['severity']}", d.get("note")),
    "status_changed": lambda d: _with_note(
        f"status set to {d['to']}"
        + (f" (duplicate of {d['duplicate_of']})" if d.get("duplicate_of") else ""),
        d.get("reason"),
    ),
    "role_assigned": lambda d: f"{d['person']} assigned {d['role']}",
    "role_released": lambda d: f"{d['person']} released {d['role']}",
    "participant_joined": lambda d: f"{d['person']} joined",
    "participant_left": lambda d: f"{d['person']} left",
    "note": lambda d: d["text"],
    "finding": lambda d: d["text"],
    "action": lambda d: d["text"],
    "decision": lambda d: d["text"],
    "comms_update": lambda d: f"[{d.get('audience', 'internal')}] {d['text']}",
    "milestone": lambda d: f"milestone {d['name']}",
    "link_added": lambda d: f"{d.get('label') or 'link'}: {d['url']}",
    "runbook_attached": lambda d: f"runbook {d['name']} attached ({len(d['steps'])} steps)",
    "step_checked": lambda d: f"checked: {d.get('text') or d['step']}",
    "step_unchecked": lambda d: f"unchecked: {d.get('text') or d['step']}",
    "step_added": lambda d: f"added step: {d['step']['text']}",
    "followup_added": lambda d: (
        f"follow-up {d['id']} added: {d['text']} (owner {d['owner']}, due {d['due']})"
    ),
    "followup_done": lambda d: _followup_change(d, "done"),
    "followup_verified": lambda d: _followup_change(d, "verified"),
}


def describe(event: Event) -> str:
    """The event as one line of (uncleaned) text; unknown kinds show their data."""
    render = _DESCRIBE.get(event.kind)
    if render is None:
        return f"{event.kind} {event.data}"
    try:
        return render(event.data)
    except (KeyError, TypeError):
        return f"{event.kind} {event.data}"
