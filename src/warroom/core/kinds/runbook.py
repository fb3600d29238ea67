"""Runbooks in the incident: one attached (its steps with stable ids), steps
added, checked and unchecked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.errors import Refused
from warroom.core.incident import Step
from warroom.core.kinds.base import KindData, KindSpec

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import (
        ContentHash,
        Name,
        OptionalText,
        Section,
        StepId,
        Text,
    )


class RunbookStep(KindData):
    id: StepId
    text: Text
    section: Section = ""
    command: str | None = None


class RunbookAttached(KindData):
    name: Name
    content_hash: ContentHash
    steps: list[RunbookStep]


class StepChange(KindData):
    step: StepId
    text: OptionalText | None = None  # the step's text, so the timeline reads on its own


class StepAdded(KindData):
    step: RunbookStep


def _step(raw: dict[str, Any], runbook: str, added_by: str | None = None) -> Step:
    return Step(
        id=raw["id"],
        text=raw["text"],
        section=raw.get("section", ""),
        command=raw.get("command"),
        runbook=runbook,
        added_by=added_by,
    )


def _check_attached(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if not data["steps"]:
        raise Refused(f"runbook {data['name']!r} has no steps (lines starting '- [ ]')")
    ids = [step["id"] for step in data["steps"]]
    if len(set(ids)) != len(ids):
        raise Refused(f"runbook {data['name']!r} has duplicate step ids")


def _fold_attached(state: Incident, event: Event, catalog: Catalog) -> None:
    name = event.data["name"]
    state.runbooks.append({"name": name, "content_hash": event.data["content_hash"]})
    for raw in event.data["steps"]:
        if raw["id"] not in state.steps:
            state.steps[raw["id"]] = _step(raw, runbook=name)


def _check_added(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["step"]["id"] in state.steps:
        raise Refused(f"step {data['step']['id']!r} already exists")


def _fold_added(state: Incident, event: Event, catalog: Catalog) -> None:
    raw = event.data["step"]
    if raw["id"] not in state.steps:
        state.steps[raw["id"]] = _step(raw, runbook="", added_by=event.actor)


def _existing(state: Incident, data: dict[str, Any]) -> Step:
    step = state.steps.get(data["step"])
    if step is None:
        raise Refused(f"no runbook step {data['step']!r} in {state.ref}")
    return step


def _check_checked(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    step = _existing(state, data)
    if step.checked_by:
        raise Refused(f"step {data['step']!r} is already checked by {step.checked_by}")


def _fold_checked(state: Incident, event: Event, catalog: Catalog) -> None:
    step = state.steps.get(event.data["step"])
    if step is not None:
        step.checked_by = event.actor
        step.checked_at = event.occurred_at


def _check_unchecked(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if not _existing(state, data).checked_by:
        raise Refused(f"step {data['step']!r} is not checked")


def _fold_unchecked(state: Incident, event: Event, catalog: Catalog) -> None:
    step = state.steps.get(event.data["step"])
    if step is not None:
        step.checked_by = None
        step.checked_at = None


SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        name="runbook_attached",
        model=RunbookAttached,
        label="runbook",
        description="a runbook is attached: its name, content hash and steps",
        category="runbook",
        check=_check_attached,
        fold=_fold_attached,
        describe=lambda d: f"runbook {d['name']} attached ({len(d['steps'])} steps)",
    ),
    KindSpec(
        name="step_checked",
        model=StepChange,
        label="step",
        description="a runbook step is checked off",
        category="runbook",
        check=_check_checked,
        fold=_fold_checked,
        describe=lambda d: f"checked: {d.get('text') or d['step']}",
    ),
    KindSpec(
        name="step_unchecked",
        model=StepChange,
        label="step",
        description="a runbook step's check is taken back",
        category="runbook",
        check=_check_unchecked,
        fold=_fold_unchecked,
        describe=lambda d: f"unchecked: {d.get('text') or d['step']}",
    ),
    KindSpec(
        name="step_added",
        model=StepAdded,
        label="step",
        description="a step is added to the incident's checklist",
        category="runbook",
        check=_check_added,
        fold=_fold_added,
        describe=lambda d: f"added step: {d['step']['text']}",
    ),
)
