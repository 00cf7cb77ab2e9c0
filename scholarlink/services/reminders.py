"""Deadline reminders (21, 7 and 1 days before) and the per-student iCalendar feed.

Reminders are notifications with a unique dedupe key per student, scholarship, deadline and
offset, so running the job again (or after a restart, or in two processes) creates each once.
E-mail goes out when SMTP is configured; a notification is marked once its e-mail is sent.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

from icalendar import Calendar, Event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.models import Application, Match, Notification, Scholarship, User, utcnow
from scholarlink.services.matches import student_deadlines
from scholarlink.settings import get_settings

log = logging.getLogger(__name__)
OFFSETS = (21, 7, 1)
OPEN_STATUSES = ("draft", "in_progress")


@dataclass(frozen=True)
class Deadline:
    user_id: int
    scholarship: Scholarship
    due: date
    why: str  # "application" | "bookmark"


def tracked_deadlines(
    session: Session, *, today: date, user_id: int | None = None
) -> list[Deadline]:
    """Open applications and bookmarked matches, with their next deadline (one per scholarship)."""
    apps = (
        select(Application.user_id, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Application.scholarship_id)
        .where(col(Application.status).in_(OPEN_STATUSES), Scholarship.is_active)
    )
    marks = (
        select(Match.user_id, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(Match.bookmarked, Scholarship.is_active)
    )
    if user_id is not None:
        apps = apps.where(Application.user_id == user_id)
        marks = marks.where(Match.user_id == user_id)
    seen: set[tuple[int, int]] = set()
    out: list[Deadline] = []
    found: list[tuple[str, int, Scholarship]] = []
    for why, rows in (
        ("application", session.exec(apps).all()),
        ("bookmark", session.exec(marks).all()),
    ):
        for uid, s in rows:
            key = (uid, s.id or 0)
            if key in seen:
                continue
            seen.add(key)
            found.append((why, uid, s))
    # Each student's own cycle decides the date (a senior is not reminded of next year's cycle).
    by_user: dict[int, list[int]] = {}
    for _, uid, s in found:
        by_user.setdefault(uid, []).append(s.id or 0)
    theirs = {
        uid: student_deadlines(session, user_id=uid, scholarship_ids=ids, day=today)
        for uid, ids in by_user.items()
    }
    for why, uid, s in found:
        when, _ = theirs[uid].get(s.id or 0, (None, "varies"))
        if when is not None:
            out.append(Deadline(uid, s, when, why))
    return sorted(out, key=lambda d: (d.due, d.scholarship.name))


def create_due_reminders(session: Session, *, today: date) -> list[Notification]:
    """Notifications for deadlines exactly 21, 7 or 1 days away; each is created once."""
    created = []
    for d in tracked_deadlines(session, today=today):
        days = (d.due - today).days
        if days not in OFFSETS:
            continue
        key = f"deadline:{d.user_id}:{d.scholarship.id}:{d.due.isoformat()}:{days}"
        if session.exec(select(Notification.id).where(Notification.dedupe_key == key)).first():
            continue
        when = "tomorrow" if days == 1 else f"in {days} days"
        note = Notification(
            user_id=d.user_id,
            dedupe_key=key,
            kind="deadline",
            title=f"{d.scholarship.name} is due {when}",
            body=f"The deadline is {d.due.strftime('%B %-d, %Y')}. {'Finish your application' if d.why == 'application' else 'You bookmarked it'} — official site: {d.scholarship.url}",
            link=f"/scholarships/{d.scholarship.id}",
        )
        try:
            with session.begin_nested():
                session.add(note)
        except IntegrityError:
            continue  # created concurrently by another process
        created.append(note)
    return created


def send_pending_emails(session: Session, *, limit: int = 200) -> int:
    """E-mail reminders not sent yet (only when SMTP_HOST is set)."""
    settings = get_settings()
    if not settings.smtp_host:
        return 0
    rows = session.exec(
        select(Notification, User)
        .join(User, col(User.id) == Notification.user_id)
        .where(
            Notification.kind == "deadline",
            col(Notification.emailed_at).is_(None),
            col(User.email).is_not(None),
            User.is_active,
        )
        .limit(limit)
    ).all()
    if not rows:
        return 0
    sent = 0
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        for note, user in rows:
            message = EmailMessage()
            message["From"] = settings.smtp_from
            message["To"] = user.email or ""
            message["Subject"] = note.title
            message.set_content(
                f"Hi {user.display_name or 'there'},\n\n{note.body}\n\n— ScholarLink (we never sell your data)"
            )
            smtp.send_message(message)
            note.emailed_at = utcnow()
            session.add(note)
            sent += 1
    return sent


def notifications(
    session: Session, *, user_id: int, unread_only: bool = False, limit: int = 20
) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return list(session.exec(query.order_by(col(Notification.id).desc()).limit(limit)))


def mark_read(session: Session, *, user_id: int, notification_id: int) -> None:
    note = session.get(Notification, notification_id)
    if note is not None and note.user_id == user_id and note.read_at is None:
        note.read_at = utcnow()
        session.add(note)


# -- iCalendar feed ---------------------------------------------------------------------------


def calendar_token(session: Session, *, user_id: int, reset: bool = False) -> str:
    """The student's secret feed token (created on first use; `reset` revokes the old URL)."""
    user = session.get(User, user_id)
    assert user is not None
    if reset or not user.calendar_token:
        user.calendar_token = secrets.token_urlsafe(24)
        session.add(user)
        session.flush()
    return str(user.calendar_token)


def user_for_calendar(session: Session, token: str) -> int | None:
    if not token or len(token) > 64:
        return None
    user = session.exec(select(User).where(User.calendar_token == token)).first()
    return user.id if user is not None and user.is_active else None


def ical_feed(session: Session, *, user_id: int, today: date) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//ScholarLink//Scholarship deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "ScholarLink deadlines")
    stamp = datetime.combine(today, time(0, 0))
    for d in tracked_deadlines(session, today=today, user_id=user_id):
        event = Event()
        event.add("uid", f"scholarship-{d.scholarship.id}-{d.due.isoformat()}@scholarlink")
        event.add("dtstamp", stamp)
        event.add("dtstart", d.due)
        event.add("dtend", d.due + timedelta(days=1))
        event.add("summary", f"Deadline: {d.scholarship.name}")
        event.add("description", f"{d.scholarship.provider}. {d.scholarship.url}")
        event.add("url", d.scholarship.url)
        cal.add_component(event)
    return bytes(cal.to_ical())
