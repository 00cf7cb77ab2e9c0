"""Registration at start-up and the heartbeat every minute, both through the outbox."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from scholarlink.agent import outbox
from scholarlink.agent.capabilities import CAPABILITIES
from scholarlink.core import leases
from scholarlink.core.clock import utcnow
from scholarlink.core.db import session_scope, use_case
from scholarlink.core.settings import Settings, get_settings
from scholarlink.models import OutboxMessage

log = logging.getLogger(__name__)


def agent_card(settings: Settings, status: str = "healthy") -> dict[str, Any]:
    return {
        "agent_id": settings.agent_id,
        "name": settings.agent_name,
        "base_url": settings.agent_base_url,
        "capabilities": list(CAPABILITIES),
        "status": status,
        "last_seen": utcnow().isoformat(),
        "version": settings.version,
    }


def register(boot_id: str) -> bool:
    """Queue registration (idempotent at the Command Center); never blocks start-up."""
    settings = get_settings()
    url = outbox.cc_url(settings, "/orchestrator/register")
    if url is None or settings.shared_secret is None:
        return False
    with session_scope() as session:
        outbox.enqueue(
            session,
            kind="register",
            destination=url,
            payload=agent_card(settings),
            message_id=f"register:{boot_id}",
        )
    return True


def heartbeat(owner: str) -> bool:
    """Queue one heartbeat if this process holds the heartbeat lease (one sender per deployment)."""
    settings = get_settings()
    url = outbox.cc_url(settings, "/orchestrator/heartbeat")
    if url is None or settings.shared_secret is None:
        return False
    interval = settings.heartbeat_interval_seconds
    with session_scope() as session:
        if not leases.acquire(session, "heartbeat", owner, ttl_seconds=interval * 1.5):
            return False
        bucket = int(utcnow().timestamp() // interval)
        # Two attempts at most: a stale heartbeat is worth less than the next one.
        outbox.enqueue(
            session,
            kind="heartbeat",
            destination=url,
            payload=agent_card(settings),
            message_id=f"heartbeat:{settings.agent_id}:{bucket}",
            max_attempts=2,
        )
    return True


@use_case
def last_heartbeat(session: Session) -> tuple[bool | None, datetime | None]:
    """(whether the latest settled heartbeat was delivered, when the last one was delivered)."""
    settled = session.exec(
        select(OutboxMessage.status)
        .where(
            OutboxMessage.kind == "heartbeat", col(OutboxMessage.status).in_(["delivered", "dead"])
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
    delivered_at = session.exec(
        select(OutboxMessage.delivered_at)
        .where(OutboxMessage.kind == "heartbeat", OutboxMessage.status == "delivered")
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
    return (None if settled is None else settled == "delivered"), delivered_at
