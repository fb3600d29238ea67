"""The alert inbox's forms: declare an incident from an alert (its title and
severity filled from the alert, both changeable), attach an alert to an open
incident (picked from a list).  Each form's job (a write through the store's
`AlertInbox`) runs in the form's thread worker, as every form's does
(screens/forms.py)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Static
from textual.widgets.option_list import Option

from warroom.core.alerts.model import AlertRecord
from warroom.core.catalog import Catalog
from warroom.core.errors import UsageError
from warroom.core.incident import Incident
from warroom.core.kinds import TITLE_MAX
from warroom.tui.safe import safe_line
from warroom.tui.screens.forms import FormScreen, _label
from warroom.tui.widgets.header import severity_chip
from warroom.tui.widgets.inbox_banner import alert_line
from warroom.tui.widgets.picklist import PickList
from warroom.tui.widgets.safe_input import SafeInput

# the SEV an incident declared from an alert starts at (the default rules:
# critical declares SEV2; the rest is SEV3, as the declare form)
SEVERITY_LEVELS = {"critical": 2}
DEFAULT_LEVEL = 3


def default_level(alert: AlertRecord, catalog: Catalog) -> int:
    """The severity the declare form offers for an alert."""
    level = SEVERITY_LEVELS.get(alert.severity.lower(), DEFAULT_LEVEL)
    return level if level in catalog.severities else next(iter(catalog.severities))


class AlertDeclareForm(FormScreen):
    """Declare an incident from an alert: the title (the alert's summary) and
    the severity (from the alert's), both changeable."""

    TITLE_TEXT = "Declare an incident from the alert"
    AUTO_FOCUS = "#title"

    def __init__(
        self,
        alert: AlertRecord,
        catalog: Catalog,
        declare: Callable[[str, int], Incident],
    ) -> None:
        super().__init__()
        self.alert = alert
        self.catalog = catalog
        self.declare_job = declare

    def fields(self) -> ComposeResult:
        yield Static(
            Content.assemble(("alert ", "dim"), alert_line(self.alert, 300)),
            classes="form-label",
        )
        yield _label("Title")
        yield SafeInput(self.alert.summary[:TITLE_MAX].strip(), id="title", compact=True)
        levels = ", ".join(
            f"{level} {severity.name.lower()}"
            for level, severity in self.catalog.severities.items()
        )
        yield _label(f"Severity ({levels})")
        yield SafeInput(
            str(default_level(self.alert, self.catalog)),
            id="severity",
            restrict=r"[0-9]*",
            max_length=2,
            compact=True,
        )

    def job(self) -> Callable[[], Incident]:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            raise UsageError("the title is empty: say what is broken")
        raw = self.query_one("#severity", Input).value.strip()
        if not raw:
            raise UsageError("give the severity")
        level = int(raw)
        self.catalog.check_severity(level)
        return lambda: self.declare_job(title, level)


class AlertAttachForm(FormScreen):
    """Record an alert on an open incident, picked from the list (most severe first)."""

    TITLE_TEXT = "Attach the alert to an incident"
    AUTO_FOCUS = "#incidents-to-attach"
    HINT = "↑↓ pick · Enter attaches · Esc cancels"

    def __init__(
        self,
        alert: AlertRecord,
        catalog: Catalog,
        incidents: list[Incident],
        attach: Callable[[Incident], Incident],
    ) -> None:
        super().__init__()
        self.alert = alert
        self.catalog = catalog
        self.incidents = incidents
        self.attach_job = attach

    def fields(self) -> ComposeResult:
        yield Static(
            Content.assemble(("alert ", "dim"), alert_line(self.alert, 300)),
            classes="form-label",
        )
        yield _label("To the open incident")
        yield PickList(
            *[
                Option(
                    Content.assemble(
                        severity_chip(self.catalog, incident.severity, long=False),
                        " ",
                        (incident.ref, "bold"),
                        " ",
                        safe_line(incident.title, 60),
                    ),
                    id=incident.id,
                )
                for incident in self.incidents
            ],
            highlighted=0 if self.incidents else None,
            id="incidents-to-attach",
        )

    def job(self) -> Callable[[], Incident]:
        chosen = self.chosen(self.query_one("#incidents-to-attach", PickList))
        incident = next((i for i in self.incidents if i.id == chosen), None)
        if incident is None:
            raise UsageError("pick the incident")
        return lambda: self.attach_job(incident)
