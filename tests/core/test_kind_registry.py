"""The registry of event kinds: every registered kind has every facet, and its
sample data validates, folds, describes itself and shows in the timeline with
its category's look.  A kind nobody registered is kept and shown as unknown."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest
from pydantic import BaseModel
from textual.app import App, ComposeResult

from tests.core.builder import SAMPLES, Log, ready_for
from warroom.core import kinds as registry
from warroom.core.catalog import Catalog
from warroom.core.describe import describe
from warroom.core.events import Event
from warroom.core.fold import fold
from warroom.core.kinds import (
    CATEGORIES,
    KIND_LABELS,
    KIND_NAME,
    KINDS,
    LABEL_MAX,
    LOG_KINDS,
    KindData,
    KindSpec,
    check_data,
    data_model,
    kind_label,
    kinds_in,
)
from warroom.core.kinds.base import unchanged
from warroom.tui.widgets import timeline as timeline_module
from warroom.tui.widgets.timeline import UNKNOWN_LOOK, TimelineView, kind_look

ALL_KINDS = sorted(KINDS)
# Counters every event moves; the rest of the state is what a fold step changes.
COUNTERS = {"event_count", "last_seq", "last_gseq", "updated_at"}


def sampled(kind: str) -> tuple[Log, Event]:
    """A log whose last event is `kind`'s sample, appended as a store would (validated)."""
    log = Log() if kind == "declared" else ready_for(kind)
    return log, log.add(kind, SAMPLES[kind], actor="carol")


def state_of(log: Log, upto: int | None = None) -> dict[str, Any]:
    """The state folded from the log's first `upto` events, counters left out."""
    state = dataclasses.asdict(fold(log.events[:upto], log.catalog))
    return {key: value for key, value in state.items() if key not in COUNTERS}


# -- every facet --------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_has_every_facet(kind: str) -> None:
    spec = KINDS[kind]
    assert isinstance(spec, KindSpec)
    assert spec.name == kind and KIND_NAME.match(kind)
    assert issubclass(spec.model, KindData)
    model = data_model(kind)  # the declaration made a pydantic model, once
    assert issubclass(model, BaseModel) and data_model(kind) is model
    declared = [
        name
        for cls in reversed(spec.model.__mro__)
        if issubclass(cls, KindData) and cls is not KindData
        for name in inspect.get_annotations(cls)
    ]
    assert list(model.model_fields) == list(dict.fromkeys(declared))
    assert model.model_config.get("extra") == "forbid" and model.model_config.get("frozen")
    assert isinstance(spec.label, str) and 0 < len(spec.label) <= LABEL_MAX
    assert isinstance(spec.description, str) and spec.description.strip()
    assert "\n" not in spec.description
    assert spec.category in CATEGORIES
    for step in (spec.check, spec.fold, spec.describe):
        assert callable(step)
    assert isinstance(spec.loggable, bool)
    assert KIND_LABELS[kind] == kind_label(kind) == spec.label


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(KINDS), "add a sample of the new kind to tests/core/builder.py"


def test_every_category_is_used_and_log_kinds_come_from_the_registry() -> None:
    assert {spec.category for spec in KINDS.values()} == set(CATEGORIES)
    assert LOG_KINDS == ("note", "finding", "action", "decision")
    assert kinds_in("status", "severity") == {"status_changed", "severity_changed"}


# -- samples validate, fold and describe themselves ----------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_validates_folds_and_describes_itself(kind: str) -> None:
    log, event = sampled(kind)
    spec = KINDS[kind]
    assert event.data == check_data(kind, SAMPLES[kind])
    assert log.state().event_count == len(log.events)
    before = state_of(log, -1) if kind != "declared" else {}
    after = state_of(log)
    if spec.fold is unchanged:
        assert after == before
    else:
        assert after != before, f"folding {kind} changed nothing"
    line = describe(event)
    assert line.strip()
    assert line != f"{kind} {event.data}"  # not the fallback of an unknown kind


# -- the timeline -------------------------------------------------------------


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield TimelineView(Catalog.default(), id="timeline")


def test_every_category_has_a_look_in_the_timeline() -> None:
    assert set(timeline_module._CATEGORY_ICONS) == set(CATEGORIES)
    assert set(timeline_module._ICON_VARIANTS) <= set(KINDS)  # no stale variants
    assert set(timeline_module._KIND_LOOK_VARIANTS) <= set(KINDS)
    looks = (
        *CATEGORIES,
        *timeline_module._KIND_LOOK_VARIANTS.values(),
        timeline_module.ALERT_CRITICAL_LOOK,
        timeline_module.ALERT_REOPENED_LOOK,
        UNKNOWN_LOOK,
    )
    for look in looks:
        assert f"timeline--kind-{look}" in TimelineView.COMPONENT_CLASSES
        assert f".timeline--kind-{look} {{" in TimelineView.DEFAULT_CSS


async def test_every_kind_renders_in_the_timeline_with_its_look() -> None:
    events = {kind: sampled(kind)[1] for kind in ALL_KINDS}
    custom = Log()
    custom.declare()
    events["zzz_custom"] = custom.add("zzz_custom", {"anything": [1, 2]})
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        timeline = pilot.app.query_one(TimelineView)
        timeline.load(list(events.values()))
        await pilot.pause()
        palette = timeline._styles()
        unknown_style = palette.kinds[UNKNOWN_LOOK]
        for kind, event in events.items():
            look = kind_look(kind)
            text = timeline._render_row(event, 120).text
            assert f" {look.icon} {look.label[: LABEL_MAX - 1]}" in text, (kind, text)
            assert describe(event)[:20] in text
            if kind == "zzz_custom":
                assert (look.icon, look.look, look.label) == ("?", UNKNOWN_LOOK, "zzz_custom")
            else:
                category = KINDS[kind].category
                assert look.look == timeline_module._KIND_LOOK_VARIANTS.get(kind, category)
                assert look.look != UNKNOWN_LOOK
                assert look.icon != "?"
                assert palette.kinds[look.look] != unknown_style, kind


# -- a kind nobody registered ----------------------------------------------------


def test_an_unregistered_kind_is_kept_and_shown_as_unknown() -> None:
    log = Log()
    log.declare()
    before = state_of(log)
    event = log.add("zzz_custom", {"anything": [1, 2]})
    assert event.data == {"anything": [1, 2]}  # kept as sent
    assert state_of(log) == before and log.state().event_count == 2
    assert describe(event) == "zzz_custom {'anything': [1, 2]}"
    assert kind_label("zzz_custom") == "zzz_custom"
    assert kind_look("zzz_custom").look == UNKNOWN_LOOK


# -- the registry guards itself --------------------------------------------------


def _spec(**change: Any) -> KindSpec:
    facets = dataclasses.asdict(KINDS["note"]) | change
    return KindSpec(**facets)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Not-A-Kind"},
        {"category": "sparkles"},
        {"label": ""},
        {"label": "x" * (LABEL_MAX + 1)},
        {"description": "two\nlines"},
    ],
)
def test_a_bad_entry_is_refused_at_import(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _spec(**change)


def test_a_kind_declared_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_FAMILIES", (registry.entries, registry.entries))
    with pytest.raises(ValueError, match="declared twice"):
        registry._registry()
