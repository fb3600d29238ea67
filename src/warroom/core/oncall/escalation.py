"""Escalation: which pages of a policy are due, given what happened (pure).

An incident declared at T pages level 1 at T.  Without an acknowledgement,
level k+1 is paged when level k's wait has run out; after the last level the
levels run again, `repeat` times in all; when the last wait runs out the
policy is exhausted.  A level escalates at once when nobody it pages can be
reached (an empty on-call slot, a person without an address), or as soon as
the sender reports that all its deliveries failed (`failed`).  An
acknowledgement, or the incident being resolved, cancelled or closed
(`stopped_at`), stops it: nothing falls due at or after that instant.

The sender calls `escalation(...)` with its clock's now and sends the pages
it has not sent yet: `page_event_id` names each (page, recipient) for good,
from its cause, so two senders (or one restarted) never record it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from warroom.core.oncall.model import OnCall, Override, Policy, Target
from warroom.core.oncall.schedule import person_at


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone a page goes to (`person` None: the schedule had nobody on call)."""

    target: Target  # what the level names: the page's route
    person: str | None
    reachable: bool  # a known person with at least one address


@dataclass(frozen=True, slots=True)
class Page:
    step: int  # 0, 1, ... across the repeats: one page per step, ever
    round: int  # 1 .. policy.repeat
    level: int  # 1 .. len(policy.levels)
    due: datetime
    recipients: tuple[Recipient, ...]

    @property
    def reachable(self) -> bool:
        return any(recipient.reachable for recipient in self.recipients)


@dataclass(frozen=True, slots=True)
class Escalation:
    """Where a policy stands at `now`."""

    pages: tuple[Page, ...]  # every page due by now, in order
    next_at: datetime | None  # when the next page (or exhaustion) falls due; None: finished
    exhausted_at: datetime | None  # when the last wait ran out unacknowledged, if it has
    stopped: bool  # acknowledged, or the incident no longer needs anyone


# Event ids made from their cause (uuid5 in this namespace): the same cause, the same id.
_NAMESPACE = uuid.UUID("6f1f5c2e-3b0a-4f7e-9a61-2d8f0c4b7e13")


def page_event_id(incident_id: str, page: Page, recipient: Recipient) -> str:
    """The id of the `page_sent` event of `page` to `recipient` on an incident."""
    cause = f"page:{incident_id}:{page.step}:{recipient.target}:{recipient.person or ''}"
    return str(uuid.uuid5(_NAMESPACE, cause))


def exhausted_event_id(incident_id: str, policy: Policy) -> str:
    """The id of the incident's `escalation_exhausted` event for `policy`."""
    return str(uuid.uuid5(_NAMESPACE, f"exhausted:{incident_id}:{policy.name}"))


def escalation(
    policy: Policy,
    tables: OnCall,
    declared_at: datetime,
    now: datetime,
    stopped_at: datetime | None = None,
    failed: Mapping[int, datetime] | None = None,
    overrides: Mapping[str, Sequence[Override]] | None = None,
) -> Escalation:
    """The pages of `policy` due by `now` for an incident declared at
    `declared_at`.  `stopped_at`: the first acknowledgement (or resolution,
    cancellation, closing); `failed`: step -> when the sender found that all
    of that page's deliveries failed; `overrides`: the store's, by schedule."""
    failed = failed or {}
    end = now if stopped_at is None else min(now, stopped_at)
    pages: list[Page] = []
    due = declared_at
    steps = len(policy.levels) * policy.repeat
    for step in range(steps):
        if due > end or (stopped_at is not None and due >= stopped_at):
            return _stand(pages, due, stopped_at, None)
        level = policy.levels[step % len(policy.levels)]
        page = Page(
            step=step,
            round=step // len(policy.levels) + 1,
            level=step % len(policy.levels) + 1,
            due=due,
            recipients=_recipients(level.targets, tables, due, overrides or {}),
        )
        pages.append(page)
        following = due if not page.reachable else due + level.wait
        if step in failed:
            following = max(due, min(following, failed[step]))
        due = following
    if due > end or (stopped_at is not None and due >= stopped_at):
        return _stand(pages, due, stopped_at, None)
    return _stand(pages, None, stopped_at, due)


def _stand(
    pages: list[Page],
    next_at: datetime | None,
    stopped_at: datetime | None,
    exhausted_at: datetime | None,
) -> Escalation:
    stopped = stopped_at is not None and (next_at is None or next_at >= stopped_at)
    return Escalation(
        pages=tuple(pages),
        next_at=None if stopped else next_at,
        exhausted_at=exhausted_at,
        stopped=stopped,
    )


def _recipients(
    targets: Sequence[Target],
    tables: OnCall,
    at: datetime,
    overrides: Mapping[str, Sequence[Override]],
) -> tuple[Recipient, ...]:
    found: dict[str | None, Recipient] = {}
    empty: list[Recipient] = []
    for target in targets:
        if target.kind == "schedule":
            schedule = tables.schedules[target.name]
            name = person_at(schedule, at, overrides.get(target.name, ()))
        else:
            name = target.name
        if name is None:
            empty.append(Recipient(target, None, False))
            continue
        person = tables.people.get(name)
        found.setdefault(name, Recipient(target, name, bool(person and person.addresses)))
    return (*found.values(), *empty)
