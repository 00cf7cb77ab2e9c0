"""The agent bridge's durable state: tasks, the outbox, delivery attempts, replay protection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from scholarlink.core.leases import SchedulerLease  # noqa: F401 - the table lives with its lease logic
from scholarlink.models.base import json_dict, now_field


class AgentTask(SQLModel, table=True):
    __tablename__ = "agent_tasks"
    __table_args__ = (
        sa.Index("ix_agent_tasks_claim", "status", "priority", "available_at"),
        # The intake's rate limit: the caller's tasks of the last minute (agent.tasks).
        sa.Index("ix_agent_tasks_caller_created", "caller", "created_at"),
        sa.CheckConstraint("attempts >= 0", name="ck_agent_task_attempts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(max_length=200, unique=True)
    action: str = Field(max_length=100)
    payload: dict[str, Any] = json_dict()
    body_hash: str = Field(max_length=64)  # detects the same task_id with a different body
    reply_to: str = Field(max_length=2000)
    trace_id: str = Field(max_length=200)
    requested_by: str = Field(max_length=200)
    caller: str = Field(default="", max_length=200)
    priority: int = 0
    timeout_ms: int = 30_000
    max_retries: int = 0
    attempts: int = 0
    status: str = Field(default="accepted", max_length=20)
    result: dict[str, Any] | None = json_dict(nullable=True)
    error: dict[str, Any] | None = json_dict(nullable=True)
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    available_at: datetime = now_field()
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    started_at: datetime | None = None
    finished_at: datetime | None = None


class OutboxMessage(SQLModel, table=True):
    """A signed message to send: written with the state change it reports, then delivered."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="ck_outbox_attempts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=250, unique=True)
    kind: str = Field(max_length=20)  # callback | event | register | heartbeat
    destination: str = Field(max_length=2000)
    payload: dict[str, Any] = json_dict()
    trace_id: str = Field(default="", max_length=200)
    task_id: str | None = Field(default=None, max_length=200, index=True)
    status: str = Field(default="pending", max_length=20)  # pending | delivered | dead
    attempts: int = 0
    max_attempts: int = 8
    next_attempt_at: datetime = now_field()
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    created_at: datetime = now_field()
    delivered_at: datetime | None = None


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox_messages.id", index=True, ondelete="CASCADE")
    attempted_at: datetime = now_field()
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=1000)
    duration_ms: int = 0


class UsedJti(SQLModel, table=True):
    """JWT ids already seen; kept until the token could no longer verify anyway."""

    __tablename__ = "used_jtis"

    jti: str = Field(primary_key=True, max_length=200)
    expires_at: datetime = Field(index=True)
