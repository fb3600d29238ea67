"""An option list whose options are picked by a key: a role by its first
letter, a severity by its digit, an audience by its initial.  Enter with
nothing highlighted posts `NothingPicked` (the form then says what to choose).

Each option may have one pick key (a printable character).  Pressing it
highlights the next option with that key after the highlighted one (several
options sharing a key take turns); Enter then chooses as usual.  A key no
option has is passed on (the form's own bindings, or nothing).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.tui.messages import NothingPicked


class PickList(OptionList):
    """`OptionList` with a pick key per option (`picks`: option id -> key)."""

    def __init__(
        self,
        *options: Option,
        picks: Mapping[str, str] | None = None,
        highlighted: int | None = 0,
        id: str | None = None,
    ) -> None:
        super().__init__(*options, id=id)
        self.picks: dict[str, str] = {k: v.lower() for k, v in (picks or {}).items()}
        # set as it is built (None: nothing): keys typed in a burst after the
        # form's key may arrive before the form's on_mount
        self.highlighted = highlighted

    def pick(self, key: str) -> bool:
        """Highlight the next option picked by `key`; False if none is."""
        key = key.lower()
        matches = [
            index
            for index, option in enumerate(self.options)
            if not option.disabled and option.id is not None and self.picks.get(option.id) == key
        ]
        if not matches:
            return False
        current = -1 if self.highlighted is None else self.highlighted
        later = [index for index in matches if index > current]
        self.highlighted = (later or matches)[0]
        return True

    def action_select(self) -> None:
        if self.highlighted is None:
            self.post_message(NothingPicked())
        else:
            super().action_select()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isprintable() and self.pick(event.character):
            event.stop()
            event.prevent_default()
