"""The update rhythm: who is reminded when a stakeholder update is overdue (pure).

An open incident owes an update every `update_every_minutes` of its severity
(`Incident.next_update_due`).  Once that time has passed, the comms lead (or
the lead when nobody holds comms) is reminded once per overdue interval: when
it falls due, again one cadence later if there is still no update, and so on.
Each reminder has a `key` made from its cause (the incident, the update it
follows, the cadence, the interval), so a sender that sends each key once never reminds
twice for one interval, even across restarts or two senders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.core.catalog import Catalog
from warroom.core.incident import Incident
from warroom.core.times import format_time

REMINDED_ROLES = ("comms", "lead")  # the first role held is the one reminded


@dataclass(frozen=True, slots=True)
class UpdateReminder:
    incident_id: str
    person: str | None  # None: nobody holds comms or lead (the route still hears of it)
    role: str | None
    interval: int  # 1: the first cadence overdue, 2: the next one...
    due_at: datetime  # when this interval began
    key: str  # the same cause, the same key: sent once

    def overdue_by(self, now: datetime) -> timedelta:
        return now - self.due_at


def update_reminder(incident: Incident, catalog: Catalog, now: datetime) -> UpdateReminder | None:
    """The reminder due at `now` for `incident`, if its update is overdue."""
    due = incident.next_update_due(catalog)
    if due is None or now < due:
        return None
    cadence = timedelta(minutes=catalog.severities[incident.severity].update_every_minutes)
    interval = (now - due) // cadence + 1
    began = due + (interval - 1) * cadence
    role, person = next(
        ((role, incident.roles[role][0]) for role in REMINDED_ROLES if incident.roles.get(role)),
        (None, None),
    )
    since = incident.last_update_at or incident.declared_at
    assert since is not None  # next_update_due needs one
    minutes = f"{cadence.total_seconds() / 60:g}m"  # a new severity's cadence: new keys
    key = f"update_overdue:{incident.id}:{format_time(since)}:{minutes}:{interval}"
    return UpdateReminder(incident.id, person, role, interval, began, key)
