"""The alert pass: new matches, the watchlist, deadline reminders, digests — then the outbox.

`run_pass` is what `scholarlink notify run` and the scheduler (on its lease) run. Every step is
idempotent (notifications and mails carry unique keys) and commits on its own, so a pass can be
interrupted anywhere and run again, in two processes at once, without losing or doubling a
message:

1. students whose profile or catalogue changed since their matches were computed are re-matched
   (local engine only; announcements.record_matches turns matches new to them into notifications);
2. watchlist: a bookmarked or opens-later programme whose cycle has opened is announced once;
3. reminders for the most recent 21/7/1-day threshold not yet sent (services.reminders);
4. new-match mail, at once or in the weekly digest, as each student chose;
5. recommenders are reminded 14, 7 and 2 days before a letter is due (services.letters);
6. the outbox sends what is due (services.mail).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import session_scope, use_case
from scholarlink.core.errors import ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.models import (
    Match,
    MatchAnnouncement,
    MatchRun,
    Notification,
    NotificationPrefs,
    Scholarship,
    StudentProfile,
    User,
)
from scholarlink.services import letters, mail, matches, reminders

log = logging.getLogger(__name__)
DIGEST_EVERY = timedelta(days=7)
LETTER_UPLOAD_PATH = "/letters/upload"  # the recommender's page (routes.LETTER_UPLOAD)
NEW_MATCH_CHOICES = ("immediate", "weekly", "off")


@dataclass
class PassReport:
    rematched: int = 0
    new_matches: int = 0
    watch_opened: int = 0
    reminders: int = 0
    letter_reminders: int = 0
    mails_queued: int = 0
    mail: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rematched": self.rematched,
            "newMatches": self.new_matches,
            "watchOpened": self.watch_opened,
            "reminders": self.reminders,
            "letterReminders": self.letter_reminders,
            "mailsQueued": self.mails_queued,
            "mail": self.mail,
        }


# -- preferences ------------------------------------------------------------------------------


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(now: datetime, tz_name: str | None) -> date:
    return now.astimezone(zone_of(tz_name)).date()


def get_preferences(session: Session, *, user_id: int) -> dict[str, Any]:
    prefs = mail.preferences(session, user_id)
    return {
        "new_matches": prefs.new_matches,
        "deadline_mail": prefs.deadline_mail,
        "watchlist_mail": prefs.watchlist_mail,
        "timezone": prefs.timezone,
    }


@use_case
def set_preferences(
    session: Session,
    *,
    user_id: int,
    new_matches: str,
    deadline_mail: bool,
    watchlist_mail: bool,
    timezone: str,
) -> dict[str, Any]:
    problems = []
    if new_matches not in NEW_MATCH_CHOICES:
        problems.append({"field": "new_matches", "message": "immediate, weekly or off"})
    if timezone not in available_timezones():
        problems.append({"field": "timezone", "message": "not a time zone we know"})
    if problems:
        raise ValidationFailed("Check the highlighted settings", details=problems)
    prefs = mail.preferences(session, user_id)
    prefs.new_matches, prefs.deadline_mail, prefs.watchlist_mail = (
        new_matches,
        deadline_mail,
        watchlist_mail,
    )
    prefs.timezone, prefs.updated_at = timezone, utcnow()
    session.add(prefs)
    session.flush()
    return get_preferences(session, user_id=user_id)


def unread_count(session: Session, *, user_id: int) -> int:
    return int(
        session.exec(
            select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
        ).one()
    )


@use_case
def mark_all_read(session: Session, *, user_id: int) -> int:
    rows = list(
        session.exec(
            select(Notification).where(
                Notification.user_id == user_id, col(Notification.read_at).is_(None)
            )
        )
    )
    now = utcnow()
    for row in rows:
        row.read_at = now
        session.add(row)
    return len(rows)


KIND_LABELS = {
    "new_match": "New match",
    "watch_open": "Watchlist",
    "watch_deadline": "Watchlist deadline",
    "deadline": "Deadline",
}


class NoticePublic(BaseModel):
    """One notification as the notification centre lists it."""

    model_config = ConfigDict(frozen=True)

    id: int
    kind: str  # its label ("New match", "Deadline", ...)
    title: str
    body: str
    link: str
    when: str
    unread: bool


class PreferencesPublic(BaseModel):
    model_config = ConfigDict(frozen=True)

    new_matches: str
    deadline_mail: bool
    watchlist_mail: bool
    timezone: str


class NotificationCentre(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[NoticePublic]
    preferences: PreferencesPublic
    unread: int


@use_case
def notification_centre(session: Session, *, user_id: int, limit: int = 100) -> NotificationCentre:
    """The student's latest notifications, what they want by e-mail, and the unread count."""
    return NotificationCentre(
        items=[
            NoticePublic(
                id=n.id or 0,
                kind=KIND_LABELS.get(n.kind, n.kind.replace("_", " ").capitalize()),
                title=n.title,
                body=n.body,
                link=n.link or "",
                when=n.created_at.strftime("%b %-d, %Y %H:%M UTC"),
                unread=n.read_at is None,
            )
            for n in reminders.notifications(session, user_id=user_id, limit=limit)
        ],
        preferences=PreferencesPublic(**get_preferences(session, user_id=user_id)),
        unread=unread_count(session, user_id=user_id),
    )


