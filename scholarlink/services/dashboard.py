"""The figures on a student's dashboard, all read from stored data, with their unread
reminders and calendar feed."""

from __future__ import annotations

from datetime import date
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, and_, col

from scholarlink.core.db import read_use_case, use_case
from scholarlink.models import Application, CreditAccount, Match, Notification, Scholarship, User
from scholarlink.services import profiles, reminders
from scholarlink.services.applications import STATUSES
from scholarlink.services.matches import student_deadlines

# Applications still being worked on: their deadlines count down on the dashboard.
IN_WORK = ("draft", "in_progress")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatusCountPublic(_Frozen):
    status: str  # its label
    count: int


class ScoreBandPublic(_Frozen):
    band: str
    matches: int


class UpcomingPublic(_Frozen):
    """A deadline of a tracked application or a bookmarked match (the student's own cycle)."""

    id: int  # the programme
    name: str
    due: date
    days: int
    why: str  # the application's status, or "Bookmarked"


class NextActionPublic(_Frozen):
    """A next step; `kind` says where it leads (the page links it)."""

    kind: Literal["profile", "matches", "deadlines", "first_application"]
    label: str


class ReminderPublic(_Frozen):
    id: int
    title: str
    body: str
    link: str


class Dashboard(_Frozen):
    matches: int = 0  # sure matches: every rule met (the matches page's first group)
    possible: int = 0  # the page's second group: open questions decide them
    bookmarked: int = 0
    applications: int = 0
    submitted: int = 0
    won: int = 0
    amount_won: int = 0
    balance_millicredits: int = 0
    completion: int = 0
    missing: list[str] = Field(default_factory=list)
    by_status: list[StatusCountPublic] = Field(default_factory=list)
    score_bands: list[ScoreBandPublic] = Field(default_factory=list)
    upcoming: list[UpcomingPublic] = Field(default_factory=list)
    next_actions: list[NextActionPublic] = Field(default_factory=list)
    reminders: list[ReminderPublic] = Field(default_factory=list)  # the latest unread (5)
    calendar_token: str = ""


# The dashboard's statements, built once (the student is a bound parameter): building one
# cost about as much as its round trip to the database.
_STUDENT: sa.BindParameter[int] = sa.bindparam("user_id")
_UNREAD = (
    sa.select(
        col(Notification.id),
        col(Notification.title),
        col(Notification.body),
        col(Notification.link),
    )
    .where(col(Notification.user_id) == _STUDENT, col(Notification.read_at).is_(None))
    .order_by(col(Notification.id).desc())
    .limit(5)
)
# The student's stored matches: their groups and scores, the bookmarks (with the programme's id
# and name, for their deadlines), and whether the matches page shows each (current, not
# dismissed, of a programme still offered).
_MATCHES = (
    sa.select(
        col(Match.score),
        col(Match.bucket),
        col(Match.bookmarked),
        and_(col(Match.is_current), ~col(Match.dismissed), col(Scholarship.is_active)),
        col(Scholarship.id),
        col(Scholarship.name),
    )
    .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
    .where(col(Match.user_id) == _STUDENT)
)
# The applications: status, what was won, and of each programme only its id and name (a whole
# row carries its catalogue entry, a large JSON document, and its JSON lists).
_APPLICATIONS = (
    sa.select(
        col(Application.status),
        col(Application.amount_won),
        col(Scholarship.id),
        col(Scholarship.name),
    )
    .join(Scholarship, col(Scholarship.id) == Application.scholarship_id)
    .where(col(Application.user_id) == _STUDENT)
)
_OWN_FIGURES = (
    sa.select(col(User.calendar_token), col(CreditAccount.balance_millicredits))
    .outerjoin(CreditAccount, col(CreditAccount.user_id) == User.id)
    .where(col(User.id) == _STUDENT)
)


def _unread(session: Session, user_id: int) -> list[ReminderPublic]:
    """The latest five unread reminders, four columns each."""
    rows = session.connection().execute(_UNREAD, {"user_id": user_id})
    return [
        ReminderPublic(id=i or 0, title=title, body=body, link=link or "")
        for i, title, body, link in rows
    ]


@use_case
def dismiss_reminder(
    session: Session, *, user_id: int, notification_id: int
) -> list[ReminderPublic]:
    """Mark one of the student's reminders read; returns the unread ones left to show."""
    reminders.mark_read(session, user_id=user_id, notification_id=notification_id)
    session.flush()
    return _unread(session, user_id)


@use_case
def reset_calendar_link(session: Session, *, user_id: int) -> str:
    """A new secret calendar feed token (the old URL stops working); returns it."""
    return reminders.calendar_token(session, user_id=user_id, reset=True)


