"""The durable task queue: accepted tasks live in the database before the 202 goes out.

Workers claim tasks with a lease (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write lock
taken at BEGIN gives the same one-at-a-time claim). A task whose lease expires is claimed again.
Finishing is fenced on the lease owner, so a worker that lost its lease cannot overwrite.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from scholarlink.agent.schemas import TERMINAL, TaskIn
from scholarlink.core.backoff import full_jitter
from scholarlink.core.clock import utcnow
from scholarlink.core.db import insert_unless_present
from scholarlink.models import AgentTask

# Besides `resources.retry`, a task survives this many lost workers before it is failed.
CRASH_ALLOWANCE = 2


def body_hash(task: TaskIn) -> str:
    canonical = json.dumps(task.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Acceptance:
    """What `accept` did: the task under its id as it now stands."""

    task_id: str
    status: str
    trace_id: str
    conflict: bool = False


@dataclass(frozen=True)
class Known:
    """What the intake needs of a task already accepted under an id (see `known`)."""

    body_hash: str
    status: str
    trace_id: str


_TASKS: sa.Table = AgentTask.__table__  # type: ignore[attr-defined]
# The intake's two reads, built once (Core: no ORM entity to load, the compiled form reused).
_KNOWN = sa.select(_TASKS.c.body_hash, _TASKS.c.status, _TASKS.c.trace_id).where(
    _TASKS.c.task_id == sa.bindparam("task_id")
)
_IN_WINDOW = sa.select(sa.func.count(), sa.func.min(_TASKS.c.created_at)).where(
    _TASKS.c.caller == sa.bindparam("caller"), _TASKS.c.created_at >= sa.bindparam("since")
)
# Both in one round trip: the caller's window (always one row), and the task under the id
# joined to it when there is one.
_window = _IN_WINDOW.subquery("w")
_KNOWN_AND_WINDOW = sa.select(
    _window.c[0], _window.c[1], _TASKS.c.body_hash, _TASKS.c.status, _TASKS.c.trace_id
).select_from(_window.outerjoin(_TASKS, _TASKS.c.task_id == sa.bindparam("task_id")))


def known(session: Session, task_id: str) -> Known | None:
    """The task accepted under `task_id`, if any: only the columns the intake answers with (not
    the payload, result or error)."""
    row = session.connection().execute(_KNOWN, {"task_id": task_id}).first()
    return None if row is None else Known(*row)


def accept(session: Session, task: TaskIn, *, caller: str, existing: Known | None) -> Acceptance:
    """Insert the task, or answer with the existing one with the same id (conflict if the body
    differs). `existing`: what `known` found under this id in this transaction (the caller
    looks first, to know whether the rate limit applies). The caller commits before answering
    202.

    One INSERT … ON CONFLICT DO NOTHING (no ORM unit of work, no savepoint): a task accepted
    concurrently under the same id by another caller makes it insert nothing, and is answered
    as a repeat."""
    digest = body_hash(task)
    if existing is None:
        resources = task.resources
        now = utcnow()
        added = (
            session.connection()
            .execute(
                insert_unless_present(_TASKS, "task_id", session.get_bind().dialect.name),
                {
                    "task_id": task.task_id,
                    "action": task.action,
                    "payload": task.payload,
                    "body_hash": digest,
                    "reply_to": task.reply_to,
                    "trace_id": task.trace_id,
                    "requested_by": task.requested_by,
                    "caller": caller,
                    "priority": resources.priority if resources else 0,
                    "timeout_ms": resources.timeout_ms if resources else 30_000,
                    "max_retries": resources.retry if resources else 0,
                    "attempts": 0,
                    "status": "accepted",
                    "available_at": now,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            .first()
        )
        if added is not None:
            return Acceptance(task.task_id, "accepted", task.trace_id)
        existing = known(session, task.task_id)
        assert existing is not None  # the conflict was on this id, and rows are never deleted
    return Acceptance(
        task.task_id,
        existing.status,
        existing.trace_id,
        conflict=existing.body_hash != digest,
    )


def look_up(
    session: Session, task_id: str, caller: str, since: datetime
) -> tuple[Known | None, int, datetime | None]:
    """What the intake asks before accepting, in one statement: the task already accepted
    under `task_id` (as `known`), and how many tasks `caller` had accepted since `since` with
    the oldest of them (as `accepted_in_window`)."""
    count, oldest, *task = (
        session.connection()
        .execute(_KNOWN_AND_WINDOW, {"task_id": task_id, "caller": caller, "since": since})
        .one()
    )
    return (None if task[0] is None else Known(*task)), int(count), oldest


def accepted_in_window(
    session: Session, caller: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many tasks `caller` had accepted since `since`, and the oldest of them."""
    count, oldest = (
        session.connection().execute(_IN_WINDOW, {"caller": caller, "since": since}).one()
    )
    return int(count), oldest


