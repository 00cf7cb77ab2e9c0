"""The transactional outbox: every outbound message is written with the state change it reports,
then delivered, signed, with exponential backoff + full jitter, `Retry-After`, a retry budget,
a dead-letter state and a circuit breaker per destination.

Messages of one task are delivered in order: a message waits while an earlier message of the
same task is still pending.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from scholarlink.agent.auth import sign_outbound
from scholarlink.db import session_scope
from scholarlink.models import DeliveryAttempt, OutboxMessage, utcnow
from scholarlink.observability.breakers import CircuitBreaker, CircuitOpen, breaker
from scholarlink.observability.metrics import (
    AGENT_CALLBACK_ATTEMPTS,
    AGENT_DEAD_LETTERS,
    AGENT_OUTBOX_DEPTH,
)
from scholarlink.settings import Settings, get_settings

log = logging.getLogger(__name__)
ATTEMPT_TIMEOUT = 10.0
CLAIM_LEASE_SECONDS = 30


def enqueue(
    session: Session,
    *,
    kind: str,
    destination: str,
    payload: dict[str, Any],
    message_id: str,
    trace_id: str = "",
    task_id: str | None = None,
    max_attempts: int | None = None,
) -> OutboxMessage | None:
    """Add a message in the caller's transaction; a repeated message_id is a no-op."""
    exists = session.exec(
        select(OutboxMessage.id).where(OutboxMessage.message_id == message_id)
    ).first()
    if exists is not None:
        return None
    row = OutboxMessage(
        message_id=message_id,
        kind=kind,
        destination=destination,
        payload=payload,
        trace_id=trace_id,
        task_id=task_id,
        max_attempts=max_attempts or get_settings().outbox_max_attempts,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def cc_url(settings: Settings, path: str) -> str | None:
    if not settings.command_center_url:
        return None
    return settings.command_center_url.rstrip("/") + path


# -- delivery ---------------------------------------------------------------------------------


def _host(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.hostname}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}"


def destination_breaker(url: str) -> CircuitBreaker:
    return breaker(
        f"command-center:{_host(url)}",
        failure_threshold=5,
        reset_after=get_settings().outbox_breaker_reset_seconds,
    )


def claim_due(session: Session, *, worker: str, limit: int = 20) -> list[OutboxMessage]:
    now = utcnow()
    earlier = aliased(OutboxMessage)
    blocked = (
        select(earlier.id)
        .where(
            earlier.task_id == OutboxMessage.task_id,
            earlier.id < OutboxMessage.id,  # type: ignore[operator]
            earlier.status == "pending",
        )
        .exists()
    )
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            col(OutboxMessage.next_attempt_at) <= now,
            sa.or_(
                col(OutboxMessage.lease_expires_at).is_(None),
                col(OutboxMessage.lease_expires_at) < now,
            ),
            sa.or_(col(OutboxMessage.task_id).is_(None), ~blocked),
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    rows = list(session.exec(query))
    for row in rows:
        row.lease_owner = worker
        row.lease_expires_at = now + timedelta(seconds=CLAIM_LEASE_SECONDS)
        session.add(row)
    session.flush()
    return rows


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff_seconds(attempts: int, settings: Settings) -> float:
    cap = min(
        settings.outbox_max_delay_seconds,
        settings.outbox_base_delay_seconds * 2 ** max(0, attempts - 1),
    )
    return random.uniform(0, cap)  # noqa: S311 - jitter, not security


@dataclass
class Outcome:
    status_code: int | None
    error: str | None
    retry_after: float | None
    duration_ms: int
    started_at: datetime


def send(client: httpx.Client, message: OutboxMessage, settings: Settings) -> Outcome:
    headers = {
        "Authorization": f"Bearer {sign_outbound(settings)}",
        "X-Agent-Id": settings.agent_id,
        "X-Trace-Id": message.trace_id,
        "Content-Type": "application/json",
    }
    if (
        message.trace_id
        and len(message.trace_id) == 32
        and all(c in "0123456789abcdef" for c in message.trace_id)
    ):
        headers["traceparent"] = f"00-{message.trace_id}-{uuid.uuid4().hex[:16]}-01"
    started_at = utcnow()
    started = time.perf_counter()
    try:
        response = client.post(
            message.destination, json=message.payload, headers=headers, timeout=ATTEMPT_TIMEOUT
        )
    except httpx.HTTPError as exc:
        return Outcome(
            None,
            f"{type(exc).__name__}: {exc}"[:500],
            None,
            round((time.perf_counter() - started) * 1000),
            started_at,
        )
    return Outcome(
        response.status_code,
        None if response.is_success else response.text[:300],
        retry_after_seconds(response.headers.get("retry-after")),
        round((time.perf_counter() - started) * 1000),
        started_at,
    )


