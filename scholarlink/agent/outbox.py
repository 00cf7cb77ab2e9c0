"""The transactional outbox: every outbound message is written with the state change it reports,
then delivered, signed, with exponential backoff + full jitter, `Retry-After`, a retry budget,
a dead-letter state and a circuit breaker per destination.

Messages of one task are delivered in order: a message waits while an earlier message of the
same task is still pending.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlparse

import httpx
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from scholarlink.agent.auth import sign_outbound
from scholarlink.core.backoff import full_jitter
from scholarlink.core.breakers import CircuitBreaker, CircuitOpen, breaker
from scholarlink.core.clock import Throttle, utcnow
from scholarlink.core.db import session_scope, use_case
from scholarlink.core.settings import Settings, get_settings
from scholarlink.models import DeliveryAttempt, OutboxMessage
from scholarlink.observability.metrics import (
    AGENT_CALLBACK_ATTEMPTS,
    AGENT_DEAD_LETTERS,
    AGENT_OUTBOX_DEPTH,
)

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


def endpoint(url: str) -> str:
    """scheme://host:port/path of a destination: one breaker per endpoint, so a failing path on
    the Command Center's host does not hold back callbacks, events and heartbeats to others."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.scheme}://{parsed.hostname}:{port}{parsed.path or '/'}"


