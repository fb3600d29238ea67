"""Declare an incident with its service's runbook attached: one way for every
face (the CLI, the TUI, drills; the server for the declarations it makes
itself, such as alerts).

The face that declares passes its own runbook library (a loader, called only
when there is a runbook to find) and says what happened in its own way: the
CLI on stderr, the TUI in a notification, a drill in its log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Unpack

from warroom.core.clock import Clock
from warroom.core.incident import Incident
from warroom.core.runbook_library import Library
from warroom.services.incidents import Declaration, declare
from warroom.services.runbooks import ServiceMatch, attach_for_service, attach_named
from warroom.store.base import Store

if TYPE_CHECKING:
    from warroom.core.oncall.model import OnCall


@dataclass
class Declared:
    """The incident as declared (with its runbook, if one was attached), and
    what the runbook library had to say about it."""

    incident: Incident
    runbook: ServiceMatch = field(default_factory=ServiceMatch)


def declare_with_runbook(
    store: Store,
    actor: str,
    clock: Clock,
    title: str,
    *,
    runbooks: Callable[[], Library] | None = None,
    runbook: str | None = None,
    oncall: Callable[[], OnCall] | None = None,
    **fields: Unpack[Declaration],
) -> Declared:
    """Declare (`fields` as `incidents.declare` takes them), then attach the
    runbook called `runbook`, else the one the service's entry in the on-call
    tables names (`[services.NAME] runbook`, read through `oncall` only when
    there is a service), else the one whose `services` list the service
    (several: none, the candidates are returned).

    The incident is declared whatever happens to the runbook: a library or
    tables that cannot be read, or a runbook that cannot be found, is
    `runbook.error`.
    """
    incident = declare(store, actor, clock, title, **fields)
    if runbooks is None or not (runbook or incident.service):
        return Declared(incident)
    try:
        found = runbooks()
        by_table = None if runbook else _service_runbook(oncall, incident.service)
        if runbook or by_table:
            match = attach_named(store, incident, actor, clock, found, runbook or by_table)
            match.named_by = None if runbook else f"[services.{incident.service}]"
        else:
            match = attach_for_service(store, incident, actor, clock, found)
    except Exception as error:  # declared all the same: the face says why no runbook
        return Declared(incident, ServiceMatch(error=error))
    if match.attached is not None:
        incident = store.incident(incident.id)
    return Declared(incident, match)


def _service_runbook(oncall: Callable[[], OnCall] | None, service: str | None) -> str | None:
    """The runbook `[services.SERVICE]` names, if any."""
    if oncall is None or not service:
        return None
    entry = oncall().services.get(service)
    return entry.runbook if entry is not None else None
