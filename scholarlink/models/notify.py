"""Mail and alerts: the outbox every e-mail goes through, addresses that bounced, each student's
notification preferences, and what a student has already been told about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from scholarlink.models.base import json_dict, now_field


class OutboundMail(SQLModel, table=True):
    """One e-mail, written before it is sent and committed on its own. `idempotency_key` makes
    queueing it twice a no-op; the same key is the message's Message-ID, so a receiver can drop a
    copy re-sent after a crash between the SMTP reply and the commit."""

    __tablename__ = "outbound_mail"
    __table_args__ = (sa.Index("ix_outbound_mail_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    user_id: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    to_address: str = Field(max_length=320)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_type=sa.Text)
    html_body: str = Field(sa_type=sa.Text)
    headers: dict[str, Any] = json_dict()
    # pending → sending (claimed until lease_until) → sent | failed | suppressed
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = now_field()
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = now_field()
    sent_at: datetime | None = None


class MailSuppression(SQLModel, table=True):
    """An address we no longer write to (its server refused it permanently)."""

    __tablename__ = "mail_suppressions"

    address: str = Field(primary_key=True, max_length=320)
    reason: str = Field(max_length=300)
    created_at: datetime = now_field()


class NotificationPrefs(SQLModel, table=True):
    """What a student wants to hear about, and in which time zone "today" is."""

    __tablename__ = "notification_prefs"

    user_id: int = Field(primary_key=True, foreign_key="users.id", ondelete="CASCADE")
    new_matches: str = Field(default="weekly", max_length=20)  # immediate | weekly | off
    deadline_mail: bool = True
    watchlist_mail: bool = True
    timezone: str = Field(default="UTC", max_length=64)
    last_digest_at: datetime | None = None
    updated_at: datetime = now_field()


class MatchAnnouncement(SQLModel, table=True):
    """A match the student has been told about (shown, or announced): never announced twice."""

    __tablename__ = "match_announcements"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "scholarship_id", name="uq_announcement_user_scholarship"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    scholarship_id: int = Field(foreign_key="scholarships.id", index=True)
    notification_id: int | None = Field(
        default=None, foreign_key="notifications.id", ondelete="SET NULL"
    )
    digest_sent_at: datetime | None = None
    created_at: datetime = now_field()


class MatchRun(SQLModel, table=True):
    """When a student's matches were last computed: the alert pass recomputes a student whose
    profile or catalogue changed since."""

    __tablename__ = "match_runs"

    user_id: int = Field(primary_key=True, foreign_key="users.id", ondelete="CASCADE")
    computed_at: datetime = now_field()