def destination_breaker(url: str) -> CircuitBreaker:
    return breaker(
        f"command-center:{endpoint(url)}",
        failure_threshold=5,
        reset_after=get_settings().outbox_breaker_reset_seconds,
        public_name="command-center",
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
    return max(0.0, (when - utcnow()).total_seconds())


@dataclass
class Outcome:
    status_code: int | None
    error: str | None
    retry_after: float | None
    duration_ms: int
    started_at: datetime


def traceparent(trace_id: str) -> str:
    """A W3C traceparent for a trace id: the id itself when it is 32 hex digits, else a stable
    digest of it (so every message of one task shares one trace)."""
    trace = trace_id.lower()
    if len(trace) != 32 or any(c not in "0123456789abcdef" for c in trace) or set(trace) == {"0"}:
        trace = hashlib.sha256(trace_id.encode()).hexdigest()[:32]
    return f"00-{trace}-{uuid.uuid4().hex[:16]}-01"


def cloudevent_headers(payload: dict[str, Any]) -> dict[str, str]:
    """CloudEvents 1.0 binary content mode: the attributes as ce-* headers beside the seed's
    JSON body (whose `event_id`/`trace_id` are not legal attribute names)."""
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    headers = {
        "ce-specversion": "1.0",
        "ce-id": str(payload.get("event_id", "")),
        "ce-type": str(payload.get("type", "")),
        "ce-source": str(payload.get("source", "")),
        "ce-time": str(payload.get("time", "")),
        "ce-traceparent": traceparent(str(payload.get("trace_id") or "")),
    }
    task_id = (data or {}).get("task_id")
    if task_id:
        headers["ce-subject"] = f"task/{task_id}"
    return headers


def send(client: httpx.Client, message: OutboxMessage, settings: Settings) -> Outcome:
    headers = {
        "Authorization": f"Bearer {sign_outbound(settings)}",
        "X-Agent-Id": settings.agent_id,
        "X-Trace-Id": message.trace_id,
        "Content-Type": "application/json",
    }
    if message.trace_id:
        headers["traceparent"] = traceparent(message.trace_id)
    if message.kind == "event":
        headers |= cloudevent_headers(message.payload)
    started_at = utcnow()
    started = time.perf_counter()
    try:
        response = client.post(
            message.destination, json=message.payload, headers=headers, timeout=ATTEMPT_TIMEOUT
        )
    except httpx.HTTPError as exc:
        # The reason only (e.g. "ConnectError"): never what a receiver or the network said.
        return Outcome(
            None,
            type(exc).__name__,
            None,
            round((time.perf_counter() - started) * 1000),
            started_at,
        )
    return Outcome(
        response.status_code,
        None if response.is_success else f"HTTP {response.status_code}",
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
        delay = full_jitter(
            msg.attempts,
            base=settings.outbox_base_delay_seconds,
            cap=settings.outbox_max_delay_seconds,
        )
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
        try:
            guard = destination_breaker(message.destination)
        except ValueError:
            guard = None  # the destination cannot even be parsed: send() refuses it below
        try:
            if guard is None:
                outcome = send(client, message, settings)
            else:
                outcome = guard.call(partial(send, client, message, settings), failure=_outage)
        except CircuitOpen as exc:
            with session_scope() as session:
                postpone(session, message_id, max(1.0, exc.retry_in))
            continue
        except Exception as exc:
            outcome = Outcome(None, f"unsendable: {type(exc).__name__}", None, 0, utcnow())
            with session_scope() as session:
                status = bury(session, message_id, outcome, worker=worker)
            attempted += 1
            _dead_lettered(message, outcome)
            continue
        attempted += 1
        with session_scope() as session:
            status = record(session, message_id, outcome, settings, worker=worker)
        AGENT_CALLBACK_ATTEMPTS.labels(
            message.kind,
            "delivered" if status == "delivered" else "dead" if status == "dead" else "retry",
        ).inc()
        if status == "dead":
            _dead_lettered(message, outcome)
    if attempted or _GAUGES.ready():
        refresh_gauges()
    return attempted


# An idle pass recounts the outbox every 10 s, not every half second (a GROUP BY per pass per
# process), still often enough for every scrape (15 s) to see a fresh depth.
_GAUGES = Throttle(10.0)


def _outage(outcome: Outcome) -> str | None:
    """Only what says the endpoint is down counts against its breaker: 5xx, timeouts and
    connection errors — not a 4xx, which is an answer."""
    if outcome.status_code is None or outcome.status_code >= 500:
        return outcome.error or str(outcome.status_code)
    return None


def _dead_lettered(message: OutboxMessage, outcome: Outcome) -> None:
    log.warning(
        "outbound message dead-lettered",
        extra={
            "message_id": message.message_id,
            "kind": message.kind,
            "last_status": outcome.status_code,
            "reason": outcome.error,
        },
    )


def bury(session: Session, message_id: int, outcome: Outcome, *, worker: str) -> str:
    """A message that can never be sent goes straight to the dead letters, with its reason."""
    msg = session.get(OutboxMessage, message_id)
    if msg is None or msg.status != "pending" or msg.lease_owner != worker:
        return msg.status if msg else "missing"
    session.add(
        DeliveryAttempt(
            outbox_id=message_id,
            attempted_at=outcome.started_at,
            status_code=None,
            error=outcome.error,
            duration_ms=0,
        )
    )
    msg.attempts += 1
    msg.status = "dead"
    msg.last_status_code = None
    msg.last_error = outcome.error
    msg.lease_owner = None
    msg.lease_expires_at = None
    session.add(msg)
    session.flush()
    return msg.status


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


class OutboxMessagePublic(BaseModel):
    """An outbound message as the operator sees it (`message_view`, typed)."""

    model_config = ConfigDict(frozen=True)

    id: int | None
    message_id: str
    kind: str
    destination: str
    task_id: str | None
    status: str
    attempts: int
    max_attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: str  # ISO 8601, as `datetime.isoformat` writes it


@use_case
def list_dead_letters(session: Session, *, limit: int = 100) -> list[OutboxMessagePublic]:
    """The messages that gave up, oldest first."""
    return [
        OutboxMessagePublic.model_validate(message_view(m))
        for m in dead_letters(session, limit=limit)
    ]


@use_case
def replay_dead_letter(session: Session, *, outbox_id: int) -> OutboxMessagePublic | None:
    """Queue the dead letter `outbox_id` for delivery again; None when there is no such dead
    letter."""
    msg = replay(session, outbox_id)
    return None if msg is None else OutboxMessagePublic.model_validate(message_view(msg))
