"""The task worker: claims tasks from the database, runs them under their deadline, and ends
each with its callback and events in the same transaction."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from scholarlink.agent import capabilities, events, tasks
from scholarlink.core.db import session_scope
from scholarlink.core.errors import (
    InsufficientCredits,
    NotFound,
    ServiceError,
    ValidationFailed,
)
from scholarlink.core.leases import owner_name
from scholarlink.core.settings import get_settings
from scholarlink.models import AgentTask
from scholarlink.observability.logs import LogThrottle
from scholarlink.observability.logs import trace_id as trace_var
from scholarlink.observability.metrics import AGENT_TASK_DURATION, AGENT_TASKS
from scholarlink.services.credits import DeadlineExceeded, operation_deadline

log = logging.getLogger(__name__)
_throttle = LogThrottle()


def worker_name() -> str:
    return owner_name()


class TaskWorker:
    def __init__(
        self,
        name: str | None = None,
        *,
        threads: int = 4,
        on_settled: Callable[[], None] | None = None,
    ) -> None:
        self.name = name or worker_name()
        # Called (from a worker thread) when a task ended, so its messages go out at once.
        self.on_settled = on_settled
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="agent-task")
        self.wake = asyncio.Event()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- one task -----------------------------------------------------------------------

    def run_once(self) -> bool:
        """Claim and run one task; False when nothing was runnable."""
        settings = get_settings()
        with session_scope() as session:
            task = tasks.claim(
                session, worker=self.name, lease_seconds=settings.agent_task_lease_seconds
            )
            if task is None:
                return False
            if task.attempts > tasks.attempts_allowed(task):
                self._end(
                    session,
                    task,
                    "failed",
                    error={
                        "code": "worker_lost",
                        "message": "The task's worker stopped too many times",
                    },
                )
                return True
            snapshot = task.model_copy()
        self._execute(snapshot)
        return True

    def _execute(self, task: AgentTask) -> None:
        settings = get_settings()
        started = time.monotonic()
        deadline = started + task.timeout_ms / 1000
        token = trace_var.set(task.trace_id)
        try:
            context = contextvars.copy_context()
            context.run(operation_deadline.set, deadline)
            future = self._pool.submit(
                context.run, capabilities.run, task.action, task.payload, task_id=task.task_id
            )
            lease = settings.agent_task_lease_seconds
            while True:
                remaining = deadline - time.monotonic()
                try:
                    outcome = future.result(timeout=max(0.0, min(remaining, lease / 3)))
                    break
                except FutureTimeout:
                    if time.monotonic() >= deadline:
                        raise DeadlineExceeded(f"no result within {task.timeout_ms} ms") from None
                    with session_scope() as session:
                        if not tasks.extend_lease(session, task.task_id, self.name, lease):
                            log.warning(
                                "lost the lease of a running task", extra={"task_id": task.task_id}
                            )
                            return
        except (DeadlineExceeded, TimeoutError) as exc:
            self._settle(task, "failed", error={"code": "timeout", "message": str(exc)})
        except (NotFound, InsufficientCredits) as exc:
            self._settle(
                task,
                "rejected",
                error={"code": exc.code, "message": exc.message, "details": exc.details},
            )
        except ValidationFailed as exc:
            self._settle(
                task,
                "failed",
                error={"code": "validation_error", "message": exc.message, "details": exc.details},
            )
        except Exception as exc:  # retryable: unavailable dependency, database hiccup, bug
            code = exc.code if isinstance(exc, ServiceError) else "internal_error"
            # Internal details (SQL, stack frames) stay in our logs, never in a callback.
            message = (
                exc.message if isinstance(exc, ServiceError) else "The task failed on our side"
            )
            self._retry_or_fail(task, {"code": code, "message": message})
            if not isinstance(exc, ServiceError):
                log.warning(
                    "agent task raised",
                    extra={"task_id": task.task_id, "error": f"{type(exc).__name__}: {exc}"[:300]},
                    exc_info=True,
                )
        else:
            self._settle(task, "succeeded", result=outcome.result, domain_events=outcome.events)
        finally:
            AGENT_TASK_DURATION.labels(task.action).observe(time.monotonic() - started)
            trace_var.reset(token)

    def _settle(
        self,
        snapshot: AgentTask,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        domain_events: list[tuple[str, dict[str, Any]]] | None = None,
    ) -> None:
        with session_scope() as session:
            task = tasks.still_owned(session, snapshot.task_id, self.name)
            if task is None:
                log.warning(
                    "task finished after its lease moved on; result dropped",
                    extra={"task_id": snapshot.task_id},
                )
                return
            self._end(
                session, task, status, result=result, error=error, domain_events=domain_events or []
            )
        if self.on_settled is not None:
            self.on_settled()

    def _end(
        self,
        session: Any,
        task: AgentTask,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        domain_events: list[tuple[str, dict[str, Any]]] | None = None,
    ) -> None:
        tasks.finish(session, task, status=status, result=result, error=error)
        settings = get_settings()
        events.enqueue_terminal(
            session, settings, task, (domain_events or []) if status == "succeeded" else []
        )
        AGENT_TASKS.labels(task.action, status).inc()
        log.info(
            "agent task ended",
            extra={
                "task_id": task.task_id,
                "action": task.action,
                "status": status,
                "attempts": task.attempts,
            },
        )

    def _retry_or_fail(self, snapshot: AgentTask, error: dict[str, Any]) -> None:
        with session_scope() as session:
            task = tasks.still_owned(session, snapshot.task_id, self.name)
            if task is None:
                return
            if task.attempts <= task.max_retries:
                tasks.schedule_retry(session, task, error=error)
                AGENT_TASKS.labels(task.action, "retried").inc()
            else:
                self._end(session, task, "failed", error=error)

    # -- loop ---------------------------------------------------------------------------

    async def run_forever(self, stop: asyncio.Event, *, idle: float = 0.5) -> None:
        while not stop.is_set():
            try:
                ran = await asyncio.to_thread(self.run_once)
            except Exception:
                if _throttle.ready("worker"):
                    log.exception("task worker pass failed (repeats are silenced for 30 s)")
                ran = False
            if not ran:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=idle)
