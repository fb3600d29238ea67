"""Plain-text renderings for the command line: list, show, timeline, CSV, JSON.

Every piece of untrusted text goes through `clean`/`clean_line` first.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.core.catalog import Catalog
from warroom.core.describe import describe, kind_label
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.core.text import clean_line, csv_safe
from warroom.core.times import format_duration, format_local, format_time

if TYPE_CHECKING:
    from warroom.core.alerts.model import AlertRecord


def to_json(value: Any) -> str:
    """JSON with every non-ASCII and control character escaped: terminal-safe."""
    return json.dumps(value, indent=2, ensure_ascii=True)


def timeline_order(events: Iterable[Event]) -> list[Event]:
    """Events as they happened: by occurred_at, then seq."""
    return sorted(events, key=lambda event: (event.occurred_at, event.seq or 0))


TITLE_CELLS = 60  # the list's title column at most; a longer title ends in …


def incident_row(incident: Incident, catalog: Catalog, now: datetime) -> list[str]:
    """One incident's cells for `warroom list`: ref, severity, status, title,
    lead, age, and the next stakeholder update (its local time, or OVERDUE)."""
    age = (
        format_duration((now - incident.declared_at).total_seconds())
        if incident.declared_at
        else "-"
    )
    due = incident.next_update_due(catalog)
    if due is None:
        update = ""
    elif now > due:
        update = "UPDATE OVERDUE"
    else:
        update = f"next update {due.astimezone():%H:%M}"
    title = clean_line(incident.title) + (" [drill]" if incident.drill else "")
    return [
        incident.ref,
        f"SEV{incident.severity}",
        incident.status,
        _fit(title, TITLE_CELLS),
        f"lead: {clean_line(incident.lead or '-')}",
        f"age: {age}",
        update,
    ]


def incident_list(incidents: list[Incident], catalog: Catalog, now: datetime) -> str:
    """One line per incident, in columns (aligned by terminal cells); the ref
    padded to 8 and one space before the severity, as ever (`INC-1    SEV2`)."""
    rows = [incident_row(incident, catalog, now) for incident in incidents]
    if not rows:
        return ""
    widths = [max(_cells(row[i]) for row in rows) for i in range(len(rows[0]))]
    widths[0] = max(widths[0], 8)

    def padded(i: int, cell: str) -> str:
        return cell + " " * (widths[i] - _cells(cell))

    return "\n".join(
        (padded(0, row[0]) + " " + "  ".join(padded(i, c) for i, c in enumerate(row) if i)).rstrip()
        for row in rows
    )


def _cells(text: str) -> int:
    """The terminal cells `text` takes (wide East Asian characters two,
    combining marks none)."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def _fit(text: str, cells: int) -> str:
    if _cells(text) <= cells:
        return text
    kept = ""
    for char in text:
        if _cells(kept + char) > cells - 1:
            break
        kept += char
    return kept + "…"


def incident_details(incident: Incident, catalog: Catalog, now: datetime) -> str:
    severity = catalog.severities.get(incident.severity)
    lines = [
        f"{incident.ref}  SEV{incident.severity} {severity.name if severity else ''}  "
        f"{incident.status}{'  [drill]' if incident.drill else ''}",
        clean_line(incident.title),
        f"service: {clean_line(incident.service or '-')}    "
        f"declared by {clean_line(incident.declared_by)}"
        + (f" at {format_local(incident.declared_at)}" if incident.declared_at else ""),
    ]
    if incident.summary:
        lines.append(f"summary: {clean_line(incident.summary)}")
    roles = [
        f"{catalog.roles[key].name if key in catalog.roles else key}: "
        + ", ".join(clean_line(name) for name in names)
        for key, names in incident.roles.items()
        if names
    ]
    lines.append("roles: " + ("; ".join(roles) if roles else "none assigned"))
    if incident.participants:
        lines.append(
            "participants: "
            + ", ".join(
                f"{clean_line(name)} ({at.astimezone():%H:%M})"
                for name, at in incident.participants.items()
            )
        )
    if incident.milestones:
        lines.append(
            "milestones: "
            + ", ".join(
                f"{name} {format_local(incident.milestones[name])}"
                for name in catalog.milestones
                if name in incident.milestones
            )
        )
    for link in incident.links:
        lines.append(f"link: {clean_line(link.label or 'link')} {clean_line(link.url)}")
    due = incident.next_update_due(catalog)
    if due is not None:
        remaining = (due - now).total_seconds()
        if remaining < 0:
            lines.append(
                f"stakeholder update OVERDUE by {format_duration(-remaining)} "
                f"(was due {format_local(due)})"
            )
        else:
            lines.append(
                f"next stakeholder update due {format_local(due)} (in {format_duration(remaining)})"
            )
    if incident.steps:
        done, total = incident.steps_done()
        lines.append(f"runbook: {done}/{total} steps done")
    return "\n".join(lines)


