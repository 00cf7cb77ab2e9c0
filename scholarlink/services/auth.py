"""Sign-in and server-side sessions.

A session token is 32 random bytes given to the browser; only its SHA-256 is stored, so a leaked
database cannot be replayed as sessions. Sessions expire, survive restarts (they live in the
database) and can all be revoked at once. Repeated failed sign-ins lock the address for a while.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from scholarlink.db import session_scope
from scholarlink.models import LoginThrottle, User, UserSession, utcnow
from scholarlink.services.accounts import create_user, normalise_email, verify_password
from scholarlink.services.credits import MILLI, post_entry
from scholarlink.services.errors import ServiceError, ValidationFailed
from scholarlink.settings import get_settings


class SignInFailed(ServiceError):
    status = 401
    code = "sign_in_failed"


class LockedOut(ServiceError):
    status = 429
    code = "locked_out"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionGrant:
    token: str
    user_id: int
    expires_at: datetime


def start_session(session: Session, *, user_id: int, user_agent: str = "") -> SessionGrant:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=get_settings().session_ttl_hours)
    session.add(
        UserSession(
            token_hash=_hash(token),
            user_id=user_id,
            expires_at=expires,
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return SessionGrant(token, user_id, expires)


def resolve(session: Session, token: str | None) -> int | None:
    """The user id of a live session, or None (unknown, expired, revoked, inactive user)."""
    if not token or len(token) > 200:
        return None
    row = session.get(UserSession, _hash(token))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or user.is_system:
        return None
    if now - row.last_seen_at > timedelta(minutes=5):
        row.last_seen_at = now
        session.add(row)
    return row.user_id


def end_session(session: Session, token: str | None) -> None:
    if not token:
        return
    row = session.get(UserSession, _hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def end_all_sessions(session: Session, *, user_id: int) -> int:
    table = UserSession.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.update(table)
        .where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def active_sessions(session: Session, *, user_id: int) -> list[UserSession]:
    now = utcnow()
    return list(
        session.exec(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                col(UserSession.revoked_at).is_(None),
                col(UserSession.expires_at) > now,
            )
            .order_by(col(UserSession.last_seen_at).desc())
        )
    )


def sign_up(
    session: Session, *, email: str, password: str, display_name: str = "", user_agent: str = ""
) -> SessionGrant:
    user = create_user(session, email=email, password=password, display_name=display_name)
    assert user.id is not None
    welcome = get_settings().welcome_credits
    if welcome:
        post_entry(
            session,
            user_id=user.id,
            amount=welcome * MILLI,
            kind="grant",
            reference=f"welcome:{user.id}",
            description="Welcome credits",
        )
    return start_session(session, user_id=user.id, user_agent=user_agent)


def _throttle(session: Session, email: str) -> LoginThrottle:
    row = session.get(LoginThrottle, email)
    if row is None:
        row = LoginThrottle(email=email, failures=0)
    return row


def sign_in(*, email: str, password: str, user_agent: str = "") -> SessionGrant:
    """Check the password; after LOGIN_MAX_FAILURES failures the address is locked for a while.
    The error never says whether the address has an account. Owns its transaction: a failure
    is recorded (committed) before the error is raised."""
    try:
        email = normalise_email(email)
    except ValidationFailed:
        raise SignInFailed("Wrong e-mail or password") from None
    settings = get_settings()
    failure: ServiceError | None = None
    with session_scope() as session:
        throttle = _throttle(session, email)
        now = utcnow()
        if throttle.locked_until and throttle.locked_until > now:
            minutes = max(1, round((throttle.locked_until - now).total_seconds() / 60))
            plural = "s" if minutes != 1 else ""
            raise LockedOut(f"Too many failed attempts. Try again in {minutes} minute{plural}.")
        user = session.exec(select(User).where(User.email == email)).first()
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.is_active:
            throttle.failures += 1
            throttle.updated_at = now
            if throttle.failures >= settings.login_max_failures:
                throttle.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                throttle.failures = 0
            session.add(throttle)
            failure = SignInFailed("Wrong e-mail or password")
        else:
            if throttle.failures or throttle.locked_until:
                throttle.failures, throttle.locked_until = 0, None
                session.add(throttle)
            assert user.id is not None
            grant = start_session(session, user_id=user.id, user_agent=user_agent)
    if failure is not None:
        raise failure
    return grant