def claim(session: Session, *, worker: str, lease_seconds: int) -> AgentTask | None:
    """Claim the most urgent runnable task (highest priority, then oldest) for `worker`."""
    now = utcnow()
    runnable = sa.or_(
        col(AgentTask.status) == "accepted",
        sa.and_(col(AgentTask.status) == "in_progress", col(AgentTask.lease_expires_at) < now),
    )
    query = (
        select(AgentTask)
        .where(runnable, col(AgentTask.available_at) <= now)
        .order_by(col(AgentTask.priority).desc(), col(AgentTask.available_at), col(AgentTask.id))
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    task = session.exec(query).first()
    if task is None:
        return None
    task.status = "in_progress"
    task.lease_owner = worker
    task.lease_expires_at = now + timedelta(seconds=lease_seconds)
    task.attempts += 1
    task.started_at = task.started_at or now
    task.updated_at = now
    session.add(task)
    session.flush()
    return task


def still_owned(session: Session, task_id: str, worker: str) -> AgentTask | None:
    """The task row locked for an update, if `worker` still holds its lease."""
    query = select(AgentTask).where(
        AgentTask.task_id == task_id,
        AgentTask.status == "in_progress",
        AgentTask.lease_owner == worker,
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def finish(
    session: Session,
    task: AgentTask,
    *,
    status: str,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> None:
    assert status in TERMINAL
    now = utcnow()
    task.status = status
    task.result = result
    task.error = error
    task.finished_at = now
    task.updated_at = now
    task.lease_owner = None
    task.lease_expires_at = None
    session.add(task)
    session.flush()


def schedule_retry(
    session: Session, task: AgentTask, *, error: dict[str, Any], base: float = 1.0
) -> None:
    """Back to `accepted`, available after exponential backoff with full jitter."""
    delay = full_jitter(task.attempts, base=base, cap=60.0)
    now = utcnow()
    task.status = "accepted"
    task.error = error
    task.available_at = now + timedelta(seconds=delay)
    task.lease_owner = None
    task.lease_expires_at = None
    task.updated_at = now
    session.add(task)
    session.flush()


def attempts_allowed(task: AgentTask) -> int:
    return 1 + task.max_retries + CRASH_ALLOWANCE


def extend_lease(session: Session, task_id: str, worker: str, lease_seconds: int) -> bool:
    table = AgentTask.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.update(table)
        .where(
            table.c.task_id == task_id,
            table.c.lease_owner == worker,
            table.c.status == "in_progress",
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def get(session: Session, task_id: str) -> AgentTask | None:
    return session.exec(select(AgentTask).where(AgentTask.task_id == task_id)).first()


def result_view(task: AgentTask) -> dict[str, Any]:
    """The contract's Result schema for a task in any state."""
    out: dict[str, Any] = {
        "task_id": task.task_id,
        "status": task.status,
        "trace_id": task.trace_id,
    }
    if task.result is not None and task.status == "succeeded":
        out["result"] = task.result
    if task.error is not None and task.status in ("failed", "rejected", "canceled"):
        out["error"] = task.error
    return out
