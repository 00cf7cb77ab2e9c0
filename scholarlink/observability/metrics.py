"""Prometheus metrics. Every metric the app exports is declared here, once."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.engine import Engine

from scholarlink.core.breakers import watch_breakers

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_QUERY_DURATION = Histogram(
    "db_query_duration_seconds",
    "Database statement latency",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
DB_QUERY_ERRORS = Counter("db_query_errors_total", "Database statements that raised")
AI_OPERATIONS = Counter(
    "ai_operations_total", "AI operations", ["operation", "provider", "outcome"]
)
AI_DURATION = Histogram(
    "ai_operation_duration_seconds", "AI operation latency", ["operation", "provider"]
)
AI_COST = Counter("ai_operation_cost_credits", "Credits charged for AI operations", ["operation"])
AI_TOKENS = Counter("ai_tokens_total", "Model tokens used", ["provider", "kind"])
MAIL_MESSAGES = Counter(
    "mail_messages_total",
    "Outbox e-mail by kind and outcome (sent, retried, failed, suppressed)",
    ["kind", "outcome"],
)
BREAKER_STATE = Gauge(
    "circuit_breaker_state",
    "Circuit breaker state (0 closed, 1 half-open, 2 open)",
    ["name"],
    multiprocess_mode="max",
)


# (seconds, failed, the engine; None when a connection could not even be made)
QueryObserver = Callable[[float, bool, Engine | None], None]
_query_observers: list[QueryObserver] = []


def observe_queries(observer: QueryObserver) -> None:
    """Also tell `observer` (seconds, failed, engine) about every statement any engine runs."""
    _query_observers.append(observer)


# Every engine is timed, whoever builds it: the listeners sit on the Engine class, so the
# database layer needs to know nothing about metrics.
@event.listens_for(Engine, "before_cursor_execute")
def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
    conn.info.setdefault("query_start", []).append(time.perf_counter())


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
    starts = conn.info.get("query_start")
    if starts:
        elapsed = time.perf_counter() - starts.pop()
        DB_QUERY_DURATION.observe(elapsed)
        for observer in _query_observers:
            observer(elapsed, False, conn.engine)


@event.listens_for(Engine, "handle_error")
def _error(context: Any) -> None:
    DB_QUERY_ERRORS.inc()
    starts = context.connection.info.get("query_start") if context.connection else None
    elapsed = time.perf_counter() - starts.pop() if starts else 0.0
    for observer in _query_observers:
        observer(elapsed, True, context.engine)


def _breaker_state(name: str, state: str) -> None:
    BREAKER_STATE.labels(name).set(_BREAKER_VALUE[state])


_BREAKER_VALUE = {"closed": 0, "half_open": 1, "open": 2}
watch_breakers(_breaker_state)


# -- the interpreter -------------------------------------------------------------------------------
GC_PAUSE = Histogram(
    "python_gc_pause_seconds",
    "How long a garbage collection of the older generations stopped the process (the GIL is "
    "held throughout: no event, request or task runs)",
    ["generation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
_gc_started: list[float] = []


def _gc_timer(phase: str, info: dict[str, int]) -> None:
    # The youngest generation is collected hundreds of times a second, each in microseconds:
    # it is not timed (nor is anything done for it beyond this comparison).
    if info["generation"] == 0:
        return
    if phase == "start":
        _gc_started.append(time.perf_counter())
    elif _gc_started:
        GC_PAUSE.labels(str(info["generation"])).observe(time.perf_counter() - _gc_started.pop())


gc.callbacks.append(_gc_timer)


# -- agent bridge ---------------------------------------------------------------------------------
AGENT_TASKS = Counter(
    "agent_tasks_total", "Agent tasks by action and outcome", ["action", "outcome"]
)
AGENT_TASK_DURATION = Histogram(
    "agent_task_duration_seconds",
    "Time from claim to terminal state",
    ["action"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
AGENT_CALLBACK_ATTEMPTS = Counter(
    "agent_delivery_attempts_total", "Outbound delivery attempts", ["kind", "outcome"]
)
AGENT_OUTBOX_DEPTH = Gauge(
    "agent_outbox_depth", "Outbound messages waiting to be delivered", multiprocess_mode="max"
)
AGENT_DEAD_LETTERS = Gauge(
    "agent_dead_letters", "Outbound messages in the dead-letter state", multiprocess_mode="max"
)
AGENT_RATE_LIMITED = Counter(
    "agent_rate_limited_total", "Requests refused by the agent rate limit", ["route"]
)
