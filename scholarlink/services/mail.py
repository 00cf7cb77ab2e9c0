"""Every e-mail goes through the outbox: written as a row (with an idempotency key) in the same
transaction as what caused it, then sent one by one, each send committed on its own.

- Queueing the same key twice is a no-op, so a pass that runs again queues nothing new.
- A message is claimed with a short lease before it is sent; a crash mid-send leaves it to be
  retried after the lease. Its Message-ID is derived from the key, so the rare copy re-sent after
  a crash between the server's reply and our commit can be recognised by the receiver.
- A temporary failure is retried with exponential backoff and jitter up to MAIL_MAX_ATTEMPTS, then
  marked failed for the operator (`scholarlink notify failed`, metrics); one failure never touches
  the other messages of a batch.
- A permanent refusal of the recipient (SMTP 5xx) suppresses the address: nothing more is sent
  to it.
- Plain-text and HTML parts come from Jinja2 templates (templates/mail/<kind>.txt/.html); mail a
  student can opt out of carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
- Without SMTP_HOST in development, a message is written to the log instead of sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.core.backoff import spread
from scholarlink.core.clock import utcnow
from scholarlink.core.db import session_scope, use_case
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.models import MailSuppression, NotificationPrefs, OutboundMail, User
from scholarlink.observability.metrics import MAIL_MESSAGES

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
SEND_LEASE = timedelta(minutes=5)

# What a student can switch off, and the preference each kind of mail obeys. Sign-up mails are
# transactional: they carry no unsubscribe link.
CATEGORIES = {
    "new_matches": "New matches (immediately or in the weekly digest)",
    "deadline_mail": "Deadline reminders for applications and bookmarks",
    "watchlist_mail": "Watchlist: when a cycle opens, and its deadlines",
}
KIND_CATEGORY = {
    "new_match": "new_matches",
    "digest": "new_matches",
    "deadline": "deadline_mail",
    "watch_open": "watchlist_mail",
    "watch_deadline": "watchlist_mail",
}
# Sent once on a person's own request, or to someone who is not a ScholarLink student (an
# invitee, a recommender, who can decline from the letter page).
TRANSACTIONAL = {
    "confirm_sign_up",
    "account_exists",
    "share_invite",
    "letter_request",
    "letter_reminder",
}
KINDS = set(KIND_CATEGORY) | TRANSACTIONAL


# One environment: templates ending in .html are autoescaped, the plain-text ones are not
# (escaping would garble names like "O'Neil & Co" in the text part).
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def compose(kind: str, **context: Any) -> Composed:
    """The subject and both parts of a mail of `kind` (StrictUndefined: a missing value raises)."""
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    context.setdefault("unsubscribe_url", None)
    subject = _TEMPLATES.get_template(f"{kind}.subject.txt").render(**context).strip()
    return Composed(
        subject=" ".join(subject.split())[:300],
        text=_TEMPLATES.get_template(f"{kind}.txt").render(**context),
        html=_TEMPLATES.get_template(f"{kind}.html").render(**context),
    )


# -- unsubscribe tokens -----------------------------------------------------------------------


def _signature(public_id: str, category: str) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    mac = hmac.new(key, f"unsubscribe:{public_id}:{category}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def unsubscribe_url(public_id: str, category: str) -> str:
    query = urlencode({"u": public_id, "c": category, "t": _signature(public_id, category)})
    return f"{get_settings().api_base_url}/api/mail/unsubscribe?{query}"


@use_case
def unsubscribe(session: Session, *, public_id: str, category: str, token: str) -> str:
    """Switch one kind of mail off for the student the signed link names; returns the category's
    description. A wrong signature or unknown category changes nothing."""
    if category not in CATEGORIES or not hmac.compare_digest(
        _signature(public_id, category), token
    ):
        raise ValidationFailed("This unsubscribe link is not valid")
    user = session.exec(select(User).where(User.public_id == public_id)).first()
    if user is None or user.id is None:
        raise NotFound("This unsubscribe link is not valid")
    prefs = preferences(session, user.id)
    if category == "new_matches":
        prefs.new_matches = "off"
    else:
        setattr(prefs, category, False)
    prefs.updated_at = utcnow()
    session.add(prefs)
    session.flush()
    return CATEGORIES[category]


def preferences(session: Session, user_id: int) -> NotificationPrefs:
    prefs = session.get(NotificationPrefs, user_id)
    if prefs is None:
        prefs = NotificationPrefs(user_id=user_id)
        session.add(prefs)
        session.flush()
    return prefs


# -- queueing ---------------------------------------------------------------------------------


def is_suppressed(session: Session, address: str) -> bool:
    return session.get(MailSuppression, address.lower()) is not None


def enqueue(
    session: Session,
    *,
    key: str,
    to: str,
    kind: str,
    context: dict[str, Any],
    user_id: int | None = None,
    public_id: str | None = None,
) -> OutboundMail | None:
    """Queue a mail in the caller's transaction. Returns None when the key was queued before
    (nothing changes) ; a mail to a suppressed address is recorded as suppressed, never sent."""
    if session.exec(select(OutboundMail.id).where(OutboundMail.idempotency_key == key)).first():
        return None
    category = KIND_CATEGORY.get(kind)
    headers: dict[str, str] = {}
    if category is not None and public_id is not None:
        url = unsubscribe_url(public_id, category)
        context = {**context, "unsubscribe_url": url}
        headers = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    mail = compose(kind, **context)
    row = OutboundMail(
        idempotency_key=key[:200],
        user_id=user_id,
        to_address=to,
        kind=kind,
        subject=mail.subject,
        text_body=mail.text,
        html_body=mail.html,
        headers=headers,
    )
    if is_suppressed(session, to):
        row.status, row.last_error = "suppressed", "address bounced before"
        MAIL_MESSAGES.labels(kind=kind, outcome="suppressed").inc()
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # queued concurrently by another process
    return row


# -- sending ----------------------------------------------------------------------------------


def _message(row: OutboundMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:32]
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "scholarlink.local"
    message["Message-ID"] = f"<{digest}@{domain}>"
    for name, value in row.headers.items():
        message[name] = value
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def _claim(now: datetime, limit: int, only_id: int | None = None) -> list[int]:
    """Claim due messages (pending and due, or `sending` with an expired lease) for SEND_LEASE."""
    table = OutboundMail.__table__  # type: ignore[attr-defined]
    with session_scope() as session:
        due = sa.or_(
            sa.and_(table.c.status == "pending", table.c.next_attempt_at <= now),
            sa.and_(table.c.status == "sending", table.c.lease_until < now),
        )
        query = sa.select(table.c.id).where(due).order_by(table.c.id).limit(limit)
        if only_id is not None:
            query = query.where(table.c.id == only_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [r.id for r in session.execute(query)]
        if not ids:
            return []
        claimed = session.execute(
            sa.update(table)
            .where(table.c.id.in_(ids), due)
            .values(status="sending", lease_until=now + SEND_LEASE)
            .returning(table.c.id)
        )
        return sorted(r.id for r in claimed)


def _backoff(attempts: int) -> timedelta:
    base = get_settings().mail_base_delay_seconds
    return timedelta(seconds=spread(attempts, base=base, cap=6 * 3600, by=0.2))


def _finish(
    mail_id: int, *, outcome: str, error: str | None = None, suppress: bool = False
) -> None:
    now = utcnow()
    with session_scope() as session:
        row = session.get(OutboundMail, mail_id)
        if row is None:
            return
        if outcome == "sent":
            row.status, row.sent_at, row.last_error = "sent", now, None
        elif suppress:
            row.status, row.last_error = "suppressed", error
            if session.get(MailSuppression, row.to_address.lower()) is None:
                session.add(MailSuppression(address=row.to_address.lower(), reason=error or ""))
        else:
            row.attempts += 1
            row.last_error = error
            if row.attempts >= get_settings().mail_max_attempts:
                row.status = "failed"
                outcome = "failed"
            else:
                row.status, row.next_attempt_at = "pending", now + _backoff(row.attempts)
                outcome = "retried"
        row.lease_until = None
        session.add(row)
        MAIL_MESSAGES.labels(kind=row.kind, outcome="suppressed" if suppress else outcome).inc()


def deliver_due(*, limit: int = 200, only_id: int | None = None) -> dict[str, int]:
    """Send what is due. Each message is claimed, sent and recorded on its own, so a failure in
    the middle of a batch neither loses nor repeats the others. Returns counts by outcome."""
    settings = get_settings()
    counts = {"sent": 0, "retried": 0, "suppressed": 0}
    ids = _claim(utcnow(), limit, only_id)
    if not ids:
        return counts
    if not settings.smtp_host:
        if settings.environment == "production":
            return counts  # refused at start-up; never reached
        for mail_id in ids:
            with session_scope() as session:
                row = session.get(OutboundMail, mail_id)
                if row is not None:
                    log.info(
                        "mail not sent: no SMTP_HOST (development); its text follows",
                        extra={
                            "mail_to": row.to_address,
                            "mail_subject": row.subject,
                            "mail_text": row.text_body,
                        },
                    )
            _finish(mail_id, outcome="sent")
            counts["sent"] += 1
        return counts
    smtp: smtplib.SMTP | None = None
    try:
        for mail_id in ids:
            with session_scope() as session:
                row = session.get(OutboundMail, mail_id)
                if row is None:
                    continue
                message = _message(row, settings.smtp_from)
            try:
                if smtp is None:
                    smtp = smtplib.SMTP(
                        settings.smtp_host,
                        settings.smtp_port,
                        timeout=settings.smtp_timeout_seconds,
                    )
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                permanent = all(500 <= code < 600 for code in codes)
                _finish(
                    mail_id,
                    outcome="failed",
                    error=f"recipient refused ({codes[0] if codes else '?'})",
                    suppress=permanent,
                )
                counts["suppressed" if permanent else "retried"] += 1
            except (smtplib.SMTPException, OSError) as exc:
                _finish(mail_id, outcome="failed", error=type(exc).__name__)
                counts["retried"] += 1
                if smtp is not None:
                    with contextlib.suppress(Exception):
                        smtp.close()
                smtp = None
            else:
                _finish(mail_id, outcome="sent")
                counts["sent"] += 1
    finally:
        if smtp is not None:
            with contextlib.suppress(Exception):
                smtp.quit()
    return counts


def send_now(mail_id: int | None) -> None:
    """Try a freshly committed mail at once (sign-up mails); if that fails, the outbox pass
    retries it later."""
    if mail_id is not None:
        try:
            deliver_due(limit=1, only_id=mail_id)
        except Exception:  # the row stays claimed and is retried after its lease
            log.warning("mail could not be sent at once; the outbox retries it", exc_info=True)


def mail_is_logged() -> bool:
    """True in development without SMTP_HOST: mail goes to the log instead of a server."""
    settings = get_settings()
    return not settings.smtp_host and settings.environment != "production"


# -- operators --------------------------------------------------------------------------------


def failed_mails(session: Session, *, limit: int = 100) -> list[OutboundMail]:
    return list(
        session.exec(
            select(OutboundMail)
            .where(OutboundMail.status == "failed")
            .order_by(col(OutboundMail.id).desc())
            .limit(limit)
        )
    )


def retry_failed(session: Session, *, mail_id: int) -> OutboundMail:
    row = session.get(OutboundMail, mail_id)
    if row is None or row.status != "failed":
        raise NotFound("No failed mail with that id")
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    session.add(row)
    session.flush()
    return row


def mail_counts(session: Session) -> dict[str, int]:
    table = OutboundMail.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(table.c.status, sa.func.count()).group_by(table.c.status)
    ).all()
    return {status: int(n) for status, n in rows}
