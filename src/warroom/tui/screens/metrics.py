"""Response metrics, on a screen: the four figures (MTTD, MTTA, MTTM, MTTR as
mean, median and p90 with their counts) with their definitions, and plots of
MTTR by month, incidents per ISO week and the severity distribution.

The numbers are `warroom.core.metrics.compute` over the incidents the
filters keep (`f`: since, until, service, severity, as `warroom metrics`
takes them; the title names those in force), exactly as `warroom metrics`
prints them (drills and cancelled incidents left out).
The plots are textual-plotext's, imported only when this screen draws them
(it costs ~25 ms on top of Textual); if it cannot be imported, the same series
are drawn with Textual's own Sparkline and text bars instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult, RenderResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Sparkline, Static

from warroom.core.catalog import Catalog
from warroom.core.clock import Clock
from warroom.core.errors import UsageError
from warroom.core.metrics import (
    DEFINITIONS,
    MEASURES,
    Filters,
    Report,
    compute,
    describe_filters,
    parse_filters,
)
from warroom.core.times import format_duration
from warroom.store.base import Store
from warroom.tui import keys
from warroom.tui.messages import MetricsComputed, StoreFailed
from warroom.tui.safe import notify, safe_line
from warroom.tui.screens.forms import FormScreen
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.safe_input import SafeInput

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
    scope = describe_filters(report.filters)
    return Content.assemble(
        ("Response metrics", "bold"),
        f"  ·  {report.incidents} incident{'s' if report.incidents != 1 else ''}",
        ("  ·  " + ", ".join(scope), "bold") if scope else "  ·  all incidents",
        f"  ·  left out: {excluded.get('drills', 0)} drill(s), "
        f"{excluded.get('cancelled', 0)} cancelled",
    )


def mttr_unit(report: Report) -> tuple[str, float]:
    """Hours when any month's MTTR reaches three hours, else minutes."""
    medians = [m["mttr"]["median_seconds"] or 0 for m in report.per_month]
    return ("hours", 3600.0) if max(medians, default=0) >= 3 * 3600 else ("minutes", 60.0)


@dataclass(frozen=True, slots=True)
class Series:
    """One plot: its title, the bars' labels and values, and the y axis' unit."""

    title: str
    labels: list[str]
    values: list[float]
    unit: str
    whole: bool = False  # counts: whole numbers on the y axis


def series(report: Report) -> list[Series]:
    """The plotted series: MTTR by month, incidents per week, per severity."""
    unit, scale = mttr_unit(report)
    return [
        Series(
            f"MTTR by month (median, {unit})",
            [month["month"] for month in report.per_month],
            [round((m["mttr"]["median_seconds"] or 0) / scale, 1) for m in report.per_month],
            unit,
        ),
        Series(
            "Incidents per ISO week (UTC)",
            [week["week"] for week in report.per_week],
            [float(week["incidents"]) for week in report.per_week],
            "incidents",
            whole=True,
        ),
        Series(
            "Severity distribution",
            [f"SEV{level}" for level in report.severity],
            [float(count) for count in report.severity.values()],
            "incidents",
            whole=True,
        ),
    ]


def thin(labels: Sequence[str], width: int) -> tuple[list[int], list[str]]:
    """Every k-th label (k so that they fit in `width` columns), for the x axis."""
    if not labels:
        return [], []
    room = max(len(label) for label in labels) + 1
    step = max(1, math.ceil(len(labels) * room / max(width, 10)))
    positions = list(range(0, len(labels), step))
    return [p + 1 for p in positions], [labels[p] for p in positions]


