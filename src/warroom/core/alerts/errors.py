"""The one error a source's payload can raise: `BadPayload`, naming the field."""

from __future__ import annotations


class BadPayload(ValueError):
    """A payload that is not the documented shape: `detail` says what is wrong,
    `field` where (`alerts[2].startsAt`, `payload.severity`; "body" for the
    whole).  The server answers 422 with both; the CLI prints them."""

    def __init__(self, detail: str, field: str = "body") -> None:
        super().__init__(f"{field}: {detail}")
        self.detail = detail
        self.field = field
