"""The bridge's inbound use cases: verifying a caller, accepting a task, reading its Result.

The HTTP routes (scholarlink.api.agent) call these and nothing below them; each opens its own
transaction. Accepting is one transaction and one commit: the token's id spent, the caller's
lock, idempotency on `task_id`, the per-caller rate limit and the insert, so the row is
committed before the 202 and a replayed token stores nothing. The token's signature and claims
are checked before that, without the database (`verify_token`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from scholarlink.agent import tasks
from scholarlink.agent.auth import caller_of, consume_jti, verify_claims, verify_inbound
from scholarlink.agent.schemas import Accepted, TaskIn, TaskStatus
from scholarlink.core.clock import utcnow
from scholarlink.core.db import use_case
from scholarlink.core.settings import Settings


class InboundCaller(BaseModel):
    """Who sent a verified request: what verified its token (see `auth.caller_of`)."""

    model_config = ConfigDict(frozen=True)

    caller: str


class InboundToken(BaseModel):
    """A bearer token whose signature and claims verified; its `jti` is not spent yet (see
    `spend_token` and `accept_task`)."""

    model_config = ConfigDict(frozen=True)

    caller: str
    claims: dict[str, Any]


class IntakePublic(BaseModel):
    """What became of a task handed in: `accepted` (a new task or a repeat of one, `task` is
    the 202 body with its current status), `rate_limited` (nothing stored; `retry_after`
    seconds) or `conflict` (its `task_id` was accepted with a different body)."""

    model_config = ConfigDict(frozen=True)

    outcome: Literal["accepted", "rate_limited", "conflict"]
    task: Accepted | None = None
    retry_after: int | None = None


class TaskResultPublic(BaseModel):
    """The contract's Result for a task in any state: `result` only once it succeeded, `error`
    only when it failed, was rejected or canceled. Fields not in the Result are left unset, so
    `model_dump(exclude_unset=True)` is the wire body."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    status: TaskStatus
    trace_id: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


@use_case
def authenticate(
    session: Session, *, authorization: str | None, settings: Settings
) -> InboundCaller:
    """Verify a request's bearer token and spend its `jti`; raises `auth.AuthError` (and nothing
    is recorded) when it is refused."""
    return InboundCaller(caller=caller_of(verify_inbound(session, authorization, settings)))


def verify_token(*, authorization: str | None, settings: Settings) -> InboundToken:
    """Check a bearer token's signature and claims (no database); raises `auth.AuthError`."""
    claims = verify_claims(authorization, settings)
    return InboundToken(caller=caller_of(claims), claims=claims)


@use_case
def spend_token(session: Session, *, token: InboundToken) -> None:
    """Spend a verified token's `jti` when the request it came with is refused for its body
    (the token is used up all the same); raises `auth.AuthError` when it was spent already."""
    consume_jti(session, token.claims)


@use_case
def accept_task(
    session: Session, *, task: TaskIn, token: InboundToken, rate_limit_per_minute: int
) -> IntakePublic:
    """In one transaction: the token's id spent (`auth.AuthError` when it was spent already,
    and nothing is stored), idempotency, rate limit, insert. Repeats of an accepted task are
    never limited and answer with its current status."""
    caller = token.caller
    # With the id spent, one intake at a time per caller on PostgreSQL (so the rate limit is
    # exact), in the same statement; SQLite's write lock already serialises.
    consume_jti(session, token.claims, lock=f"agent-intake:{caller}")
    since = utcnow() - timedelta(minutes=1)
    existing, count, oldest = tasks.look_up(session, task.task_id, caller, since)
    if existing is None and count >= rate_limit_per_minute:
        wait = 1 if oldest is None else max(1, math.ceil((oldest - since).total_seconds()))
        return IntakePublic(outcome="rate_limited", retry_after=wait)
    acceptance = tasks.accept(session, task, caller=caller, existing=existing)
    if acceptance.conflict:
        return IntakePublic(outcome="conflict")
    return IntakePublic(
        outcome="accepted",
        task=Accepted(
            task_id=acceptance.task_id, status=acceptance.status, trace_id=acceptance.trace_id
        ),
    )


@use_case
def task_result(session: Session, *, task_id: str) -> TaskResultPublic | None:
    """The current Result of the task `task_id`, or None when no such task was accepted."""
    task = tasks.get(session, task_id)
    return None if task is None else TaskResultPublic.model_validate(tasks.result_view(task))