# -- the pass ---------------------------------------------------------------------------------


def stale_students(session: Session) -> list[int]:
    """Students with a profile whose matches predate their profile or the catalogue."""
    newest = session.exec(select(sa.func.max(Scholarship.updated_at))).one()
    query = (
        select(StudentProfile.user_id)
        .join(User, col(User.id) == StudentProfile.user_id)
        .outerjoin(MatchRun, col(MatchRun.user_id) == StudentProfile.user_id)
        .where(User.is_active, col(User.is_system).is_(False))
    )
    stale = sa.or_(
        col(MatchRun.user_id).is_(None), col(MatchRun.computed_at) < StudentProfile.updated_at
    )
    if newest is not None:
        stale = sa.or_(stale, col(MatchRun.computed_at) < newest)
    return [
        int(uid) for uid in session.exec(query.where(stale).order_by(col(StudentProfile.user_id)))
    ]


def _people(session: Session, user_ids: set[int]) -> dict[int, tuple[User, NotificationPrefs]]:
    if not user_ids:
        return {}
    users = session.exec(
        select(User).where(col(User.id).in_(user_ids), User.is_active, col(User.email).is_not(None))
    ).all()
    return {u.id: (u, mail.preferences(session, u.id)) for u in users if u.id is not None}


def _links() -> dict[str, str]:
    base = get_settings().app_url.rstrip("/")
    return {"matches_url": f"{base}/matches", "preferences_url": f"{base}/notifications"}


def _notice_mail(session: Session, note: Notification, user: User, kind: str) -> bool:
    queued = mail.enqueue(
        session,
        key=f"mail:{note.dedupe_key}",
        to=user.email or "",
        kind=kind,
        user_id=user.id,
        public_id=user.public_id,
        context={
            "name": user.display_name,
            "title": note.title,
            "body": note.body,
            "link": get_settings().app_url.rstrip("/") + (note.link or "/dashboard"),
            **_links(),
        },
    )
    return queued is not None


