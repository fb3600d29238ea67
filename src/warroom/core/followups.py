"""Follow-ups across incidents: their ids, due dates, the list and its filters.

A follow-up is an action item from the review (the guide's "Implement Action
Items"): an owner, a due date, and three states, open -> done -> verified (the
fix was checked to work).  Each change is an event on its incident
(`followup_added`, `followup_done`, `followup_verified`); `fold` keeps them
in `Incident.followups`.  Follow-ups may be recorded on resolved, closed and
cancelled incidents too: they are written after the review.

Ids are made by the client (8 lowercase hex characters), since incident
numbers are assigned by the store; people may type any unique prefix of at
least `MIN_PREFIX` characters, or `INC-7:PREFIX` to look only in INC-7.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from warroom.core.errors import NotFound, UsageError
from warroom.core.incident import Followup, Incident
from warroom.core.text import clean_line

MIN_PREFIX = 4
_RELATIVE_DUE = re.compile(r"^\+?(\d{1,4})\s*([dw])$")
DUE_HELP = "use a date like 2026-12-15, or +7d / +2w from today"


def new_followup_id() -> str:
    """A fresh follow-up id: 8 lowercase hex characters."""
    return secrets.token_hex(4)


def parse_due(text: str, today: date) -> date:
    """A due date as typed: `2026-12-15`, or `+7d` / `+2w` counted from `today`."""
    raw = text.strip().lower()
    relative = _RELATIVE_DUE.match(raw)
    if relative:
        amount, unit = int(relative[1]), relative[2]
        return today + timedelta(days=amount * (7 if unit == "w" else 1))
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"cannot read the due date {text!r}; {DUE_HELP}") from None


@dataclass(frozen=True, slots=True)
class Entry:
    """One follow-up with the incident it belongs to."""

    incident: Incident
    followup: Followup

    def overdue(self, today: date) -> bool:
        return self.followup.overdue(today)

    def to_public(self, today: date) -> dict[str, Any]:
        """The `followups --json` object."""
        return {
            **self.followup.to_public(),
            "overdue": self.overdue(today),
            "ref": self.incident.ref,
            "incident_id": self.incident.id,
            "incident_title": self.incident.title,
        }


def entries(incidents: Iterable[Incident]) -> list[Entry]:
    """Every follow-up of these incidents: by due date, then incident, then when added."""
    found = [
        Entry(incident, followup)
        for incident in incidents
        for followup in incident.followups.values()
    ]
    return sorted(
        found,
        key=lambda entry: (
            entry.followup.due,
            entry.incident.number or 0,
            entry.followup.added_at.isoformat() if entry.followup.added_at else "",
        ),
    )


def select(
    found: Iterable[Entry],
    today: date,
    open_only: bool = False,
    overdue_only: bool = False,
    owner: str | None = None,
) -> list[Entry]:
    """The `followups` filters: open ones, overdue ones (open and due before
    `today`), one owner's (compared without case)."""
    wanted = owner.strip().casefold() if owner else None
    return [
        entry
        for entry in found
        if (not open_only or entry.followup.state == "open")
        and (not overdue_only or entry.overdue(today))
        and (wanted is None or entry.followup.owner.casefold() == wanted)
    ]


def find(incidents: Iterable[Incident], typed: str) -> Entry:
    """The follow-up an id, a unique prefix of one, or `INC-7:PREFIX` names.

    `incidents` should already be narrowed to INC-7 when the reference was given.
    Raises NotFound (none, or several) or UsageError (too short to be safe).
    """
    prefix = typed.strip().lower()
    if not re.fullmatch(r"[a-z0-9]+", prefix or "-"):
        raise UsageError(f"{typed!r} is not a follow-up id (letters and digits, e.g. 3fa9c2d1)")
    if len(prefix) < MIN_PREFIX:
        raise UsageError(f"give at least {MIN_PREFIX} characters of the follow-up id")
    matches = [entry for entry in entries(incidents) if entry.followup.id.startswith(prefix)]
    exact = [entry for entry in matches if entry.followup.id == prefix]
    if len(exact) == 1:
        return exact[0]
    if not matches:
        raise NotFound(f"no follow-up {prefix}; `warroom followups` lists them")
    if len(matches) > 1:
        where = ", ".join(f"{entry.incident.ref}:{entry.followup.id}" for entry in matches[:5])
        raise NotFound(
            f"{prefix} matches {len(matches)} follow-ups ({where}); "
            "give more characters, or INC-n:ID"
        )
    return matches[0]


def entry_line(entry: Entry, today: date) -> str:
    """One follow-up as a line of terminal-safe text."""
    followup = entry.followup
    mark = "OVERDUE" if entry.overdue(today) else ""
    return (
        f"{followup.id:<8}  {entry.incident.ref:<8} {followup.state:<8}  "
        f"due {followup.due.isoformat()} {mark:<7}  {clean_line(followup.owner):<14}  "
        f"{clean_line(followup.text)}"
    ).rstrip()


def entries_text(found: Iterable[Entry], today: date) -> str:
    return "\n".join(entry_line(entry, today) for entry in found)