def record(
    session: Session, message_id: int, outcome: Outcome, settings: Settings, *, worker: str
) -> str:
    """Apply one attempt's outcome; returns the message's new status."""
    msg = session.get(OutboxMessage, message_id)
    if msg is None or msg.status != "pending" or msg.lease_owner != worker:
        return msg.status if msg else "missing"
    session.add(
        DeliveryAttempt(
            outbox_id=message_id,
            attempted_at=outcome.started_at,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
    )
    msg.attempts += 1
    msg.last_status_code = outcome.status_code
    msg.last_error = outcome.error
    msg.lease_owner = None
    msg.lease_expires_at = None
    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        msg.status = "delivered"
        msg.delivered_at = utcnow()
    elif code is not None and 400 <= code < 500 and code not in (408, 429):
        msg.status = "dead"  # the receiver refused it: retrying would not help
    elif msg.attempts >= msg.max_attempts:
        msg.status = "dead"
    else:
        delay = backoff_seconds(msg.attempts, settings)
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, settings.outbox_max_delay_seconds))
        msg.next_attempt_at = utcnow() + timedelta(seconds=delay)
    session.add(msg)
    session.flush()
    return msg.status


def postpone(session: Session, message_id: int, seconds: float) -> None:
    """Circuit open: try later without spending an attempt."""
    msg = session.get(OutboxMessage, message_id)
    if msg is not None and msg.status == "pending":
        msg.next_attempt_at = utcnow() + timedelta(seconds=seconds)
        msg.lease_owner = None
        msg.lease_expires_at = None
        session.add(msg)


def deliver_due(client: httpx.Client, *, worker: str, settings: Settings | None = None) -> int:
    """One pass: claim due messages, send each, record the outcome. Returns messages attempted."""
    settings = settings or get_settings()
    if settings.shared_secret is None:
        return 0
    with session_scope() as session:
        due = [(m.id, m) for m in claim_due(session, worker=worker)]
    attempted = 0
    for message_id, message in due:
        assert message_id is not None
        guard = destination_breaker(message.destination)
        try:
            guard.before_call()
        except CircuitOpen as exc:
            with session_scope() as session:
                postpone(session, message_id, max(1.0, exc.retry_in))
            continue
        outcome = send(client, message, settings)
        attempted += 1
        server_side = (
            outcome.status_code is None
            or outcome.status_code >= 500
            or outcome.status_code in (408, 429)
        )
        if server_side:
            guard.record_failure(outcome.error or str(outcome.status_code))
        else:
            guard.record_success()
        with session_scope() as session:
            status = record(session, message_id, outcome, settings, worker=worker)
        AGENT_CALLBACK_ATTEMPTS.labels(
            message.kind,
            "delivered" if status == "delivered" else "dead" if status == "dead" else "retry",
        ).inc()
        if status == "dead":
            log.warning(
                "outbound message dead-lettered",
                extra={
                    "message_id": message.message_id,
                    "kind": message.kind,
                    "last_status": outcome.status_code,
                },
            )
    refresh_gauges()
    return attempted


def refresh_gauges() -> None:
    with session_scope() as session:
        counts = dict(
            session.exec(
                select(OutboxMessage.status, func.count())
                .where(col(OutboxMessage.status).in_(["pending", "dead"]))
                .group_by(OutboxMessage.status)
            ).all()
        )
    AGENT_OUTBOX_DEPTH.set(counts.get("pending", 0))
    AGENT_DEAD_LETTERS.set(counts.get("dead", 0))


# -- operator tools ---------------------------------------------------------------------------


def dead_letters(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == "dead")
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
    )


def replay(session: Session, outbox_id: int) -> OutboxMessage | None:
    """Give a dead message a fresh budget; it is delivered on the next pass."""
    msg = session.get(OutboxMessage, outbox_id)
    if msg is None or msg.status != "dead":
        return None
    msg.status = "pending"
    msg.attempts = 0
    msg.next_attempt_at = utcnow()
    msg.lease_owner = None
    msg.lease_expires_at = None
    session.add(msg)
    session.flush()
    return msg


def message_view(msg: OutboxMessage) -> dict[str, Any]:
    return {
        "id": msg.id,
        "message_id": msg.message_id,
        "kind": msg.kind,
        "destination": msg.destination,
        "task_id": msg.task_id,
        "status": msg.status,
        "attempts": msg.attempts,
        "max_attempts": msg.max_attempts,
        "last_status_code": msg.last_status_code,
        "last_error": msg.last_error,
        "created_at": msg.created_at.isoformat(),
    }
