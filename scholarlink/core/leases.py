"""Named leases in the database, so a job runs in exactly one process at a time (the agent's
heartbeat, the alert pass), and the name a process holds them under."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from scholarlink.core.clock import utcnow


class SchedulerLease(SQLModel, table=True):
    """A named lease so a job runs in one process even when several backend workers run."""

    __tablename__ = "scheduler_leases"

    name: str = Field(primary_key=True, max_length=80)
    owner: str = Field(max_length=120)
    expires_at: datetime


def owner_name() -> str:
    """This process's name as a lease owner (and as the agent worker's name)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def acquire(session: Session, name: str, owner: str, ttl_seconds: float) -> bool:
    """Take or renew the lease `name` for `owner`; False while another owner holds it."""
    now = utcnow()
    table = SchedulerLease.__table__  # type: ignore[attr-defined]
    updated = session.execute(
        sa.update(table)
        .where(table.c.name == name, sa.or_(table.c.owner == owner, table.c.expires_at < now))
        .values(owner=owner, expires_at=now + timedelta(seconds=ttl_seconds))
    )
    if updated.rowcount:  # type: ignore[attr-defined]
        return True
    try:
        with session.begin_nested():
            session.add(
                SchedulerLease(
                    name=name, owner=owner, expires_at=now + timedelta(seconds=ttl_seconds)
                )
            )
    except IntegrityError:
        return False
    return True
