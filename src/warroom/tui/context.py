"""The app, typed, for the screens and providers that need more of it than
Textual's `App` offers (the store's settings, the connection, the drafts,
opening a room): every warroom screen runs in a `WarroomApp`."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp


def warroom_app(node: DOMNode) -> WarroomApp:
    """`node.app` as the WarroomApp it is."""
    return cast("WarroomApp", node.app)
