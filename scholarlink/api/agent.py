"""The agent's HTTP surface: task intake and status, capabilities, dead letters."""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from scholarlink.agent import intake, outbox, runtime
from scholarlink.agent.auth import AuthError
from scholarlink.agent.capabilities import CAPABILITIES
from scholarlink.agent.schemas import (
    TASK_ID_MAX_LENGTH,
    TASK_ID_PATTERN,
    Accepted,
    ResultOut,
    TaskIn,
)
from scholarlink.api.deps import RowId
from scholarlink.api.errors import error_response, error_responses, field_errors, unauthorized
from scholarlink.core.settings import Settings, get_settings
from scholarlink.observability.logs import trace_id as trace_var
from scholarlink.observability.metrics import AGENT_RATE_LIMITED
from scholarlink.observability.operations import breaker_report

log = logging.getLogger(__name__)
router = APIRouter(tags=["agent"])
MAX_BODY = 256 * 1024
# Deeper JSON is refused before anything recurses into it (json.loads itself overflows Python's
# stack on a body of a few hundred KiB of brackets).
MAX_JSON_DEPTH = 64
_TASK_ID = re.compile(TASK_ID_PATTERN)


def _unauthorized() -> JSONResponse:
    return unauthorized("Missing or invalid credentials", headers={"WWW-Authenticate": "Bearer"})


def _authenticate(authorization: str | None, settings: Settings) -> str | None:
    """The verified caller, or None (the refusal logged) when the request is not authorised."""
    try:
        return intake.authenticate(authorization=authorization, settings=settings).caller
    except AuthError as exc:
        log.info("agent request refused", extra={"reason": str(exc)})
        return None


class _WindowLimiter:
    """In-memory sliding window for the unauthenticated capability listing (per client)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(hits[0] + 60 - now))
            hits.append(now)
            return 0


_capability_limiter = _WindowLimiter(per_minute=60)


@router.get(
    "/agent/capabilities",
    summary="The nine capabilities (public, rate limited)",
    responses=error_responses(429),
)
async def list_capabilities(request: Request) -> JSONResponse:
    client = request.client.host if request.client else "unknown"
    wait = _capability_limiter.retry_after(client)
    if wait:
        AGENT_RATE_LIMITED.labels("/agent/capabilities").inc()
        return error_response(
            429, "rate_limited", "Too many requests", headers={"Retry-After": str(wait)}
        )
    settings = get_settings()
    return JSONResponse(
        {
            "agent_id": settings.agent_id,
            "name": settings.agent_name,
            "capabilities": list(CAPABILITIES),
            "version": settings.version,
            "status": "disabled" if settings.bridge_mode == "disabled" else "ready",
        }
    )


def _accept(
    task: TaskIn, token: intake.InboundToken, settings: Settings
) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """Hand the task to the intake use case (one transaction, one commit); returns (status,
    body, headers), or None when the token had been used already (nothing was stored)."""
    limit = settings.agent_rate_limit_per_minute
    try:
        taken = intake.accept_task(task=task, token=token, rate_limit_per_minute=limit)
    except AuthError as exc:
        log.info("agent request refused", extra={"reason": str(exc)})
        return None
    if taken.outcome == "rate_limited":
        AGENT_RATE_LIMITED.labels("/agent/task").inc()
        return (
            429,
            {
                "error": {
                    "code": "rate_limited",
                    "message": f"At most {limit} tasks per minute",
                }
            },
            {"Retry-After": str(taken.retry_after)},
        )
    if taken.outcome == "conflict":
        return (
            409,
            {
                "error": {
                    "code": "conflict",
                    "message": "This task_id was already accepted with a different body",
                }
            },
            {},
        )
    assert taken.task is not None
    return 202, taken.task.model_dump(), {}


def _spent(token: intake.InboundToken) -> bool:
    """Spend the token of a request refused for its body; False when it had been used already."""
    try:
        intake.spend_token(token=token)
    except AuthError as exc:
        log.info("agent request refused", extra={"reason": str(exc)})
        return False
    return True


def _inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its `$defs` substituted in place: embedded in the OpenAPI
    document, a `#/$defs/...` reference would point at the document's root and resolve nowhere
    (clients and fuzzers then see no usable body at all)."""
    defs = schema.get("$defs", {})

    def substitute(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return substitute(defs[ref.removeprefix("#/$defs/")])
            return {k: substitute(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [substitute(v) for v in node]
        return node

    result: dict[str, Any] = substitute(schema)
    return result


@router.post(
    "/agent/task",
    status_code=202,
    summary="Accept a task from the Command Center",
    response_model=Accepted,
    responses=error_responses(401, 409, 413, 422, 429, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_defs(TaskIn.model_json_schema())}},
        }
    },
)
async def post_task(request: Request) -> JSONResponse:
    settings = get_settings()
    try:
        # Signature and claims only (no database, no thread): the token's id is spent with the
        # task, in its transaction, or on its own when the body is refused.
        token = intake.verify_token(
            authorization=request.headers.get("authorization"), settings=settings
        )
    except AuthError as exc:
        log.info("agent request refused", extra={"reason": str(exc)})
        return _unauthorized()
    task = await _task_of(request, settings)
    if isinstance(task, JSONResponse):
        return task if await run_in_threadpool(_spent, token) else _unauthorized()
    trace = trace_var.set(task.trace_id)
    try:
        accepted = await run_in_threadpool(_accept, task, token, settings)
    finally:
        trace_var.reset(trace)
    if accepted is None:
        return _unauthorized()
    status, body, headers = accepted
    if status == 202:
        if runtime.RUNTIME is not None:
            runtime.RUNTIME.notify_task()
        log.info(
            "agent task accepted",
            extra={
                "task_id": task.task_id,
                "action": task.action,
                "trace_id": task.trace_id,
                # The caller's W3C span, when it sent one, joins our logs to its trace.
                "traceparent": _traceparent(request.headers.get("traceparent")),
            },
        )
    return JSONResponse(body, status_code=status, headers=headers)


