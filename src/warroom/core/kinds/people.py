"""Who is in the incident: roles assigned and released, people joining and leaving."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.errors import Refused
from warroom.core.kinds.base import KindData, KindSpec, record_change

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import Name, StrictBool


class RoleChange(KindData):
    role: Name
    person: Name


class ParticipantChange(KindData):
    person: Name


class ParticipantJoin(ParticipantChange):
    # True: joined by opening the war room (the TUI does it), not by a choice
    opened: StrictBool | None = None


def _join(state: Incident, person: str, event: Event) -> None:
    if person not in state.participants:
        state.participants[person] = event.occurred_at
    # Once paged, only an acknowledgement sets it (`paging`): people look without taking.
    if state.paged_at is not None:
        return
    if person != state.declared_by and "acknowledged" not in state.milestones:
        state.milestones["acknowledged"] = event.occurred_at


def _holders(state: Incident, data: dict[str, Any], catalog: Catalog) -> list[str]:
    role = data["role"]
    if role not in catalog.roles:
        raise Refused(f"unknown role {role!r}; roles: {', '.join(catalog.roles)}")
    return state.roles.get(role, [])


def _check_assign(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["person"] in _holders(state, data, catalog):
        raise Refused(f"{data['person']} already holds {data['role']}")


def _fold_assign(state: Incident, event: Event, catalog: Catalog) -> None:
    role, person = event.data["role"], event.data["person"]
    definition = catalog.roles.get(role)
    if definition is not None and definition.single:
        record_change(state, event, f"role:{role}")
        state.roles[role] = [person]
    else:
        holders = state.roles.setdefault(role, [])
        if person not in holders:
            holders.append(person)
    _join(state, person, event)


def _check_release(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["person"] not in _holders(state, data, catalog):
        raise Refused(f"{data['person']} does not hold {data['role']}")


def _fold_release(state: Incident, event: Event, catalog: Catalog) -> None:
    role, person = event.data["role"], event.data["person"]
    holders = state.roles.get(role, [])
    if person in holders:
        holders.remove(person)


def _check_join(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["person"] in state.participants:
        raise Refused(f"{data['person']} is already in {state.ref}")


def _fold_join(state: Incident, event: Event, catalog: Catalog) -> None:
    _join(state, event.data["person"], event)


def _check_leave(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["person"] not in state.participants:
        raise Refused(f"{data['person']} is not in {state.ref}")


def _fold_leave(state: Incident, event: Event, catalog: Catalog) -> None:
    state.participants.pop(event.data["person"], None)


SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        name="role_assigned",
        model=RoleChange,
        label="role",
        description="a person takes a role (lead, comms, scribe...)",
        category="role",
        check=_check_assign,
        fold=_fold_assign,
        describe=lambda d: f"{d['person']} assigned {d['role']}",
    ),
    KindSpec(
        name="role_released",
        model=RoleChange,
        label="role",
        description="a person hands a role back",
        category="role",
        check=_check_release,
        fold=_fold_release,
        describe=lambda d: f"{d['person']} released {d['role']}",
    ),
    KindSpec(
        name="participant_joined",
        model=ParticipantJoin,
        label="joined",
        description="a person joins the incident",
        category="role",
        check=_check_join,
        fold=_fold_join,
        describe=lambda d: f"{d['person']} joined",
    ),
    KindSpec(
        name="participant_left",
        model=ParticipantChange,
        label="left",
        description="a person leaves the incident",
        category="role",
        check=_check_leave,
        fold=_fold_leave,
        describe=lambda d: f"{d['person']} left",
    ),
)
