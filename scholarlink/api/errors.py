"""One error body for every JSON route: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from scholarlink.core.db import DatabaseUnavailable, describe_db_error
from scholarlink.core.errors import ServiceError

log = logging.getLogger(__name__)
# How long a caller should wait before trying again while the database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 5


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The one error shape of every JSON route (documented as such in the OpenAPI schema)."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error statuses that answer with `ErrorBody`."""
    return {
        status: {"model": ErrorBody, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


# The one code of every 401 (the agent contract's, which the Command Center reads).
UNAUTHORIZED = "unauthorized"


def unauthorized(message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """401: the caller is not signed in or its credentials do not verify."""
    return error_response(401, UNAUTHORIZED, message, headers=headers)


def field_errors(errors: Any) -> list[dict[str, str]]:
    """Pydantic errors as [{field, message}] with the location inside the request body."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        out.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
    return out


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            422, "validation_error", "The request is not valid", field_errors(exc.errors())
        )

    @api.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    async def _database_down(_: Request, exc: Exception) -> JSONResponse:
        # A transient outage (restart, failover, network): a retryable 503 in the usual envelope,
        # not a bare 500, so the Command Center and other callers retry what was not accepted.
        log.warning("database unavailable", extra={"error": describe_db_error(exc)})
        return error_response(
            503,
            "database_unavailable",
            "The database is unavailable; try again shortly.",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )

    api.add_exception_handler(OperationalError, _database_down)
    api.add_exception_handler(DatabaseUnavailable, _database_down)

    @api.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(
            exc.status_code, "http_error", str(exc.detail), headers=getattr(exc, "headers", None)
        )
