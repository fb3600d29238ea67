"""Follow-ups, the review's action items: added (what, who, by when), done,
then verified (the fix was checked to work)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from warroom.core.errors import Refused
from warroom.core.incident import Followup
from warroom.core.kinds.base import Describe, KindData, KindSpec, with_note

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import Due, FollowupId, Name, OptionalText, Text

FOLLOWUP_ID = re.compile(r"^[a-z0-9]{4,32}$")


class FollowupAdded(KindData):
    """An action item from the review: what, who owns it, by when."""

    id: FollowupId
    text: Text
    owner: Name
    due: Due


class FollowupChange(KindData):
    """A follow-up marked done, or verified (the fix was checked to work)."""

    id: FollowupId
    text: OptionalText | None = None  # the follow-up's text, so the timeline reads on its own
    note: OptionalText | None = None


def _existing(state: Incident, data: dict[str, Any]) -> Followup:
    followup = state.followups.get(data["id"])
    if followup is None:
        raise Refused(f"no follow-up {data['id']!r} in {state.ref}")
    return followup


def _check_added(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["id"] in state.followups:
        raise Refused(f"follow-up {data['id']!r} already exists in {state.ref}")


def _fold_added(state: Incident, event: Event, catalog: Catalog) -> None:
    data = event.data
    if data["id"] in state.followups:
        return
    state.followups[data["id"]] = Followup(
        id=data["id"],
        text=data["text"],
        owner=data["owner"],
        due=date.fromisoformat(data["due"]),
        added_by=event.actor,
        added_at=event.occurred_at,
    )


def _describe_added(d: dict[str, Any]) -> str:
    return f"follow-up {d['id']} added: {d['text']} (owner {d['owner']}, due {d['due']})"


def _check_done(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    followup = _existing(state, data)
    if followup.state != "open":
        raise Refused(f"follow-up {followup.id} is already {followup.state}")


def _fold_done(state: Incident, event: Event, catalog: Catalog) -> None:
    followup = state.followups.get(event.data["id"])
    if followup is not None and followup.state == "open":
        followup.state = "done"
        followup.done_by = event.actor
        followup.done_at = event.occurred_at
        followup.done_note = event.data.get("note") or None


def _check_verified(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    followup = _existing(state, data)
    if followup.state == "open":
        raise Refused(f"follow-up {followup.id} is still open: mark it done before verifying it")
    if followup.state != "done":
        raise Refused(f"follow-up {followup.id} is already {followup.state}")


def _fold_verified(state: Incident, event: Event, catalog: Catalog) -> None:
    followup = state.followups.get(event.data["id"])
    if followup is not None and followup.state == "done":
        followup.state = "verified"
        followup.verified_by = event.actor
        followup.verified_at = event.occurred_at
        followup.verified_note = event.data.get("note") or None


def _describe_change(verb: str) -> Describe:
    def describe(d: dict[str, Any]) -> str:
        text = f"follow-up {d['id']} {verb}" + (f" ({d['text']})" if d.get("text") else "")
        return with_note(text, d.get("note"))

    return describe


SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        name="followup_added",
        model=FollowupAdded,
        label="followup",
        description="an action item from the review: what, who owns it, by when",
        category="followup",
        check=_check_added,
        fold=_fold_added,
        describe=_describe_added,
    ),
    KindSpec(
        name="followup_done",
        model=FollowupChange,
        label="followup",
        description="a follow-up is marked done",
        category="followup",
        check=_check_done,
        fold=_fold_done,
        describe=_describe_change("done"),
    ),
    KindSpec(
        name="followup_verified",
        model=FollowupChange,
        label="followup",
        description="a done follow-up is verified: the fix was checked to work",
        category="followup",
        check=_check_verified,
        fold=_fold_verified,
        describe=_describe_change("verified"),
    ),
)
