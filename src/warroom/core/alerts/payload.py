"""An alert payload's bytes read as JSON, the same for every face (the
server's webhooks answer 400, `warroom alert ingest` says it in one line):
strict JSON (no NaN or Infinity, which Python reads and JSON does not), at
most PAYLOAD_MAX bytes.  Pure."""

from __future__ import annotations

import json
from typing import Any

PAYLOAD_MAX = 10 * 1024 * 1024  # bytes of one alert payload (the server answers 413 beyond)


class NotJSON(ValueError):
    """A payload that is not JSON; the message says why, to follow "body: "
    or "the payload is "."""


def decode_payload(raw: bytes) -> Any:
    """`raw` as JSON; NotJSON saying why not (empty, not JSON, NaN, too deep)."""
    if not raw.strip():
        raise NotJSON("empty; send the alert payload as JSON")
    try:
        return json.loads(raw, parse_constant=_not_a_number)
    except NotJSON:
        raise
    except RecursionError:
        raise NotJSON("not JSON a program can read: nested too deeply") from None
    except UnicodeDecodeError as error:
        raise NotJSON(f"not UTF-8 JSON ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise NotJSON(
            f"not JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except ValueError as error:  # a number too long to read
        raise NotJSON(f"not JSON ({_first_line(error)})") from None


def _not_a_number(name: str) -> Any:
    raise NotJSON(f"not JSON ({name} is not a JSON number)")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__
