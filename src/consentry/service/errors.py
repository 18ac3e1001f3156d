"""One error shape for every response: ``{"error": {"code", "message"}}``.

Library errors (:class:`ConsentryError`) keep their stable code; the status comes from
:data:`STATUS_BY_CODE`. FastAPI's own 404/405/422 and anything unexpected are reshaped the
same way. Messages of unexpected errors are never sent or logged: they may quote data.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from consentry.errors import ConsentryError

log = logging.getLogger("consentry.service")

STATUS_BY_CODE: Mapping[str, int] = {
    "case-not-found": 404,
    "case-locked": 429,
    "too-many-fingerprints": 422,
    "invalid-fingerprint": 422,
    "case-withdrawn": 409,
    "unknown-bank": 404,
    "unknown-entry": 404,
    "bank-exists": 409,
    "invalid-bank-name": 422,
    "invalid-radius": 422,
    "invalid-kind": 422,
    "invalid-entry": 422,
    "invalid-action": 422,
    "partner-exists": 409,
    "unknown-partner": 404,
    "invalid-partner": 422,
    "invalid-scope": 422,
    "unknown-format": 422,
    "file-too-large": 413,
    "unreadable-file": 422,
    "invalid-cursor": 422,
    "invalid-limit": 422,
    "invalid-verdict": 422,
    "unknown-decision": 404,
    "not-pending": 409,
    "store-unreadable": 503,
}

_HTTP_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    429: "rate-limited",
}
# What FastAPI raises (as a 400) for a body that is not JSON at all.
_BODY_PARSE_ERROR = "There was an error parsing the body"


class ApiError(Exception):
    """An error response decided by the service itself."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def internal_error_response() -> JSONResponse:
    return error_response(500, "internal", "internal error; it has been logged")


def log_unexpected(error: BaseException, where: str) -> None:
    """Type and stack of an unexpected error, never its message (it may quote data)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unexpected %s in %s\n%s", type(error).__name__, where, frames)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(ConsentryError)
    async def _consentry_error(_request: Request, exc: ConsentryError) -> JSONResponse:
        status = STATUS_BY_CODE.get(exc.code, 400)
        headers = None
        if status == 429:
            retry_after = getattr(exc, "retry_after", None)
            headers = {"Retry-After": str(retry_after if isinstance(retry_after, int) else 60)}
        return error_response(status, exc.code, exc.message, headers)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _BODY_PARSE_ERROR:
            return error_response(422, "invalid-request", "the body is not valid JSON")
        code = _HTTP_CODES.get(exc.status_code, "http-error")
        message = exc.detail if isinstance(exc.detail, str) else code
        return error_response(exc.status_code, code, message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid-request", describe_validation(exc))

    @app.exception_handler(OperationalError)
    async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log_unexpected(exc, "database")
        return error_response(503, "unavailable", "the database is unavailable; retry later")


def describe_validation(exc: RequestValidationError) -> str:
    """The first few problems as ``where: what``, without echoing the input values."""
    parts = []
    for problem in exc.errors()[:5]:
        where = ".".join(str(step) for step in problem.get("loc", ()) if step != "body")
        parts.append(f"{where or 'body'}: {problem.get('msg', 'invalid')}")
    more = len(exc.errors()) - len(parts)
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts) or "invalid request"