def timeline_text(events: Iterable[Event], concurrent: Iterable[int] = ()) -> str:
    marked = set(concurrent)
    lines = []
    for event in timeline_order(events):
        flags = ("~" if event.backdated else " ") + ("!" if event.seq in marked else " ")
        lines.append(
            f"{format_local(event.occurred_at, seconds=True)} {flags} "
            f"{kind_label(event.kind):<9} {clean_line(event.actor):<12} "
            f"{clean_line(describe(event))}"
        )
    return "\n".join(lines)


def timeline_csv(events: Iterable[Event]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["seq", "occurred_at", "recorded_at", "kind", "actor", "text"])
    for event in timeline_order(events):
        writer.writerow(
            [
                event.seq,
                format_time(event.occurred_at),
                format_time(event.recorded_at) if event.recorded_at else "",
                event.kind,
                csv_safe(event.actor),
                csv_safe(describe(event)),
            ]
        )
    return buffer.getvalue()


ALERT_SUMMARY_CELLS = 50  # the alert list's summary column at most
ALERT_ID_CELLS = 8  # the shortest id prefix the list shows (longer when two share it)
ALERT_HEADER = (
    "ALERT",
    "SOURCE",
    "SEVERITY",
    "SERVICE",
    "SUMMARY",
    "FIRST SEEN",
    "LAST SEEN",
    "REPEATS",
    "STATUS",
    "STATE",
    "INCIDENT",
)


def alert_list(records: list[AlertRecord], refs: Mapping[str, str], now: datetime) -> str:
    """`warroom alerts`: a header, then one line per alert, in columns: the id
    prefix to type (unique among those shown), source, severity, service,
    summary, first and last seen (local time; the date too when not today),
    repeats, firing/resolved, the state, and the incident's ref."""
    width = _unique_prefix_length([record.id for record in records], ALERT_ID_CELLS)
    today = now.astimezone().date()

    def seen(moment: datetime) -> str:
        local = moment.astimezone()
        return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"

    rows = [list(ALERT_HEADER)]
    for record in records:
        status = record.status + (" (acked)" if record.acknowledged else "")
        rows.append(
            [
                record.id[:width],
                clean_line(record.source),
                _fit(clean_line(record.severity or "-"), 12),
                _fit(clean_line(record.service or "-"), 24),
                _fit(clean_line(record.summary or "-"), ALERT_SUMMARY_CELLS),
                seen(record.first_seen),
                seen(record.last_seen),
                str(record.repeats),
                status,
                record.state,
                refs.get(record.incident_id, "-") if record.incident_id else "-",
            ]
        )
    return _aligned(rows)


def _unique_prefix_length(ids: list[str], shortest: int) -> int:
    """The shortest prefix length (at least `shortest`) telling every id apart."""
    length = shortest
    longest = max((len(one) for one in ids), default=shortest)
    while length < longest and len({one[:length] for one in ids}) < len(set(ids)):
        length += 1
    return length


def _aligned(rows: list[list[str]]) -> str:
    """Rows of cells in columns two spaces apart, aligned by terminal cells."""
    widths = [max(_cells(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _cells(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    )
