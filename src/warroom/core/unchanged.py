"""`unchanged(state, kind, data)`: would this write change nothing, and why?

Scripts and alert hooks re-run commands: asking for what is already so (the
same role holder, severity, status, title, service or summary) is answered
"nothing changed" by every face, and writes no event.  Decided here, once,
for the CLI and the TUI.  What is a mistake rather than a repeat (releasing a
role the person does not hold, an unknown role) is left to `validate`, which
also still refuses a repeat that arrives anyway (two people racing).
"""

from __future__ import annotations

from typing import Any

from warroom.core.errors import Refused
from warroom.core.incident import Incident
from warroom.core.kinds import check_data


def unchanged(state: Incident | None, kind: str, data: dict[str, Any]) -> str | None:
    """Why `kind` with `data` would change nothing in `state` (a sentence), or None."""
    if state is None:
        return None
    try:
        data = check_data(kind, data)
    except Refused:
        return None  # a bad write: validate says why
    if kind == "title_changed" and data["title"] == state.title:
        return f"the title of {state.ref} is already {data['title']!r}"
    if kind == "service_changed" and data.get("service") == state.service:
        service = data.get("service")
        return (
            f"the service of {state.ref} is already {service}"
            if service
            else (f"{state.ref} has no service already")
        )
    if kind == "summary_set" and data["text"] == state.summary:
        return (
            f"the summary of {state.ref} is already that"
            if data["text"]
            else (f"{state.ref} has no summary already")
        )
    if kind == "severity_changed" and data["severity"] == state.severity:
        return f"{state.ref} is already SEV{state.severity}"
    if kind == "status_changed" and data["to"] == state.status:
        return f"{state.ref} is already {state.status}"
    if kind == "role_assigned" and data["person"] in state.roles.get(data["role"], []):
        return f"{data['person']} already holds {data['role']}"
    return None