def nice_ticks(top: float, whole: bool) -> list[float]:
    """Up to six round ticks from 0 to at least `top` (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    rough = top / 5
    power = 10 ** math.floor(math.log10(rough))
    step = next(power * k for k in (1, 2, 5, 10) if power * k >= rough)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    count = math.ceil(top / step - 1e-9)
    return [round(step * i, 6) for i in range(count + 1)]


def tick_label(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class BarLayout:
    """Where the bars go on a plot `width` columns wide: bars of at most
    MAX_BAR columns, centred, with a gap between them when there is room."""

    xlim: tuple[float, float]
    bar: float  # the bar's width in x units (1 = one slot)
    canvas: int  # the columns the bars are drawn in


MAX_BAR = 8  # columns
MAX_SLOT = 14  # columns for one bar and its gap


def bar_layout(count: int, width: int, y_labels: Sequence[str]) -> BarLayout:
    # the frame (2), the y tick labels and their tick (┤)
    canvas = max(width - 2 - (max(map(len, y_labels), default=1) + 1), 10)
    slots = max(count, math.ceil(canvas / MAX_SLOT), 1)
    slot = canvas / slots
    # plotext rounds both edges to whole columns: a bar gains up to a column,
    # and a gap of 2.5 stays at least one blank column; with less room the
    # bars make one band
    bar = min((MAX_BAR - 1) / slot, 0.6, 1 - 2.5 / slot) if slot >= 3 else 1.0
    pad = (slots - count) / 2
    return BarLayout((0.5 - pad, count + 0.5 + pad), bar, canvas)


def draw_bars(plt: Any, data: Series, width: int) -> None:
    """Draw `data` as a bar chart on a plotext figure `width` columns wide:
    bounded bar widths, the x labels (thinned to fit), round y ticks, the unit."""
    plt.clear_figure()
    values = data.values or [0.0]
    ticks = nice_ticks(max(values), data.whole)
    labels = [tick_label(tick) for tick in ticks]
    layout = bar_layout(len(data.values), width, labels)
    positions = list(range(1, len(data.values) + 1))
    if data.values:
        plt.bar(positions, data.values, width=layout.bar)
    plt.xlim(*layout.xlim)
    plt.ylim(0, ticks[-1])
    plt.yticks(ticks, labels)
    plt.xticks(*thin(data.labels, layout.canvas))
    plt.ylabel(data.unit)
    plt.title(data.title)


def plotext_plots(report: Report) -> list[Widget]:
    """The three plots, drawn by textual-plotext (ImportError when it is missing)."""
    from textual_plotext import PlotextPlot

    class BarPlot(PlotextPlot):
        """A plotext bar chart laid out for the width it is rendered at."""

        def __init__(self, data: Series) -> None:
            super().__init__(classes="metrics-plot")
            self.data = data

        def render(self) -> RenderResult:
            draw_bars(self.plt, self.data, self.size.width)
            return super().render()

    return [BarPlot(data) for data in series(report)]


def fallback_plots(report: Report) -> list[Widget]:
    """The same series with Textual's own widgets: a Sparkline per week, text bars."""
    widgets: list[Widget] = []
    for data in series(report):
        title, labels, values = data.title, data.labels, data.values
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


@dataclass(frozen=True, slots=True)
class FilterText:
    """The filter form's fields as typed (the form opens with them again)."""

    since: str = ""
    until: str = ""
    service: str = ""
    severity: str = ""

    def filters(self, now: datetime, catalog: Catalog) -> Filters:
        """The Filters they mean; UsageError naming the field that is wrong."""
        severity: int | None = None
        if self.severity.strip():
            level = self.severity.strip().upper().removeprefix("SEV")
            if not level.isdigit():
                raise UsageError(f"severity: {self.severity!r} is not a level, e.g. 2 or SEV2")
            severity = int(level)
            catalog.check_severity(severity)
        return parse_filters(
            now, since=self.since, until=self.until, service=self.service, severity=severity
        )


class MetricsFilterForm(FormScreen):
    """Since, until, service, severity, as `warroom metrics` takes them; blank
    fields filter nothing.  Enter applies, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.METRICS_FILTER_KEYS)
    TITLE_TEXT = "Filter the metrics"
    HINT = "Enter applies · Tab next field · Esc cancels · blank: no filter"
    AUTO_FOCUS = "#since"

    def __init__(self, typed: FilterText, catalog: Catalog, clock: Clock) -> None:
        super().__init__()
        self.typed, self.catalog, self.clock = typed, catalog, clock

    def fields(self) -> ComposeResult:
        typed = self.typed
        label = lambda text: Static(text, classes="form-label", markup=False)  # noqa: E731
        yield label("Since (detected at or after: 2026-01-01, -30d, 10 days ago)")
        yield SafeInput(typed.since, id="since", placeholder="any time", compact=True)
        yield label("Until (detected before)")
        yield SafeInput(typed.until, id="until", placeholder="now", compact=True)
        yield label("Service (any case)")
        yield SafeInput(typed.service, id="service", placeholder="every service", compact=True)
        yield label("Severity (the current one)")
        yield SafeInput(typed.severity, id="severity", placeholder="every level", compact=True)

    def job(self) -> Callable[[], tuple[FilterText, Filters]]:
        typed = FilterText(*(self.query_one(f"#{name}", Input).value for name in FILTER_FIELDS))
        filters = typed.filters(self.clock.now(), self.catalog)
        return lambda: (typed, filters)


FILTER_FIELDS = ("since", "until", "service", "severity")


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
        self.filters = Filters()
        self.typed = FilterText()

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
        self._compute(self.filters)

    def action_filter(self) -> None:
        """The filter form; what it applies is computed at once."""
        self.app.push_screen(
            MetricsFilterForm(self.typed, self.catalog, self.clock), self._filtered
        )

    def _filtered(self, chosen: tuple[FilterText, Filters] | None) -> None:
        if chosen is not None:
            self.typed, self.filters = chosen
            self.action_refresh()

    @work(thread=True, exit_on_error=False, group="load", exclusive=True)
    def _compute(self, filters: Filters) -> None:
        try:
            incidents = self.store.incidents(include_closed=True)
            report = compute(incidents, filters, levels=self.catalog.severities)
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
            plots = plotext_plots(report)
            self.plotted_with = "plotext"
        except ImportError:
            plots = fallback_plots(report)
            self.plotted_with = "textual"
        for widget in plots:
            widget.add_class("metrics-generated")
        body.mount_all(plots, before="#metrics-repeats")

    def _repeats(self, report: Report) -> Content:
        if not report.incidents and describe_filters(report.filters):
            return Content.assemble(("No incidents match the filters.", "bold"), " f changes them.")
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
