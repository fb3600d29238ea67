"""The errors warroom reports to people: each carries one clear line."""

from __future__ import annotations


class WarroomError(Exception):
    """An error with a message meant for the person at the terminal."""


class UsageError(WarroomError):
    """The command was given bad input (exit status 2)."""


class Refused(WarroomError):
    """`validate` refused an event: it is not stored."""


class NotFound(WarroomError):
    """No incident (or event) matches the reference given."""


class Conflict(WarroomError):
    """An event id that is already stored arrived with different content."""


class StoreUnavailable(WarroomError):
    """The store cannot be opened or reached."""


class StorageFull(StoreUnavailable):
    """The store cannot write: its disk (or its size limit) is full.  Nothing is lost."""


class NothingChanged(Refused):
    """A write asked for what is already so (the role holder, the severity...):
    not an error to a person (`nothing changed`, exit 0), and nothing is written.
    A Refused, so a store receiving such an event anyway still refuses it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"nothing changed: {reason}")
        self.reason = reason
