"""Command keys that keep up with fast typing.

Textual hands a key to the focused widget as it arrives and runs a binding
only when that widget passes the key up.  Keys typed right after `n` (or `d`,
`/`) would reach the old focus before the note line (or the declare form) has
opened, and be lost or taken as commands; keys typed right after Esc would go
into the box it closes.  So the keys that open something to type into, and
Esc that closes it, are priority bindings (keys.py): they run as soon as they
arrive and move the focus at once, and the next keys go where they lead.

While a text box has the focus, the priority keys that type a character
stand aside (`check_action` says no) and are typed into the box; Esc does not.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from textual.binding import Binding
from textual.keys import key_to_character
from textual.widgets import Input, TextArea

# Key names textual.keys.key_to_character does not turn into their character.
_CHARACTERS = {"slash": "/", "plus": "+", "minus": "-"}


class TypeAhead:
    """Mixed into a screen with priority command keys (see the module)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused = getattr(self, "focused", None)
        typing = isinstance(focused, (Input, TextArea))
        return not (typing and action in _typed_actions(type(self)))


def types_a_character(key: str) -> bool:
    """Would this key (a binding's key name) type a character into a text box?"""
    character = _CHARACTERS.get(key) or key_to_character(key)
    return character is not None and character.isprintable()


@cache
def _typed_actions(screen_class: type[Any]) -> frozenset[str]:
    """The actions a screen class binds with priority to keys that type."""
    return frozenset(
        binding.action.split("(", 1)[0]
        for cls in screen_class.__mro__
        for binding in getattr(cls, "BINDINGS", ())
        if isinstance(binding, Binding)
        and binding.priority
        and any(types_a_character(key.strip()) for key in binding.key.split(","))
    )
