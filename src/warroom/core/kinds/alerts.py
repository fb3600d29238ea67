"""Alerts on an incident's timeline: an alert fired (its labels, annotations,
summary, source, start and links), it resolved, and the one summary line a
storm's hidden alerts become ("+180 more alerts in group X").

Written by the alert intake only (actor `alerts:<source>`), never logged by
people.  The fold counts them: `Incident.alerts_total` (alerts recorded) and
`Incident.alerts_firing` (of those, still firing).  Untrusted text of any
length arrives here: what is over the limits below is cut with "…" (`cut`,
`cut_map`), the alerts table keeps it whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from warroom.core.kinds.base import NAME_MAX, TITLE_MAX, KindData, KindSpec, accept

if TYPE_CHECKING:
    from warroom.core.catalog import Catalog
    from warroom.core.events import Event
    from warroom.core.incident import Incident
    from warroom.core.kinds.fields import (
        AlertId,
        AlertSummary,
        AnnotationMap,
        Count,
        LabelMap,
        Minute,
        Moment,
        Name,
        OptionalName,
        StrictBool,
        Text,
        WebUrl,
    )

ELLIPSIS = "…"
SUMMARY_MAX = TITLE_MAX  # characters of an alert's summary in an event
MAP_KEY_MAX = NAME_MAX  # of a label's or annotation's name
LABEL_VALUE_MAX = 256  # of a label's value
ANNOTATION_VALUE_MAX = 1024  # of an annotation's value (descriptions run longer)
MAP_ENTRIES_MAX = 32  # labels (or annotations) in one event; more become one "…" entry
LINKS_MAX = 5  # links in one event
GROUP_MAX = 1024  # of the group key shown (a groupKey can be long)
# 32 * (100 + 256) + 32 * (100 + 1024) + 5 * (2048 + 100) + 300 + 1024 characters: under
# EVENT_DATA_MAX (256 kB) even at 4 bytes a character.


def cut(text: str, limit: int) -> str:
    """`text`, or its first limit - 1 characters and "…" when it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def cut_map(
    values: Mapping[str, str],
    value_max: int,
    key_max: int = MAP_KEY_MAX,
    entries_max: int = MAP_ENTRIES_MAX,
) -> dict[str, str]:
    """Labels or annotations within the event limits: keys and values cut, and
    the entries past `entries_max` counted in one last entry "…" = "+N more"."""
    kept: dict[str, str] = {}
    for name, value in values.items():
        if len(kept) == entries_max - 1 and len(values) > entries_max:
            kept[ELLIPSIS] = f"+{len(values) - len(kept)} more"
            break
        kept.setdefault(cut(name, key_max), cut(value, value_max))
    return kept


class AlertLink(KindData):
    url: WebUrl
    label: OptionalName = ""


class AlertFired(KindData):
    """One alert instance recorded on the incident."""

    alert: AlertId
    source: Name
    summary: AlertSummary
    severity: OptionalName | None = None
    service: OptionalName | None = None
    group: Text
    starts_at: Moment
    labels: LabelMap
    annotations: AnnotationMap
    links: tuple[AlertLink, ...] = ()
    after_resolution: StrictBool = False  # fired within the reopen window after resolution


class AlertResolved(KindData):
    alert: AlertId
    summary: AlertSummary
    ends_at: Moment


class AlertsSummarized(KindData):
    """The alerts of one group and minute that the timeline did not show one by one."""

    group: Text
    minute: Minute
    fired: Count
    resolved: Count


def _fold_fired(state: Incident, event: Event, catalog: Catalog) -> None:
    state.alerts_total += 1
    state.alerts_firing += 1


def _fold_resolved(state: Incident, event: Event, catalog: Catalog) -> None:
    state.alerts_firing = max(0, state.alerts_firing - 1)


def _fold_summarized(state: Incident, event: Event, catalog: Catalog) -> None:
    fired, resolved = event.data["fired"], event.data["resolved"]
    state.alerts_total += fired
    state.alerts_firing = max(0, state.alerts_firing + fired - resolved)


def _describe_fired(d: dict[str, Any]) -> str:
    about = ", ".join(part for part in (d.get("severity"), d.get("service")) if part)
    line = d["summary"] + (f" ({about})" if about else "")
    return f"firing again after resolution: {line}" if d.get("after_resolution") else line


def _describe_summarized(d: dict[str, Any]) -> str:
    hidden = d["fired"] + d["resolved"]
    noun = "alert" if hidden == 1 else "alerts"
    return f"+{hidden} more {noun} in group {d['group']}"


SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        name="alert_fired",
        model=AlertFired,
        label="alert",
        description="an alert from monitoring fired: its labels, annotations, start and links",
        category="alert",
        check=accept,
        fold=_fold_fired,
        describe=_describe_fired,
    ),
    KindSpec(
        name="alert_resolved",
        model=AlertResolved,
        label="alert",
        description="an alert recorded on the incident resolved",
        category="alert",
        check=accept,
        fold=_fold_resolved,
        describe=lambda d: f"resolved: {d['summary']}",
    ),
    KindSpec(
        name="alerts_summarized",
        model=AlertsSummarized,
        label="alerts",
        description="the alerts of one group and minute a storm hid from the timeline, counted",
        category="alert",
        check=accept,
        fold=_fold_summarized,
        describe=_describe_summarized,
    ),
)
