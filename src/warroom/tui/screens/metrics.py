"""Response metrics, on a screen: the four figures (MTTD, MTTA, MTTM, MTTR as
mean, median and p90 with their counts) with their definitions, and plots of
MTTR by month, incidents per ISO week and the severity distribution.

The numbers are `warroom.core.metrics.compute` over every incident, exactly
as `warroom metrics` prints them (drills and cancelled incidents left out).
The plots are textual-plotext's, imported only when this screen draws them
(it costs ~25 ms on top of Textual); if it cannot be imported, the same series
are drawn with Textual's own Sparkline and text bars instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.metrics import DEFINITIONS, MEASURES, Report, compute
from warroom.core.times import format_duration
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.messages import MetricsComputed, StoreFailed
from warroom.tui.safe import notify, safe_line
from warroom.tui.widgets.keybar import KeyBar

PLOT_HEIGHT = 14
BAR_WIDTH = 40  # the text bars of the fallback


def figures(report: Report) -> Content:
    """The four measures as a small table, then their definitions."""
    lines = [
        Content.assemble(
            (f"{'':<6}{'':<21}{'mean':>10} {'median':>10} {'p90':>10} {'incidents':>10}", "bold")
        )
    ]
    for measure in MEASURES:
        stat = report.measures[measure.key]
        lines.append(
            Content.assemble(
                (f"{measure.label:<6}", "bold"),
                f"{measure.name:<21}{format_duration(stat.mean):>10} "
                f"{format_duration(stat.median):>10} {format_duration(stat.p90):>10} "
                f"{stat.count:>10}",
            )
        )
    lines.append(Content(""))
    lines.extend(Content.assemble((line, "dim")) for line in definitions())
    return Content("\n").join(lines)


def definitions() -> list[str]:
    """DEFINITIONS for a screen of any width: one line per measure, then the
    notes as one paragraph (they are broken for an 80-column terminal)."""
    labels = tuple(measure.label for measure in MEASURES)
    measures = [line for line in DEFINITIONS if line.startswith(labels)]
    notes = " ".join(line.strip() for line in DEFINITIONS if not line.startswith(labels))
    return [*measures, " ".join(notes.split())]


def heading(report: Report) -> Content:
    excluded = report.excluded
    return Content.assemble(
        ("Response metrics", "bold"),
        f"  ·  {report.incidents} incident{'s' if report.incidents != 1 else ''}"
        f"  ·  left out: {excluded.get('drills', 0)} drill(s), "
        f"{excluded.get('cancelled', 0)} cancelled",
    )


def mttr_unit(report: Report) -> tuple[str, float]:
    """Hours when any month's MTTR reaches three hours, else minutes."""
    medians = [m["mttr"]["median_seconds"] or 0 for m in report.per_month]
    return ("hours", 3600.0) if max(medians, default=0) >= 3 * 3600 else ("minutes", 60.0)


def series(report: Report) -> dict[str, tuple[list[str], list[float]]]:
    """The plotted series: (labels, values) for MTTR by month, per week, per severity."""
    unit, scale = mttr_unit(report)
    return {
        f"MTTR by month (median, {unit})": (
            [month["month"] for month in report.per_month],
            [round((m["mttr"]["median_seconds"] or 0) / scale, 1) for m in report.per_month],
        ),
        "Incidents per ISO week (UTC)": (
            [week["week"] for week in report.per_week],
            [float(week["incidents"]) for week in report.per_week],
        ),
        "Severity distribution": (
            [f"SEV{level}" for level in report.severity],
            [float(count) for count in report.severity.values()],
        ),
    }


def thin(labels: Sequence[str], width: int) -> tuple[list[int], list[str]]:
    """Every k-th label (k so that they fit in `width` columns), for the x axis."""
    if not labels:
        return [], []
    room = max(len(label) for label in labels) + 2
    step = max(1, math.ceil(len(labels) * room / max(width - 10, 10)))
    positions = list(range(0, len(labels), step))
    return [p + 1 for p in positions], [labels[p] for p in positions]


