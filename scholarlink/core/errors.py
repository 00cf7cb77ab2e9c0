"""The one error type at the service boundary; the UI shows `message`, the API maps `code`."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_error"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class InsufficientCredits(ServiceError):
    status = 402
    code = "insufficient_credits"


class Unavailable(ServiceError):
    status = 503
    code = "unavailable"
