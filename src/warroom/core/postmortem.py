"""The blameless post-incident review, drafted in Markdown from the event log.

`render_postmortem(incident, events, catalog, now)` writes the same sections
for every incident, in this order: the header table (title, severity, status,
service); Summary (the pinned summary, the decisions, the last stakeholder
update); Impact window; Key times (impact start, detected, acknowledged,
mitigated, resolved, and the times to detect, acknowledge, mitigate and
resolve); Roles (who held which role); Timeline (every event, local time and
UTC, actor, kind); What went well; What could be improved; Where we got lucky;
Detection and monitoring; Severity; Responders' feedback and kudos; Follow-ups.
It names systems and decisions, not culprits: there is no per-person section.

Notes tagged for the review fill the three retrospective sections: a note
whose text starts with `#went-well`, `#improve` or `#lucky` (any case,
followed by a space, a colon or nothing).  Sections with no tagged note show
a prompt instead.

Every piece of text from people or machines goes through `markdown_escape`:
it cannot add a heading, a table cell, a link or HTML, whatever it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from warroom.core.catalog import Catalog
from warroom.core.describe import describe, kind_label
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.metrics import MEASURES, interval
from warroom.core.retro import RETRO_SECTIONS, TAGS
from warroom.core.text import markdown_escape
from warroom.core.times import format_duration, format_local

MILESTONE_LABELS: tuple[tuple[str, str], ...] = (
    ("started", "Impact started"),
    ("detected", "Detected"),
    ("acknowledged", "Acknowledged"),
    ("mitigated", "Mitigated"),
    ("resolved", "Resolved"),
)
NONE = "\N{EM DASH}"


def note_tag(text: str) -> tuple[str, str] | None:
    """(section key, the note without its tag) when a note is tagged for the review."""
    stripped = text.lstrip()
    lowered = stripped.lower()
    for key, tag in TAGS.items():
        if lowered.startswith(tag):
            rest = stripped[len(tag) :]
            if rest and not (rest[0].isspace() or rest[0] == ":"):
                continue
            return key, rest.lstrip(" \t:").strip()
    return None


def md(text: str | None) -> str:
    """Untrusted text as inline Markdown that can add no structure."""
    return markdown_escape(text or "")


def cell(text: str | None) -> str:
    """Untrusted text for a table cell (pipes escaped, newlines as spaces)."""
    return markdown_escape(text or "", cell=True) or NONE


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    return [_row(*header), _row(*("---" for _ in header)), *(_row(*row) for row in rows)]


def _local(moment: datetime | None) -> str:
    return format_local(moment, with_utc=False, seconds=True) if moment else NONE


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if moment else NONE


def _both(moment: datetime) -> str:
    return f"{_local(moment)} ({_utc(moment)})"


def _prompt(text: str) -> str:
    return f"- _{text}_"


def _ordered(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda event: (event.occurred_at, event.seq or 0))


def _severity_label(level: int, catalog: Catalog) -> str:
    known = catalog.severities.get(level)
    return f"SEV{level} ({cell(known.name)})" if known else f"SEV{level}"


def render_postmortem(
    incident: Incident, events: Sequence[Event], catalog: Catalog, now: datetime
) -> str:
    """The review draft as Markdown (ends with a newline)."""
    timeline = _ordered(events)
    parts = [
        _header(incident, catalog, now),
        _summary(incident, timeline),
        _impact(incident, now),
        _key_times(incident),
        _roles(incident, timeline, catalog),
        _timeline(timeline),
        *_retrospective(timeline),
        _detection(incident),
        _severity(incident, timeline, catalog),
        _feedback(),
        _followups(incident),
    ]
    return "\n\n".join("\n".join(part) for part in parts) + "\n"


def _header(incident: Incident, catalog: Catalog, now: datetime) -> list[str]:
    title = md(incident.title) or "(untitled)"
    return [
        f"# Postmortem: {incident.ref} {NONE} {title}",
        "",
        f"_Blameless review draft, generated {_both(now)} from the incident's timeline. "
        "It looks at systems, signals and decisions, not at culprits: ask what made "
        "this possible, not who did it._",
        "",
        *_table(
            ("Field", "Value"),
            [
                ("Incident", incident.ref),
                ("Title", cell(incident.title)),
                ("Severity", _severity_label(incident.severity, catalog)),
                ("Status", cell(incident.status)),
                ("Service", cell(incident.service)),
                ("Declared", _both(incident.declared_at) if incident.declared_at else NONE),
                ("Drill", "yes" if incident.drill else "no"),
            ],
        ),
    ]


def _summary(incident: Incident, timeline: list[Event]) -> list[str]:
    lines = ["## Summary", ""]
    if incident.summary.strip():
        lines.append(f"**Pinned summary:** {md(incident.summary)}")
    else:
        lines.append("**Pinned summary:** _none was pinned; say what happened and why._")
    lines += ["", "**Decisions:**", ""]
    decisions = [event for event in timeline if event.kind == "decision"]
    lines += [f"- {_both(event.occurred_at)}: {md(event.data.get('text'))}" for event in decisions]
    if not decisions:
        lines.append(_prompt("No decisions were recorded. Which ones shaped the response?"))
    updates = [event for event in timeline if event.kind == "comms_update"]
    lines.append("")
    if updates:
        last = updates[-1]
        audience = md(last.data.get("audience", "internal"))
        lines.append(
            f"**Last stakeholder update** ({audience}, {_both(last.occurred_at)}): "
            f"{md(last.data.get('text'))}"
        )
    else:
        lines.append("**Last stakeholder update:** _none was recorded._")
    return lines


def _impact(incident: Incident, now: datetime) -> list[str]:
    started, ended, how = incident.impact_window()
    lines = ["## Impact window", ""]
    if started is None:
        return [*lines, _prompt("No impact start is known. When did users start to notice?")]
    assumed = "started" not in incident.explicit_milestones
    start_text = f"**{_both(started)}**" + (
        " (assumed: the detection time, since no impact start was recorded)" if assumed else ""
    )
    if ended is None:
        lines.append(
            f"Impact from {start_text}, not mitigated or resolved when this was written: "
            f"**{format_duration(incident.impact_seconds(now) or 0)}** so far."
        )
    else:
        lines.append(
            f"Impact from {start_text} to **{_both(ended)}** ({how}): "
            f"**{format_duration(incident.impact_seconds(now) or 0)}**."
        )
    return lines


def _key_times(incident: Incident) -> list[str]:
    milestones = [
        (label, _local(incident.milestones.get(name)), _utc(incident.milestones.get(name)))
        for name, label in MILESTONE_LABELS
    ]
    durations = [
        (
            measure.name.capitalize(),
            f"{measure.start_label} to {measure.end_label}",
            format_duration(interval(incident, measure)),
        )
        for measure in MEASURES
    ]
    return [
        "## Key times",
        "",
        *_table(("Milestone", "Local time", "UTC"), milestones),
        "",
        *_table(("Duration", "From", "Time"), durations),
    ]


def _role_history(incident: Incident, timeline: list[Event]) -> dict[str, list[str]]:
    """Everyone who held each role at some point, in the order they got it."""
    held: dict[str, list[str]] = {}
    for event in timeline:
        if event.kind == "declared" and event.data.get("lead"):
            held.setdefault("lead", []).append(event.data["lead"])
        elif event.kind == "role_assigned":
            holders = held.setdefault(event.data.get("role", ""), [])
            if event.data.get("person") not in holders:
                holders.append(event.data.get("person", ""))
    for role, names in incident.roles.items():  # e.g. a log without its declared event
        for name in names:
            if name not in held.setdefault(role, []):
                held[role].append(name)
    return held


def _roles(incident: Incident, timeline: list[Event], catalog: Catalog) -> list[str]:
    held = _role_history(incident, timeline)
    keys = [*catalog.roles, *(role for role in held if role not in catalog.roles)]
    rows = [
        (
            cell(catalog.roles[key].name if key in catalog.roles else key),
            ", then ".join(cell(name) for name in held.get(key, [])) or NONE,
        )
        for key in keys
    ]
    return ["## Roles", "", *_table(("Role", "Held by"), rows)]


def _timeline(timeline: list[Event]) -> list[str]:
    rows = [
        (
            _local(event.occurred_at),
            _utc(event.occurred_at),
            cell(event.actor),
            cell(kind_label(event.kind)),
            cell(describe(event)),
        )
        for event in timeline
    ]
    return [
        "## Timeline",
        "",
        f"All {len(timeline)} events, in the order they happened.",
        "",
        *_table(("Local time", "UTC", "Actor", "Kind", "What happened"), rows),
    ]


def _retrospective(timeline: list[Event]) -> list[list[str]]:
    tagged: dict[str, list[str]] = {key: [] for key in TAGS}
    for event in timeline:
        if event.kind == "note":
            found = note_tag(str(event.data.get("text", "")))
            if found is not None and found[1]:
                tagged[found[0]].append(found[1])
    sections = []
    for key, tag, heading, prompt in RETRO_SECTIONS:
        items = [f"- {md(text)}" for text in tagged[key]]
        if not items:
            items = [_prompt(f"{prompt} (Notes starting with {tag} fill this section.)")]
        sections.append([f"## {heading}", "", *items])
    return sections


def _detection(incident: Incident) -> list[str]:
    detect = format_duration(interval(incident, MEASURES[0]))
    known = "started" in incident.explicit_milestones
    fact = (
        f"Detected {detect} after the impact started."
        if known
        else "No impact start was recorded, so the time to detect is unknown."
    )
    return [
        "## Detection and monitoring",
        "",
        fact,
        "",
        _prompt(
            "How was this detected: an alert, a dashboard, a customer, someone noticing? "
            "Which signal would have caught it sooner?"
        ),
        _prompt(
            "What gaps in monitoring and alerting did it show? Add a follow-up for each, "
            "and update the runbook."
        ),
    ]


def _severity(incident: Incident, timeline: list[Event], catalog: Catalog) -> list[str]:
    changes = [
        f"{_severity_label(event.data.get('severity', 0), catalog)} at {_both(event.occurred_at)}"
        for event in timeline
        if event.kind == "severity_changed"
    ]
    declared = next((event for event in timeline if event.kind == "declared"), None)
    first = declared.data.get("severity", incident.severity) if declared else incident.severity
    history = f"Declared as {_severity_label(first, catalog)}"
    history += f"; changed to {'; then '.join(changes)}." if changes else "; never changed."
    return [
        "## Severity",
        "",
        history,
        "",
        _prompt(
            f"Was {_severity_label(incident.severity, catalog)} right for the impact seen? "
            "Was it raised or lowered in time, and are the severity definitions clear enough?"
        ),
    ]


def _feedback() -> list[str]:
    return [
        "## Responders' feedback and kudos",
        "",
        _prompt(
            "Ask everyone who took part: what helped, what got in the way, what would they "
            "want next time (tools, runbooks, communication, not people)?"
        ),
        _prompt(
            "Kudos: quick detection, clear communication, calm coordination, careful "
            "follow-through."
        ),
    ]


def _followups(incident: Incident) -> list[str]:
    lines = ["## Follow-ups", ""]
    if not incident.followups:
        return [
            *lines,
            _prompt("No follow-ups yet. Give each action item an owner and a due date:")
            + f" `warroom followup add {incident.ref} TEXT --owner NAME --due YYYY-MM-DD`",
        ]
    rows = [
        (
            followup.id,
            cell(followup.text),
            cell(followup.owner),
            followup.due.isoformat(),
            followup.state,
        )
        for followup in incident.followups.values()
    ]
    return [*lines, *_table(("ID", "Action item", "Owner", "Due", "State"), rows)]
