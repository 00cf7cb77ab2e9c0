"""Users, their sign-in identities and server-side sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from scholarlink.models.base import now_field


def _public_id() -> str:
    return uuid.uuid4().hex


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # Stable id shown to other systems (the Command Center's `studentId`).
    public_id: str = Field(default_factory=_public_id, max_length=64, unique=True, index=True)
    email: str | None = Field(default=None, max_length=320, unique=True, index=True)
    display_name: str = Field(default="", max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    is_system: bool = False  # e.g. the agent billing account; cannot sign in
    calendar_token: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = now_field()


class AuthIdentity(SQLModel, table=True):
    """A sign-in identity at an OpenID Connect issuer, linked to exactly one user."""

    __tablename__ = "auth_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_identity_issuer_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)
    refresh_token: str | None = Field(default=None, max_length=4000)
    created_at: datetime = now_field()


class UserSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of the token is stored."""

    __tablename__ = "user_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = now_field()
    expires_at: datetime = Field(index=True)
    last_seen_at: datetime = now_field()
    revoked_at: datetime | None = None
    user_agent: str = Field(default="", max_length=300)


class LoginTicket(SQLModel, table=True):
    """A single-use, one-minute hand-over of a new session from a Reflex event to the browser
    (redeemed by the backend, which sets the HttpOnly cookie). Only the SHA-256 is stored."""

    __tablename__ = "login_tickets"

    ticket_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None
    user_agent: str = Field(default="", max_length=300)


class SignUpRequest(SQLModel, table=True):
    """A sign-up waiting for its address to be confirmed. The account is created only when the
    link in the confirmation mail is used, so the sign-up form answers the same whether or not
    an address already has an account. Only the SHA-256 of the link's token is stored."""

    __tablename__ = "sign_up_requests"

    token_hash: str = Field(primary_key=True, max_length=64)
    email: str = Field(max_length=320, index=True)
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None
    created_at: datetime = now_field()
