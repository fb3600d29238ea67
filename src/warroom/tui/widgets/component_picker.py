"""The status page's components as a list to pick their states from (the
stakeholder update to customers): one row per component of `[statuspage]`,
showing the state this update gives it, "no change" until one is picked,
and beside it (dim) the state this incident's last customers updates gave it.

Right (or +) moves the highlighted component's state one step worse, left
(or -) one step better (from "no change": right gives the state the
severity proposes, left operational), `p` gives it the state the severity proposes, and
Backspace (or 0) takes the pick back.  The severity only proposes: nothing is
set until a key sets it.  Enter posts the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import BindingType
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.core.statuspage.config import COMPONENT_STATES, Component
from warroom.tui import keys
from warroom.tui.safe import safe_line

NAME_WIDTH = 24
STATE_LOOKS = {
    "operational": "green",
    "under_maintenance": "blue",
    "degraded_performance": "yellow",
    "partial_outage": "dark_orange",
    "major_outage": "bold red",
}


class ComponentPicker(OptionList):
    """The components with the state picked for each (`value`: id -> state)."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.COMPONENT_PICKER_KEYS)

    def __init__(
        self, components: Sequence[Component], proposed: str, id: str | None = None
    ) -> None:
        self.components = tuple(components)
        self.proposed = proposed
        self.picked: dict[str, str] = {}
        self.current: dict[str, str] = {}  # what this incident last set (shown, not sent)
        super().__init__(*(self._option(c) for c in self.components), id=id)
        self.highlighted = 0 if self.components else None

    @property
    def value(self) -> dict[str, str]:
        """{component id: state} for the components given a state, in config order."""
        return {c.id: self.picked[c.id] for c in self.components if c.id in self.picked}

    def _option(self, component: Component) -> Option:
        return Option(self._prompt(component), id=component.id)

    def _prompt(self, component: Component) -> Content:
        name = safe_line(component.name, NAME_WIDTH)
        padding = " " * max(1, NAME_WIDTH + 2 - len(name.plain))
        state = self.picked.get(component.id)
        if state is None:
            shown = Content.styled("no change", "dim")
        else:
            shown = Content.styled(state, STATE_LOOKS[state])
        now = self.current.get(component.id)
        if now is None:
            return Content.assemble(name, padding, shown)
        return Content.assemble(name, padding, shown, Content.styled(f"  (now {now})", "dim"))

    def show_current(self, states: dict[str, str]) -> None:
        """Show beside each component the state this incident last gave it."""
        self.current = {c.id: states[c.id] for c in self.components if c.id in states}
        for index, component in enumerate(self.components):
            self.replace_option_prompt_at_index(index, self._prompt(component))

    def set_state(self, component_id: str, state: str | None) -> None:
        """Give `component_id` the state `state` (None: no change)."""
        if state is None:
            self.picked.pop(component_id, None)
        else:
            self.picked[component_id] = state
        for index, component in enumerate(self.components):
            if component.id == component_id:
                self.replace_option_prompt_at_index(index, self._prompt(component))

    def _current(self) -> Component | None:
        if self.highlighted is None or not self.components:
            return None
        return self.components[self.highlighted]

    def _step(self, by: int) -> None:
        component = self._current()
        if component is None:
            return
        state = self.picked.get(component.id)
        if state is None:  # worse starts from the proposal, better from operational
            self.set_state(component.id, self.proposed if by > 0 else COMPONENT_STATES[0])
            return
        index = COMPONENT_STATES.index(state) + by
        self.set_state(
            component.id, COMPONENT_STATES[max(0, min(index, len(COMPONENT_STATES) - 1))]
        )

    def action_worse(self) -> None:
        self._step(1)

    def action_better(self) -> None:
        self._step(-1)

    def action_proposed(self) -> None:
        component = self._current()
        if component is not None:
            self.set_state(component.id, self.proposed)

    def action_unchanged(self) -> None:
        component = self._current()
        if component is not None:
            self.set_state(component.id, None)
