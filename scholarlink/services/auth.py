"""Sign-in and server-side sessions.

A session token is 32 random bytes given to the browser; only its SHA-256 is stored, so a leaked
database cannot be replayed as sessions. Sessions expire, survive restarts (they live in the
database) and can all be revoked at once. Failed sign-ins are throttled per client and per
account (services.throttle). New accounts are confirmed by e-mail (request_sign_up).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import read_use_case, session_scope, use_case
from scholarlink.core.errors import Conflict, ServiceError, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.models import LoginTicket, Notification, SignUpRequest, User, UserSession
from scholarlink.services import mail, throttle
from scholarlink.services.accounts import (
    hash_password,
    normalise_email,
    password_problems,
    verify_password,
)
from scholarlink.services.credits import MILLI, post_entry


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


@read_use_case
def user_of_token(session: Session, *, token: str | None) -> int | None:
    """As `resolve`, in its own transaction (an HTTP route's session cookie)."""
    return resolve(session, token)


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


class WhoAmI(BaseModel):
    """The signed-in student as the navigation shows them."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    display_name: str
    unread: int


# The session, its user and the unread count in one SELECT, built once: `whoami` runs on every
# websocket event, and reading columns (not two ORM objects) is most of its saving.
_UNREAD = (
    sa.select(sa.func.count())
    .select_from(Notification)
    .where(
        col(Notification.user_id) == col(UserSession.user_id),
        col(Notification.read_at).is_(None),
    )
    .scalar_subquery()
)
_WHOAMI = (
    sa.select(
        col(UserSession.user_id),
        col(UserSession.revoked_at),
        col(UserSession.expires_at),
        col(UserSession.last_seen_at),
        col(User.display_name),
        col(User.email),
        col(User.is_active),
        col(User.is_system),
        _UNREAD,
    )
    .join(User, col(User.id) == col(UserSession.user_id))
    .where(col(UserSession.token_hash) == sa.bindparam("key"))
)
_SEEN = (
    sa.update(UserSession)
    .where(col(UserSession.token_hash) == sa.bindparam("key"))
    .values(last_seen_at=sa.bindparam("now"))
)


@read_use_case
def whoami(session: Session, *, key: str | None) -> WhoAmI | None:
    """Who holds the session with this key (see `session_key`), or None when it is unknown,
    expired or revoked: their id, the name to show and how many notifications are unread.

    Every websocket event asks this, so it is one round trip: the session, its user and the
    unread count in a single SELECT (the same checks as `resolve_key`); the session's
    `last_seen_at` is written at most every five minutes."""
    if not key or len(key) != 64:
        return None
    # On the connection, not through the ORM's execution path, which prepared to load objects
    # this statement never returns (a tenth to a fifth of the call, measured in process).
    db = session.connection()
    found = db.execute(_WHOAMI, {"key": key}).first()
    if found is None:
        return None
    user_id, revoked_at, expires_at, last_seen_at, name, email, active, system, count = found
    now = utcnow()
    if revoked_at is not None or expires_at <= now:
        return None
    if not active or system:
        return None
    if now - last_seen_at > timedelta(minutes=5):
        db.execute(_SEEN, {"key": key, "now": now})
    return WhoAmI(user_id=user_id, display_name=name or email or "", unread=int(count or 0))


@use_case
def sign_out(session: Session, *, key: str | None) -> None:
    """End the session with this key (nothing happens for an unknown key)."""
    end_session_key(session, key)


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


@use_case
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


# -- sign-up, confirmed by e-mail --------------------------------------------------------------
# The form answers the same for every well-formed address: "check your inbox". A new address gets
# a link that creates the account; an address with an account gets a note saying so. So the form
# never tells anyone which addresses have accounts, and nobody can take an address they cannot
# read mail at.

CONFIRM_TTL = timedelta(hours=24)


def request_sign_up(
    *,
    email: str,
    password: str,
    display_name: str = "",
    client: str = "",
    confirm_url: str,
    sign_in_url: str,
    next_path: str = "",
) -> None:
    """Check the form and send the confirmation (or "you already have an account") mail.
    `confirm_url` is the page the link opens (its token is added), `sign_in_url` the sign-in
    page: absolute URLs of the frontend the student uses; `next_path` (a same-site path, already
    checked by the caller) is where the link leads after the account is created."""
    throttle.check(throttle.SIGN_UP_CLIENT, client)
    throttle.hit(throttle.SIGN_UP_CLIENT, client)
    email = normalise_email(email)
    problems = password_problems(password, email)
    if problems:
        raise ValidationFailed(
            "Password does not meet the rules: " + "; ".join(problems),
            details=[{"field": "password", "message": p} for p in problems],
        )
    # Mail to one address is limited, whoever asks: the same for addresses with and without an
    # account, so the limit reveals nothing either.
    throttle.check(throttle.SIGN_UP_ADDRESS, email)
    throttle.hit(throttle.SIGN_UP_ADDRESS, email)
    password_hash = hash_password(password)  # the same work on both paths
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is not None:
            queued = mail.enqueue(
                session,
                key=f"account-exists:{email}:{utcnow():%Y-%m-%dT%H}",
                to=email,
                kind="account_exists",
                user_id=user.id,
                context={"name": user.display_name, "sign_in_url": sign_in_url},
            )
        else:
            token = secrets.token_urlsafe(32)
            session.add(
                SignUpRequest(
                    token_hash=_hash(token),
                    email=email,
                    display_name=display_name.strip()[:120],
                    password_hash=password_hash,
                    expires_at=utcnow() + CONFIRM_TTL,
                )
            )
            queued = mail.enqueue(
                session,
                key=f"confirm:{_hash(token)}",
                to=email,
                kind="confirm_sign_up",
                context={
                    "name": display_name.strip(),
                    "link": f"{confirm_url}?"
                    + urlencode({"token": token, **({"next": next_path} if next_path else {})}),
                    "hours": int(CONFIRM_TTL.total_seconds() // 3600),
                },
            )
        mail_id = queued.id if queued is not None else None
    mail.send_now(mail_id)


def confirm_sign_up(session: Session, *, token: str) -> int:
    """Create the account a confirmation link stands for (once); returns the new user's id."""
    if not token or len(token) > 200:
        raise ValidationFailed(LINK_USED)
    table = SignUpRequest.__table__  # type: ignore[attr-defined]
    now = utcnow()
    claimed = session.execute(
        sa.update(table)
        .where(
            table.c.token_hash == _hash(token),
            table.c.used_at.is_(None),
            table.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(table.c.email, table.c.display_name, table.c.password_hash)
    ).first()
    session.execute(sa.delete(table).where(table.c.expires_at < now - CONFIRM_TTL))
    if claimed is None:
        raise ValidationFailed(LINK_USED)
    if session.exec(select(User.id).where(User.email == claimed.email)).first() is not None:
        raise Conflict("This address already has an account: sign in instead.")
    user = User(
        email=claimed.email,
        display_name=claimed.display_name or claimed.email.split("@")[0],
        password_hash=claimed.password_hash,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    # Other pending requests for the address are spent: one account per address.
    session.execute(
        sa.update(table)
        .where(table.c.email == claimed.email, table.c.used_at.is_(None))
        .values(used_at=now)
    )
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


LINK_USED = "This link has expired or was used already. Sign up again, or sign in."


def confirm_sign_up_ticket(*, token: str, user_agent: str = "") -> str:
    """Confirm the address and issue the browser's ticket for its first session."""
    with session_scope() as session:
        user_id = confirm_sign_up(session, token=token)
        return issue_ticket(session, user_id=user_id, user_agent=user_agent)


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