def plotext_plots(report: Report, width: int) -> list[Widget]:
    """The three plots, drawn by textual-plotext (ImportError when it is missing)."""
    from textual_plotext import PlotextPlot

    widgets: list[Widget] = []
    for title, (labels, values) in series(report).items():
        plot = PlotextPlot(classes="metrics-plot")
        plt = plot.plt
        plt.clear_figure()
        positions = list(range(1, len(values) + 1))
        plt.bar(positions, values, width=0.6)
        ticks, shown = thin(labels, width)
        plt.xticks(ticks, shown)
        if not title.startswith("MTTR"):  # counts: whole numbers on the y axis
            top = int(max(values, default=0))
            plt.yticks(list(range(0, top + 1, max(1, math.ceil(top / 5)))))
        plt.title(title)
        widgets.append(plot)
    return widgets


def fallback_plots(report: Report) -> list[Widget]:
    """The same series with Textual's own widgets: a Sparkline per week, text bars."""
    widgets: list[Widget] = []
    for title, (labels, values) in series(report).items():
        widgets.append(Static(Content.assemble((title, "bold")), classes="metrics-caption"))
        if title.startswith("Incidents per"):
            widgets.append(Sparkline(values, classes="metrics-sparkline"))
            if labels:
                widgets.append(Static(f"{labels[0]} … {labels[-1]}", markup=False))
            continue
        top = max(values, default=0) or 1
        lines = [
            Content.assemble(
                f"{label:>8} ",
                ("█" * round(BAR_WIDTH * value / top), "$primary"),
                f" {value:g}",
            )
            for label, value in zip(labels, values, strict=True)
        ]
        widgets.append(Static(Content("\n").join(lines) if lines else Content("no data")))
    return widgets


class MetricsScreen(Screen[None]):
    """The figures, their definitions and three plots; `r` computes them again."""

    ACTIONS: ClassVar[tuple[keys.Key, ...]] = keys.METRICS_KEYS
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(ACTIONS)

    def __init__(self, store: Store, catalog: Catalog, clock: Clock) -> None:
        super().__init__(classes="metrics")
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.report: Report | None = None
        self.plotted_with = ""  # "plotext" or "textual"

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(("Response metrics", "bold"), "  ·  computing…"),
            id="metrics-title",
            classes="screen-title",
        )
        with VerticalScroll(id="metrics-body"):
            yield Static("", id="metrics-figures")
            yield Static("", id="metrics-repeats")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#metrics-body").focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self._compute()

    @work(thread=True, exit_on_error=False, group="load")
    def _compute(self) -> None:
        try:
            incidents = self.store.incidents(include_closed=True)
            report = compute(incidents, levels=self.catalog.severities)
        except Exception as error:
            self.post_message(StoreFailed(error))
            return
        self.post_message(MetricsComputed(report))

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        notify(self, f"cannot compute the metrics: {message.error}", severity="error")

    @on(MetricsComputed)
    def _computed(self, message: MetricsComputed) -> None:
        self.report = report = message.report
        self.query_one("#metrics-title", Static).update(heading(report))
        self.query_one("#metrics-figures", Static).update(figures(report))
        self.query_one("#metrics-repeats", Static).update(self._repeats(report))
        body = self.query_one("#metrics-body", VerticalScroll)
        for old in body.query(".metrics-plot, .metrics-caption, .metrics-sparkline, .metrics-bars"):
            old.remove()
        for old in body.query(".metrics-generated"):
            old.remove()
        if not report.incidents:
            return
        try:
            plots = plotext_plots(report, self.app.size.width - 4)
            self.plotted_with = "plotext"
        except ImportError:
            plots = fallback_plots(report)
            self.plotted_with = "textual"
        for widget in plots:
            widget.add_class("metrics-generated")
        body.mount_all(plots, before="#metrics-repeats")

    def _repeats(self, report: Report) -> Content:
        if not report.incidents:
            return Content.assemble(
                ("No incidents to measure yet.", "bold"),
                " Drills and cancelled incidents are left out.",
            )
        if not report.repeat_services:
            return Content.assemble(("Services with repeat incidents: ", "bold"), "none")
        items = [
            Content.assemble(
                "  ",
                safe_line(item["service"], 40),
                f"  {item['incidents']}  ",
                safe_line(", ".join(item["refs"]), 120).stylize("dim"),
            )
            for item in report.repeat_services
        ]
        return Content("\n").join(
            [Content.assemble(("Services with repeat incidents:", "bold")), *items]
        )

    def action_back(self) -> None:
        self.app.pop_screen()