_BANDS = (
    (0, 39, "0–39"),
    (40, 59, "40–59"),
    (60, 74, "60–74"),
    (75, 89, "75–89"),
    (90, 100, "90–100"),
)


def _own_figures(session: Session, user_id: int) -> tuple[int, str]:
    """(the balance in millicredits, the calendar feed's token) in one read; the token is
    created on the first visit."""
    row = session.connection().execute(_OWN_FIGURES, {"user_id": user_id}).first()
    token, balance = row if row is not None else (None, None)
    if not token:
        token = reminders.calendar_token(session, user_id=user_id)
    return int(balance or 0), str(token)


@read_use_case
def build(session: Session, *, user_id: int, today: date) -> Dashboard:
    """Six reads on Core (plus the two of the student's own deadlines when something is tracked
    or bookmarked): the matches, the applications, the profile, the balance with the calendar
    token, the unread reminders."""
    run = session.connection().execute
    student = {"user_id": user_id}
    # The matches in one read. What counts is what the matches page shows.
    stored = run(_MATCHES, student).all()
    shown = [(score, bucket) for score, bucket, _, on_page, _, _ in stored if on_page]
    scores = [score for score, _ in shown]
    matches = sum(1 for _, bucket in shown if bucket == "match")
    possible = sum(1 for _, bucket in shown if bucket == "possible")
    saved = [(sid or 0, name) for _, _, bookmarked, _, sid, name in stored if bookmarked]
    bookmarked = len(saved)
    # The applications in one read: by status, what was won, and the programmes still in work.
    applied = run(_APPLICATIONS, student).all()
    counts: dict[str, int] = {}
    for status, *_ in applied:
        counts[status] = counts.get(status, 0) + 1
    amount_won = sum(int(won or 0) for _, won, _, _ in applied)
    applications = len(applied)
    stored_profile = profiles.get_profile(session, user_id)
    completion = profiles.profile_completion(stored_profile)

    # Deadlines of tracked (not finished) applications and bookmarked matches, soonest first.
    seen: set[int] = set()
    upcoming: list[UpcomingPublic] = []
    rows = [
        *((sid or 0, name, status) for status, _, sid, name in applied if status in IN_WORK),
        *((sid, name, "bookmarked") for sid, name in saved),
    ]
    # The deadline of the student's own cycle for each (not simply the programme's next one).
    theirs = student_deadlines(
        session,
        user_id=user_id,
        scholarship_ids=[sid for sid, _, _ in rows],
        day=today,
        stored=stored_profile,
    )
    for sid, name, status in rows:
        if sid in seen:
            continue
        seen.add(sid)
        when, _ = theirs.get(sid, (None, "varies"))
        if when is None:
            continue  # rolling or varying dates: no countdown to show
        upcoming.append(
            UpcomingPublic(
                id=sid,
                name=name,
                due=when,
                days=(when - today).days,
                why=STATUSES.get(status, "Bookmarked"),
            )
        )
    upcoming = sorted(upcoming, key=lambda u: (u.days, u.name))[:8]
    balance, calendar_token = _own_figures(session, user_id)

    actions: list[NextActionPublic] = []
    if completion.percent < 100:
        actions.append(
            NextActionPublic(kind="profile", label=f"Complete your profile ({completion.percent}%)")
        )
    if matches == 0 and possible:
        actions.append(
            NextActionPublic(
                kind="matches",
                label=f"Answer a few questions: {possible} possible matches wait on them",
            )
        )
    elif matches == 0:
        actions.append(
            NextActionPublic(kind="matches", label="See the scholarships you qualify for")
        )
    soon = [u for u in upcoming if u.days <= 7]
    if soon:
        actions.append(
            NextActionPublic(
                kind="deadlines",
                label=f"{len(soon)} deadline(s) this week — finish {soon[0].name}",
            )
        )
    if applications == 0 and matches:
        actions.append(
            NextActionPublic(
                kind="first_application", label="Start your first application from your matches"
            )
        )
    return Dashboard(
        matches=matches,
        possible=possible,
        bookmarked=bookmarked,
        applications=applications,
        submitted=sum(
            counts.get(k, 0) for k in ("submitted", "under_review", "accepted", "rejected")
        ),
        won=counts.get("accepted", 0),
        amount_won=amount_won,
        balance_millicredits=balance,
        completion=completion.percent,
        missing=[m.label for m in completion.missing],
        by_status=[
            StatusCountPublic(status=label, count=counts.get(key, 0))
            for key, label in STATUSES.items()
        ],
        score_bands=[
            ScoreBandPublic(band=label, matches=sum(1 for s in scores if lo <= s <= hi))
            for lo, hi, label in _BANDS
        ],
        upcoming=upcoming,
        next_actions=actions,
        reminders=_unread(session, user_id),
        calendar_token=calendar_token,
    )
