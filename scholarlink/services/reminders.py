"""Deadline reminders (21, 7 and 1 days before) and the per-student iCalendar feed.

Reminders are notifications with a unique dedupe key per student, scholarship, deadline and
threshold, so running the job again (or after a restart, or in two processes) creates each once;
their e-mail goes through the outbox (services.mail, queued by services.notify).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from icalendar import Calendar, Event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import use_case
from scholarlink.core.errors import NotFound
from scholarlink.models import Application, Match, Notification, Scholarship, User
from scholarlink.services.matches import student_deadlines

log = logging.getLogger(__name__)
OFFSETS = (21, 7, 1)
OPEN_STATUSES = ("draft", "in_progress")


@dataclass(frozen=True)
class Deadline:
    user_id: int
    scholarship: Scholarship
    due: date
    why: str  # "application" | "bookmark" | "watch" (an opens-later match)


def tracked_deadlines(
    session: Session, *, today: date, user_id: int | None = None
) -> list[Deadline]:
    """Open applications, bookmarked matches and the watchlist (matches whose cycle opens later),
    each with the deadline of the student's own cycle (one per scholarship)."""
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
    watch = (
        select(Match.user_id, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(
            Match.bucket == "opens_later",
            Match.is_current,
            col(Match.dismissed).is_(False),
            Scholarship.is_active,
        )
    )
    if user_id is not None:
        apps = apps.where(Application.user_id == user_id)
        marks = marks.where(Match.user_id == user_id)
        watch = watch.where(Match.user_id == user_id)
    seen: set[tuple[int, int]] = set()
    found: list[tuple[str, int, Scholarship]] = []
    for why, rows in (
        ("application", session.exec(apps).all()),
        ("bookmark", session.exec(marks).all()),
        ("watch", session.exec(watch).all()),
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
    out: list[Deadline] = []
    for why, uid, s in found:
        when, _ = theirs[uid].get(s.id or 0, (None, "varies"))
        if when is not None:
            out.append(Deadline(uid, s, when, why))
    return sorted(out, key=lambda d: (d.due, d.scholarship.name))


def threshold_due(days_left: int) -> int | None:
    """The reminder threshold a deadline `days_left` away has most recently crossed: 21, 7 or 1
    (a deadline today counts as crossing 1); None once it has passed or before 21 days."""
    if days_left < 0:
        return None
    crossed = [t for t in OFFSETS if days_left <= t]
    return min(crossed) if crossed else None


def reminder_key(d: Deadline, threshold: int) -> str:
    return f"deadline:{d.user_id}:{d.scholarship.id}:{d.due.isoformat()}:{threshold}"


def create_due_reminders(
    session: Session, *, today: date, local_today: dict[int, date] | None = None
) -> list[tuple[Notification, Deadline]]:
    """One reminder per deadline and threshold (21, 7, 1 days before): after downtime only the
    most recent threshold not yet sent goes out — never several at once, never one for a passed
    deadline, never one that an earlier threshold's reminder already covers. `local_today` gives
    each student's own "today" (their time zone); `today` is used for the rest."""
    created = []
    local_today = local_today or {}
    for d in tracked_deadlines(session, today=today):
        day = local_today.get(d.user_id, today)
        days = (d.due - day).days
        threshold = threshold_due(days)
        if threshold is None:
            continue
        # Sent already for this threshold, or a later (smaller) one: nothing to do.
        keys = [reminder_key(d, t) for t in OFFSETS if t <= threshold]
        if session.exec(
            select(Notification.id).where(col(Notification.dedupe_key).in_(keys))
        ).first():
            continue
        when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
        what = {
            "application": "Finish your application",
            "bookmark": "You bookmarked it",
            "watch": "It is on your watchlist",
        }[d.why]
        note = Notification(
            user_id=d.user_id,
            dedupe_key=reminder_key(d, threshold),
            kind="watch_deadline" if d.why == "watch" else "deadline",
            title=f"{d.scholarship.name} is due {when}"[:200],
            body=f"The deadline is {d.due.strftime('%B %-d, %Y')}. {what} — official site: {d.scholarship.url}",
            link=f"/scholarships/{d.scholarship.id}",
        )
        try:
            with session.begin_nested():
                session.add(note)
        except IntegrityError:
            continue  # created concurrently by another process
        created.append((note, d))
    return created


def notifications(
    session: Session, *, user_id: int, unread_only: bool = False, limit: int = 20
) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return list(session.exec(query.order_by(col(Notification.id).desc()).limit(limit)))


@use_case
def mark_read(session: Session, *, user_id: int, notification_id: int) -> None:
    note = session.get(Notification, notification_id)
    if note is not None and note.user_id == user_id and note.read_at is None:
        note.read_at = utcnow()
        session.add(note)


# -- iCalendar feed ---------------------------------------------------------------------------


def calendar_token(session: Session, *, user_id: int, reset: bool = False) -> str:
    """The student's secret feed token: created on first use, or anew when `reset` (the old URL
    stops working). Two first visits at once agree on one token: only a student without one
    gets the new one, and the other reads what the first wrote."""
    users = User.__table__  # type: ignore[attr-defined]
    new = secrets.token_urlsafe(24)
    change = sa.update(users).where(users.c.id == user_id)
    if not reset:
        change = change.where(users.c.calendar_token.is_(None))
    run = session.connection().execute
    if run(change.values(calendar_token=new).returning(users.c.id)).first() is not None:
        return new
    token = run(sa.select(users.c.calendar_token).where(users.c.id == user_id)).scalar()
    if token is None:
        raise NotFound("No such student")
    return str(token)


def user_for_calendar(session: Session, token: str) -> int | None:
    if not token or len(token) > 64:
        return None
    user = session.exec(select(User).where(User.calendar_token == token)).first()
    return user.id if user is not None and user.is_active else None


@use_case
def calendar_feed(session: Session, *, token: str, today: date) -> bytes | None:
    """The iCalendar feed a secret calendar token names, or None for an unknown token."""
    user_id = user_for_calendar(session, token)
    return None if user_id is None else ical_feed(session, user_id=user_id, today=today)


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
