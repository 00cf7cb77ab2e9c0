"""Sign-in and server-side sessions.

A session token is 32 random bytes given to the browser; only its SHA-256 is stored, so a leaked
database cannot be replayed as sessions. Sessions expire, survive restarts (they live in the
database) and can all be revoked at once. Failed sign-ins are throttled per client and per account (services.throttle).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from scholarlink.db import session_scope
from scholarlink.models import LoginTicket, User, UserSession, utcnow
from scholarlink.services import throttle
from scholarlink.services.accounts import create_user, normalise_email, verify_password
from scholarlink.services.credits import MILLI, post_entry
from scholarlink.services.errors import ServiceError, ValidationFailed
from scholarlink.settings import get_settings


class SignInFailed(ServiceError):
    status = 401
    code = "sign_in_failed"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_key(token: str) -> str:
    """What identifies a session without being one: the SHA-256 of its token (the row's key)."""
    return _hash(token)


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
    return resolve_key(session, _hash(token))


def resolve_key(session: Session, key: str | None) -> int | None:
    """As `resolve`, from the session's key (see `session_key`)."""
    if not key or len(key) != 64:
        return None
    row = session.get(UserSession, key)
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
    if token:
        end_session_key(session, _hash(token))


def end_session_key(session: Session, key: str | None) -> None:
    if not key or len(key) != 64:
        return
    row = session.get(UserSession, key)
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
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str = "",
    user_agent: str = "",
    client: str = "",
) -> SessionGrant:
    user_id = _create_account(
        session, email=email, password=password, display_name=display_name, client=client
    )
    return start_session(session, user_id=user_id, user_agent=user_agent)


def _create_account(
    session: Session, *, email: str, password: str, display_name: str, client: str
) -> int:
    throttle.check(throttle.SIGN_UP_CLIENT, client)
    throttle.hit(throttle.SIGN_UP_CLIENT, client)
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
    return user.id


def _verified_user(session: Session, *, email: str, password: str, client: str) -> int:
    """The user whose password this is. Failures are throttled per client and per account with
    growing delays (services.throttle), never a hard lockout; the error never says whether the
    address has an account, and unknown addresses are counted like known ones."""
    throttle.check(throttle.SIGN_IN_CLIENT, client)
    try:
        email = normalise_email(email)
    except ValidationFailed:
        throttle.hit(throttle.SIGN_IN_CLIENT, client)
        raise SignInFailed("Wrong e-mail or password") from None
    pair = f"{email} {client}"
    throttle.check(throttle.SIGN_IN_ACCOUNT_CLIENT, pair)
    throttle.check(throttle.SIGN_IN_ACCOUNT, email)
    user = session.exec(select(User).where(User.email == email)).first()
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.is_active and user.id is not None:
        throttle.clear(throttle.SIGN_IN_ACCOUNT_CLIENT, pair)
        return user.id
    throttle.hit(throttle.SIGN_IN_CLIENT, client)
    throttle.hit(throttle.SIGN_IN_ACCOUNT_CLIENT, pair)
    throttle.hit(throttle.SIGN_IN_ACCOUNT, email)
    raise SignInFailed("Wrong e-mail or password")


def sign_in(*, email: str, password: str, user_agent: str = "", client: str = "") -> SessionGrant:
    """Check the password and start a session (for callers that hold the token themselves)."""
    with session_scope() as session:
        user_id = _verified_user(session, email=email, password=password, client=client)
        return start_session(session, user_id=user_id, user_agent=user_agent)


def sign_in_ticket(*, email: str, password: str, user_agent: str = "", client: str = "") -> str:
    """Check the password and issue the ticket a browser redeems for its session cookie."""
    with session_scope() as session:
        user_id = _verified_user(session, email=email, password=password, client=client)
        return issue_ticket(session, user_id=user_id, user_agent=user_agent)


def sign_up_ticket(
    *, email: str, password: str, display_name: str = "", user_agent: str = "", client: str = ""
) -> str:
    """Create the account (as `sign_up`) and issue the browser's ticket instead of a session."""
    with session_scope() as session:
        user_id = _create_account(
            session, email=email, password=password, display_name=display_name, client=client
        )
        return issue_ticket(session, user_id=user_id, user_agent=user_agent)


# -- hand-over of a new session to the browser ------------------------------------------------
# A Reflex event cannot set an HttpOnly cookie. So signing in issues a single-use ticket valid for
# a minute; the browser takes it to `/api/session/start`, which redeems it for the session and
# sets the cookie itself. Neither the ticket's session nor its token is ever in Reflex state.

TICKET_TTL = timedelta(seconds=60)


def issue_ticket(session: Session, *, user_id: int, user_agent: str = "") -> str:
    ticket = secrets.token_urlsafe(32)
    session.add(
        LoginTicket(
            ticket_hash=_hash(ticket),
            user_id=user_id,
            expires_at=utcnow() + TICKET_TTL,
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return ticket


def redeem_ticket(*, ticket: str, user_agent: str = "") -> SessionGrant | None:
    """The session a ticket stands for, once; None for an unknown, used or expired ticket."""
    if not ticket or len(ticket) > 200:
        return None
    table = LoginTicket.__table__  # type: ignore[attr-defined]
    now = utcnow()
    with session_scope() as session:
        claimed = session.execute(
            sa.update(table)
            .where(
                table.c.ticket_hash == _hash(ticket),
                table.c.used_at.is_(None),
                table.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(table.c.user_id)
        ).first()
        session.execute(sa.delete(table).where(table.c.expires_at < now - TICKET_TTL))
        if claimed is None:
            return None
        user = session.get(User, claimed.user_id)
        if user is None or not user.is_active or user.is_system:
            return None
        return start_session(session, user_id=claimed.user_id, user_agent=user_agent)
