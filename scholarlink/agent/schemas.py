"""The wire shapes of the agent contract."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlparse

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

TaskStatus = Literal["accepted", "in_progress", "succeeded", "failed", "rejected", "canceled"]
TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "rejected", "canceled"})

TASK_ID_PATTERN = r"^[A-Za-z0-9._:\-]+$"
TASK_ID_MAX_LENGTH = 200
# Text stored in VARCHAR columns: no control characters (PostgreSQL refuses NUL outright).
TEXT_PATTERN = r"^[^\x00-\x1F\x7F]+$"
# A URL: no control characters and no spaces.
URL_PATTERN = r"^[^\x00-\x20\x7F]+$"


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: int = Field(default=0, ge=-100, le=100)
    timeout_ms: int = Field(default=30_000, ge=100, le=600_000)
    retry: int = Field(default=0, ge=0, le=10)


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    task_id: str = Field(min_length=1, max_length=TASK_ID_MAX_LENGTH, pattern=TASK_ID_PATTERN)
    action: str = Field(min_length=1, max_length=100, pattern=TEXT_PATTERN)
    payload: dict[str, Any]
    reply_to: str = Field(min_length=1, max_length=2000, pattern=URL_PATTERN)
    trace_id: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)
    requested_by: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)
    resources: Resources | None = None

    @field_validator("reply_to")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_callback_url(v)


def check_callback_url(v: str) -> str:
    """A URL the outbox can always send to: http(s), a host, a port that parses (in range), no
    credentials, no fragment, and one that the HTTP client itself accepts."""
    try:
        parsed = urlparse(v)
        port = parsed.port  # raises on "host:9401:80" or a port out of range
    except ValueError:
        raise ValueError("must be an http(s) URL with a valid host and port") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("must be an http(s) URL")
    if port == 0:
        raise ValueError("must be an http(s) URL with a valid host and port")
    if parsed.username is not None or parsed.password is not None:
        raise ValueError("must not carry credentials")
    if parsed.fragment:
        raise ValueError("must not have a fragment")
    try:
        httpx.URL(v)
    except (httpx.InvalidURL, ValueError):
        raise ValueError("must be an http(s) URL the client can send to") from None
    return v


class ErrorOut(BaseModel):
    code: str
    message: str
    details: Any = None


class ResultOut(BaseModel):
    task_id: str
    status: TaskStatus
    result: dict[str, Any] | None = None
    error: ErrorOut | None = None
    trace_id: str


class Accepted(BaseModel):
    task_id: str
    status: TaskStatus
    trace_id: str
