"""Command keys that keep up with fast typing.

Textual hands a key to the focused widget as it arrives and runs a binding
only when that widget passes the key up.  Keys typed right after `n` (or `d`,
`/`) would reach the old focus before the note line (or the declare form) has
opened, and be lost or taken as commands; keys typed right after Esc would go
into the box it closes.  So the keys that open something to type into, and
Esc that closes it, are priority bindings (keys.py): they run as soon as they
arrive and move the focus at once, and the next keys go where they lead.

While a text box has the focus, the priority keys that type a character
stand aside (`check_action` says no) and are typed into the box; Esc does not
(unless the config file's [keys] moved it to a key that types).
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from textual.binding import Binding
from textual.keys import key_to_character
from textual.screen import Screen
from textual.widgets import Input

from warroom.tui.context import warroom_app

# Key names textual.keys.key_to_character does not turn into their character.
_CHARACTERS = {"slash": "/", "plus": "+"}


class TypeAhead:
    """Mixed into a screen with priority command keys (see the module)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        screen = cast("Screen[Any]", self)
        if not isinstance(screen.focused, Input):
            return True
        overrides = warroom_app(screen).key_overrides
        return action not in _typed_actions(type(self), frozenset(overrides.items()))


def types_a_character(key: str) -> bool:
    """Would this key (a binding's key name) type a character into a text box?"""
    character = _CHARACTERS.get(key) or key_to_character(key)
    return character is not None and character.isprintable()


@cache
def _typed_actions(
    screen_class: type[Any], overrides: frozenset[tuple[str, str]]
) -> frozenset[str]:
    """The actions a screen class binds with priority to keys that type, with
    the keys in force (`overrides`: binding id -> keys, from [keys])."""
    keys_of = dict(overrides)
    return frozenset(
        binding.action.split("(", 1)[0]
        for cls in screen_class.__mro__
        for binding in getattr(cls, "BINDINGS", ())
        if isinstance(binding, Binding)
        and binding.priority
        and any(
            types_a_character(key.strip())
            for key in keys_of.get(binding.id or "", binding.key).split(",")
        )
    )