def open_watchlist(session: Session, *, now: datetime) -> tuple[int, int]:
    """Announce, once, each watched programme (bookmarked, or opening later) whose cycle for the
    student has opened and whose deadline has not passed. Returns (notifications, mails)."""
    rows = session.exec(
        select(Match, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(
            Match.is_current,
            col(Match.dismissed).is_(False),
            Scholarship.is_active,
            sa.or_(col(Match.bucket) == "opens_later", col(Match.bookmarked).is_(True)),
        )
    ).all()
    people = _people(session, {m.user_id for m, _ in rows})
    notes = mails = 0
    for match, s in rows:
        opens = (match.cycle or {}).get("opens")
        deadline = (match.cycle or {}).get("deadline")
        if not opens or match.user_id not in people:
            continue
        user, prefs = people[match.user_id]
        today = local_day(now, prefs.timezone)
        opened = date.fromisoformat(opens)
        if opened > today or (deadline and date.fromisoformat(deadline) < today):
            continue
        due = (
            f" The deadline is {date.fromisoformat(deadline).strftime('%B %-d, %Y')}."
            if deadline
            else ""
        )
        note = Notification(
            user_id=match.user_id,
            dedupe_key=f"open:{match.user_id}:{s.id}:{opens}",
            kind="watch_open",
            title=f"{s.name} is open for applications"[:200],
            body=f"Applications for your cycle opened on {opened.strftime('%B %-d, %Y')}.{due}",
            link=f"/scholarships/{s.id}",
        )
        try:
            with session.begin_nested():
                session.add(note)
                session.flush()
                # Told now: the refresh that moves it to "matches" will not announce it again.
                if not session.exec(
                    select(MatchAnnouncement.id).where(
                        MatchAnnouncement.user_id == match.user_id,
                        MatchAnnouncement.scholarship_id == s.id,
                    )
                ).first():
                    session.add(
                        MatchAnnouncement(
                            user_id=match.user_id,
                            scholarship_id=s.id or 0,
                            notification_id=note.id,
                            digest_sent_at=utcnow(),
                        )
                    )
        except IntegrityError:
            continue  # announced before (or concurrently)
        notes += 1
        if prefs.watchlist_mail:
            mails += _notice_mail(session, note, user, "watch_open")
    return notes, mails


def due_reminders(session: Session, *, now: datetime) -> tuple[int, int]:
    """Deadline reminders (each student's "today" in their time zone), and their mail."""
    zones = session.exec(
        select(NotificationPrefs.user_id, NotificationPrefs.timezone).where(
            NotificationPrefs.timezone != "UTC"
        )
    ).all()
    created = reminders.create_due_reminders(
        session,
        today=now.astimezone(UTC).date(),
        local_today={uid: local_day(now, tz) for uid, tz in zones},
    )
    people = _people(session, {d.user_id for _, d in created})
    mails = 0
    for note, d in created:
        if d.user_id not in people:
            continue
        user, prefs = people[d.user_id]
        wanted = prefs.watchlist_mail if d.why == "watch" else prefs.deadline_mail
        if wanted:
            mails += _notice_mail(session, note, user, note.kind)
    return len(created), mails


def _item(s: Scholarship, deadline: date | None) -> dict[str, str]:
    if s.amount_max:
        amount = f"up to ${s.amount_max:,}"
    elif s.amount_min:
        amount = f"${s.amount_min:,}"
    else:
        amount = "amount varies"
    return {
        "name": s.name,
        "amount": amount,
        "deadline": f"due {deadline.strftime('%B %-d, %Y')}" if deadline else "deadline varies",
        "url": get_settings().app_url.rstrip("/") + f"/scholarships/{s.id}",
    }


def new_match_mail(session: Session, *, now: datetime) -> int:
    """Mail the announced matches not mailed yet: at once for "immediate", once a week for
    "weekly" (the default); "off" marks them done without mail. Returns mails queued."""
    pending = session.exec(
        select(MatchAnnouncement, Scholarship)
        .join(Scholarship, col(Scholarship.id) == MatchAnnouncement.scholarship_id)
        .where(col(MatchAnnouncement.digest_sent_at).is_(None))
        .order_by(col(MatchAnnouncement.id))
    ).all()
    by_user: dict[int, list[tuple[MatchAnnouncement, Scholarship]]] = {}
    for ann, s in pending:
        by_user.setdefault(ann.user_id, []).append((ann, s))
    people = _people(session, set(by_user))
    queued = 0
    for uid, items in by_user.items():
        if uid not in people:
            continue
        user, prefs = people[uid]
        last = prefs.last_digest_at
        if prefs.new_matches == "weekly" and last is not None and now - last < DIGEST_EVERY:
            continue
        deadlines = {
            m.scholarship_id: m.deadline
            for m in session.exec(
                select(Match).where(
                    Match.user_id == uid,
                    col(Match.scholarship_id).in_([s.id for _, s in items]),
                )
            )
        }
        if prefs.new_matches != "off":
            kind = "new_match" if prefs.new_matches == "immediate" else "digest"
            first_id, last_id = items[0][0].id, items[-1][0].id
            row = mail.enqueue(
                session,
                key=f"{kind}:{uid}:{first_id}-{last_id}",
                to=user.email or "",
                kind=kind,
                user_id=uid,
                public_id=user.public_id,
                context={
                    "name": user.display_name,
                    "items": [_item(s, deadlines.get(s.id or 0)) for _, s in items],
                    **_links(),
                },
            )
            queued += row is not None
            if kind == "digest":
                prefs.last_digest_at = now
                session.add(prefs)
        for ann, _ in items:
            ann.digest_sent_at = now
            session.add(ann)
    return queued


def _announced(session: Session, user_id: int) -> int:
    return int(
        session.exec(
            select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.kind == "new_match")
        ).one()
    )


def run_pass(*, now: datetime | None = None) -> PassReport:
    """One pass of alerts and reminders, then the outbox (see the module's docstring)."""
    now = now or utcnow()
    report = PassReport()
    with session_scope() as session:
        stale = stale_students(session)
    for uid in stale:
        with session_scope() as session:
            before = _announced(session, uid)
        try:
            matches.refresh_matches(user_id=uid, seen=False, use_model=False)
        except Exception:  # one student's failure must not stop the others
            log.warning("re-matching a student failed", extra={"user_id": uid}, exc_info=True)
            continue
        with session_scope() as session:
            report.new_matches += _announced(session, uid) - before
        report.rematched += 1
    with session_scope() as session:
        report.watch_opened, mails = open_watchlist(session, now=now)
        report.mails_queued += mails
    with session_scope() as session:
        report.reminders, mails = due_reminders(session, now=now)
        report.mails_queued += mails
    with session_scope() as session:
        report.mails_queued += new_match_mail(session, now=now)
    with session_scope() as session:
        report.letter_reminders = letters.due_letter_reminders(
            session,
            today=now.astimezone(UTC).date(),
            upload_url=get_settings().app_url.rstrip("/") + LETTER_UPLOAD_PATH,
        )
        report.mails_queued += report.letter_reminders
    report.mail = mail.deliver_due()
    return report