async def _task_of(request: Request, settings: Settings) -> TaskIn | JSONResponse:
    """The request's task, or the response refusing its body (nothing stored)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return error_response(413, "payload_too_large", f"The body is over {MAX_BODY // 1024} KiB")
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BODY:
            return error_response(
                413, "payload_too_large", f"The body is over {MAX_BODY // 1024} KiB"
            )
    message = "The body is not valid JSON"
    problem: str | None
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        data, problem = None, f"nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN or ±Infinity
        data, problem = None, str(exc)[:200]
    else:
        message, problem = "The body cannot be stored", _json_problem(data)
    if problem is not None:
        return error_response(
            422, "validation_error", message, [{"field": "body", "message": problem}]
        )
    if not isinstance(data, dict):
        return error_response(
            422,
            "validation_error",
            "The body must be a JSON object",
            [{"field": "body", "message": "expected an object"}],
        )
    try:
        task = TaskIn.model_validate(data)
    except ValidationError as exc:
        return error_response(
            422, "validation_error", "The task is not valid", field_errors(exc.errors())
        )
    if task.action not in CAPABILITIES:
        return error_response(
            422,
            "unknown_action",
            f"Unknown action {task.action!r}",
            [{"field": "action", "message": "one of " + ", ".join(CAPABILITIES)}],
        )
    if not settings.callback_allowed(task.reply_to):
        parsed = urlparse(task.reply_to)
        where = f"{parsed.hostname}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}"
        return error_response(
            422,
            "reply_to_not_allowed",
            "reply_to points at a host that is not allowed",
            [{"field": "reply_to", "message": f"{where} is not allowed"}],
        )
    return task


_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def _traceparent(value: str | None) -> str | None:
    """A well-formed W3C traceparent header, else None (never logged as given)."""
    return value if value and _TRACEPARENT.match(value.strip().lower()) else None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is out of range")
    return value


def _json_problem(data: Any) -> str | None:
    """What makes a parsed body unstorable, if anything: nesting deeper than MAX_JSON_DEPTH, or a
    NUL character in a key or string (PostgreSQL text cannot hold one)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "text must not contain NUL characters"
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    return "text must not contain NUL characters"
                stack.append((item, depth + 1))
    return None


@router.get(
    "/agent/tasks/{task_id}",
    summary="A task's current Result",
    response_model=ResultOut,
    responses=error_responses(401, 404),
)
async def get_task(task_id: str, request: Request) -> JSONResponse:
    settings = get_settings()
    if (
        await run_in_threadpool(_authenticate, request.headers.get("authorization"), settings)
        is None
    ):
        return _unauthorized()
    if len(task_id) > TASK_ID_MAX_LENGTH or not _TASK_ID.fullmatch(task_id):
        # No task could have been accepted under this id; it must not reach the database either
        # (PostgreSQL refuses NUL characters).
        return error_response(404, "not_found", "No such task")
    view = await run_in_threadpool(intake.task_result, task_id=task_id)
    if view is None:
        return error_response(404, "not_found", "No such task")
    return JSONResponse(view.model_dump(exclude_unset=True))


@router.get(
    "/api/agent/dead-letters",
    summary="Outbound messages that gave up",
    responses=error_responses(401),
)
async def list_dead_letters(request: Request) -> JSONResponse:
    if (
        await run_in_threadpool(_authenticate, request.headers.get("authorization"), get_settings())
        is None
    ):
        return _unauthorized()
    letters = await run_in_threadpool(outbox.list_dead_letters)
    return JSONResponse({"dead_letters": [m.model_dump() for m in letters]})


@router.post(
    "/api/agent/dead-letters/{outbox_id}/replay",
    summary="Deliver a dead letter again",
    responses=error_responses(401, 404),
)
async def replay_dead_letter(outbox_id: RowId, request: Request) -> JSONResponse:
    if (
        await run_in_threadpool(_authenticate, request.headers.get("authorization"), get_settings())
        is None
    ):
        return _unauthorized()
    view = await run_in_threadpool(outbox.replay_dead_letter, outbox_id=outbox_id)
    if view is None:
        return error_response(404, "not_found", "No dead letter with this id")
    if runtime.RUNTIME is not None:
        runtime.RUNTIME.outbox_wake.set()
    return JSONResponse(view.model_dump())


@router.get(
    "/api/agent/reliability",
    summary="Circuit breakers with their destinations and last errors (operator JWT)",
    responses=error_responses(401),
)
async def reliability_details(request: Request) -> JSONResponse:
    if (
        await run_in_threadpool(_authenticate, request.headers.get("authorization"), get_settings())
        is None
    ):
        return _unauthorized()
    return JSONResponse(breaker_report(details=True))
