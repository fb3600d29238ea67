"""Paging: a page sent to someone by the service's escalation policy, its
acknowledgement, the policy running out, and the line saying nobody was paged.

Written by the sender's escalation runner (actor `escalation`), except the
acknowledgement, which a person makes (`warroom ack`, the room's ack key, the
signed link in a page).  The ids of the runner's events are made from their
cause (`warroom.core.oncall.escalation`), so two senders never write one twice.

The fold keeps `Incident.paged_at` (the first page), `acked_by`/`acked_at` and
`exhausted_at`.  Once an incident is paged, joining it no longer sets the
`acknowledged` milestone (people look at rooms without taking them): only an
acknowledgement does; a milestone a join set before the first page is undone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.errors import Refused
from warroom.core.kinds.base import KindData, KindSpec, accept

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import Count, Name, OptionalText, StrictBool

ACKNOWLEDGED = "acknowledged"  # the milestone an acknowledgement sets
ACK_WAYS = ("cli", "tui", "link", "api")  # how a page was acknowledged


class PageSent(KindData):
    person: Name | None = None  # None: the schedule had nobody on call
    target: Name  # the level's target: the page's route ("schedule:NAME", "person:NAME")
    policy: Name
    level: Count  # 1 .. the policy's levels
    round: Count  # 1 .. the policy's repeat
    step: Count  # 0, 1, ... across the rounds
    reachable: StrictBool  # a known person with an address
    cause: OptionalText = ""  # why now: declared, the previous level's wait ran out...


class PageAcknowledged(KindData):
    person: Name
    via: Name = "cli"


class EscalationExhausted(KindData):
    policy: Name
    pages: Count


class NobodyPaged(KindData):
    service: Name | None = None


def _fold_page(state: Incident, event: Event, catalog: Catalog) -> None:
    if state.paged_at is None:
        state.paged_at = event.occurred_at
        if state.acked_by is None and ACKNOWLEDGED not in state.explicit_milestones:
            state.milestones.pop(ACKNOWLEDGED, None)  # a join's, before the first page


def _check_ack(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if state.acked_by is not None:
        raise Refused(f"{state.ref} is already acknowledged by {state.acked_by}")
    if data["via"] not in ACK_WAYS:
        raise Refused(f"via must be one of {', '.join(ACK_WAYS)}")


def _fold_ack(state: Incident, event: Event, catalog: Catalog) -> None:
    if state.acked_by is not None:
        return
    state.acked_by = event.data["person"]
    state.acked_at = event.occurred_at
    if ACKNOWLEDGED not in state.explicit_milestones:
        state.milestones[ACKNOWLEDGED] = min(
            state.milestones.get(ACKNOWLEDGED, event.occurred_at), event.occurred_at
        )
        state.explicit_milestones.append(ACKNOWLEDGED)


def _fold_exhausted(state: Incident, event: Event, catalog: Catalog) -> None:
    state.exhausted_at = state.exhausted_at or event.occurred_at


def _fold_nobody(state: Incident, event: Event, catalog: Catalog) -> None:
    state.nobody_paged = True


def _describe_page(d: dict[str, Any]) -> str:
    where = f"level {d['level']}" + (f", round {d['round']}" if d["round"] > 1 else "")
    where += f", {d['target']}"
    if d.get("person") is None:
        line = f"nobody on call to page ({where})"
    elif not d["reachable"]:
        line = f"cannot page {d['person']}: no address ({where})"
    else:
        line = f"paged {d['person']} ({where})"
    return f"{line}: {d['cause']}" if d.get("cause") else line


def _describe_exhausted(d: dict[str, Any]) -> str:
    pages = "page" if d["pages"] == 1 else "pages"
    return f"escalation exhausted: {d['pages']} {pages} of {d['policy']}, nobody acknowledged"


def nobody_paged(service: str | None) -> str:
    """The timeline's line when a service has no escalation policy."""
    return f"nobody paged: no escalation policy for {service or 'an incident without a service'}"


SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        name="page_sent",
        model=PageSent,
        label="paged",
        description="someone is paged by the service's escalation policy (who, level, route)",
        category="page",
        check=accept,
        fold=_fold_page,
        describe=_describe_page,
    ),
    KindSpec(
        name="page_acknowledged",
        model=PageAcknowledged,
        label="ack",
        description="a person acknowledges the page: escalation stops",
        category="page",
        check=_check_ack,
        fold=_fold_ack,
        describe=lambda d: f"{d['person']} acknowledged the page (via {d.get('via', 'cli')})",
    ),
    KindSpec(
        name="escalation_exhausted",
        model=EscalationExhausted,
        label="exhausted",
        description="every level of the escalation policy was paged and nobody acknowledged",
        category="page",
        check=accept,
        fold=_fold_exhausted,
        describe=_describe_exhausted,
    ),
    KindSpec(
        name="nobody_paged",
        model=NobodyPaged,
        label="paged",
        description="nobody was paged: the incident's service has no escalation policy",
        category="page",
        check=accept,
        fold=_fold_nobody,
        describe=lambda d: nobody_paged(d.get("service")),
    ),
)
