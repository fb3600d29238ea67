"""Every error as JSON `{"error": CODE, "detail": TEXT}`, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from warroom.core.errors import (
    Conflict,
    NotFound,
    Refused,
    StoreUnavailable,
    UsageError,
    WarroomError,
)
from warroom.core.limits import EVENT_DATA_MAX, EventTooLarge
from warroom.server.health import public_reason
from warroom.server.limits import EVENT_BODY_MAX
from warroom.server.models import ErrorBody

log = logging.getLogger("warroom.server")

BEARER_CHALLENGE = 'Bearer realm="warroom"'

# WarroomError subclass -> (status, code); the first match wins.
_DOMAIN: tuple[tuple[type[WarroomError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (EventTooLarge, 413, "too_large"),
    (Conflict, 422, "conflict"),
    (Refused, 422, "refused"),
    (UsageError, 422, "invalid"),
)
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "in_progress",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal",
    503: "unavailable",
}
_DESCRIPTIONS = {
    401: "no token, or an unknown or revoked one (with WWW-Authenticate)",
    403: "the token's role is too low",
    404: "no such incident (or token)",
    409: "an event with this id is still being written; retry",
    413: f"the body is over {EVENT_BODY_MAX // 1024 // 1024} MiB, or an event's data over "
    f"{EVENT_DATA_MAX // 1024} kB",
    422: "bad input (naming the field), an event validate refused, or a conflicting id",
    500: "an internal error (details are in the server's log only)",
    503: "the store is unavailable (`storage_full`: its disk is full); retry later",
}


def code_for(status: int) -> str:
    return _CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))


# Every error answer is inert in a browser: never sniffed as HTML, no script,
# no framing (the detail may echo what the request named).
ERROR_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def error_response(
    status: int, detail: str, code: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": code or code_for(status), "detail": detail},
        status_code=status,
        headers={**ERROR_HEADERS, **(headers or {})},
    )


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status with the error body."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS.get(status, "an error")}
        for status in (*statuses, 500, 503)
    }


def describe_validation(error: RequestValidationError) -> str:
    """The first problem, naming the field (`body.data`, `query.wait`, ...)."""
    problems = error.errors()
    if not problems:
        return "invalid request"
    first = problems[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "request"
    message = str(first.get("msg", "invalid"))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {message}{more}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(422, describe_validation(error))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail
        if not isinstance(detail, str):
            detail = HTTPStatus(error.status_code).phrase
        if error.status_code == 400:  # FastAPI's "error parsing the body": bad input too
            return error_response(422, f"body: {detail.lower()} (send UTF-8 JSON)")
        return error_response(error.status_code, detail, headers=error.headers)

    @app.exception_handler(WarroomError)
    async def _domain(request: Request, error: WarroomError) -> JSONResponse:
        if isinstance(error, StoreUnavailable):  # its text names the file: for the log only
            code, reason = public_reason(error)
            request.app.state.health.noted(error)
            return error_response(503, f"{reason}; nothing was stored, retry later", code)
        for kind, status, code in _DOMAIN:
            if isinstance(error, kind):
                return error_response(status, str(error), code)
        return error_response(422, str(error), "invalid")

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, error: OverflowError) -> JSONResponse:
        # A time in an event's data that cannot be converted to UTC (year 1 at
        # +05:00): bad input, not a server fault.
        log.warning("out of range input on %s %s", request.method, request.url.path)
        return error_response(422, "a time or number in the request is out of range")

    @app.exception_handler(Exception)
    async def _internal(request: Request, error: Exception) -> JSONResponse:
        # Starlette re-raises after this response, so uvicorn logs the trace.
        log.error("internal error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; the server's log has the details")
