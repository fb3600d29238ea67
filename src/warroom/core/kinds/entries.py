"""What people write into the timeline: notes, findings, actions taken,
decisions, stakeholder updates and links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.errors import Refused
from warroom.core.incident import Link
from warroom.core.kinds.base import KindData, KindSpec, accept, unchanged

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import ComponentState, Name, OptionalName, Text, Title, Url


class TextEntry(KindData):
    text: Text


def _text(d: dict[str, Any]) -> str:
    return d["text"]


def _entry(name: str, description: str, category: str) -> KindSpec:
    """A free-text entry of the timeline: one kind of `warroom log --kind`."""
    return KindSpec(
        name=name,
        model=TextEntry,
        label=name,
        description=description,
        category=category,
        check=accept,
        fold=unchanged,
        describe=_text,
        loggable=True,
    )


class CommsUpdate(KindData):
    text: Text
    audience: Name = "internal"
    # For the public status page, with the customers audience only (absent
    # from older events, which read as not setting them):
    public_title: Title | None = None  # the incident's public title from now on
    components: dict[Name, ComponentState] | None = None  # component -> its state now


def _check_comms(state: Incident, data: dict[str, Any], catalog: Catalog) -> None:
    if data["audience"] not in catalog.audiences:
        raise Refused(
            f"unknown audience {data['audience']!r}; audiences: {', '.join(catalog.audiences)}"
        )
    public = [name for name in ("public_title", "components") if data.get(name)]
    if public and data["audience"] != "customers":
        raise Refused(f"{public[0]} goes with the customers audience (the public status page)")


def _fold_comms(state: Incident, event: Event, catalog: Catalog) -> None:
    if state.last_update_at is None or event.occurred_at > state.last_update_at:
        state.last_update_at = event.occurred_at
    state.last_audience = event.data.get("audience", "internal")  # the last one posted
    if state.last_audience == "customers":  # public from now on (the status page)
        state.public = True
        state.public_title = event.data.get("public_title") or state.public_title


def _describe_comms(d: dict[str, Any]) -> str:
    line = f"[{d.get('audience', 'internal')}] {d['text']}"
    public = [f"public title: {d['public_title']}"] if d.get("public_title") else []
    public += [f"{name}={state}" for name, state in (d.get("components") or {}).items()]
    return f"{line} ({'; '.join(public)})" if public else line


class LinkAdded(KindData):
    url: Url
    label: OptionalName = ""


def _fold_link(state: Incident, event: Event, catalog: Catalog) -> None:
    state.links.append(
        Link(
            url=event.data["url"],
            label=event.data.get("label", ""),
            actor=event.actor,
            at=event.occurred_at,
        )
    )


SPECS: tuple[KindSpec, ...] = (
    _entry("note", "a note: what someone saw, thought or did", "note"),
    _entry("finding", "a finding: something learned about the cause or the impact", "finding"),
    _entry("action", "an action taken (a restart, a rollback, a config change)", "action"),
    _entry("decision", "a decision made, and by whom", "decision"),
    KindSpec(
        name="comms_update",
        model=CommsUpdate,
        label="update",
        description="a stakeholder update to an audience (internal, customers...)",
        category="comms",
        check=_check_comms,
        fold=_fold_comms,
        describe=_describe_comms,
    ),
    KindSpec(
        name="link_added",
        model=LinkAdded,
        label="link",
        description="a link: the bridge, the chat channel, a dashboard",
        category="link",
        check=accept,
        fold=_fold_link,
        describe=lambda d: f"{d.get('label') or 'link'}: {d['url']}",
    ),
)
