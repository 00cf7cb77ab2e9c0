"""The figures on a student's dashboard, all read from stored data, with their unread
reminders and calendar feed."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, and_, col, func, select

from scholarlink.core.db import read_use_case, use_case
from scholarlink.models import Application, Match, Scholarship
from scholarlink.services import credits, profiles, reminders
from scholarlink.services.applications import STATUSES
from scholarlink.services.matches import student_deadlines


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


def _unread(session: Session, user_id: int) -> list[ReminderPublic]:
    return [
        ReminderPublic(id=n.id or 0, title=n.title, body=n.body, link=n.link or "")
        for n in reminders.notifications(session, user_id=user_id, unread_only=True, limit=5)
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


@read_use_case
def build(session: Session, *, user_id: int, today: date) -> Dashboard:
    # The student's stored matches in one read: their groups and scores, the bookmarks. What
    # counts is what the matches page shows: current, not dismissed, of programmes still offered.
    stored = session.exec(
        select(
            Match.score,
            Match.bucket,
            Match.bookmarked,
            and_(col(Match.is_current), ~col(Match.dismissed), col(Scholarship.is_active)),
        )
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(Match.user_id == user_id)
    ).all()
    shown = [(score, bucket) for score, bucket, _, on_page in stored if on_page]
    scores = [score for score, _ in shown]
    matches = sum(1 for _, bucket in shown if bucket == "match")
    possible = sum(1 for _, bucket in shown if bucket == "possible")
    bookmarked = sum(1 for _, _, saved, _ in stored if saved)
    # Applications by status, with what was won, in one read.
    by_status = session.exec(
        select(
            Application.status,
            func.count(),
            func.coalesce(func.sum(Application.amount_won), 0),
        )
        .where(Application.user_id == user_id)
        .group_by(Application.status)
    ).all()
    counts = {status: int(n) for status, n, _ in by_status}
    amount_won = sum(int(won or 0) for *_, won in by_status)
    applications = sum(counts.values())
    bands = [
        (0, 39, "0–39"),
        (40, 59, "40–59"),
        (60, 74, "60–74"),
        (75, 89, "75–89"),
        (90, 100, "90–100"),
    ]
    stored_profile = profiles.get_profile(session, user_id)
    completion = profiles.profile_completion(stored_profile)

    # Deadlines of tracked (not finished) applications and bookmarked matches, soonest first.
    # Of each programme only its id and name (a whole row carries its catalogue entry, a large
    # JSON document, and its JSON lists).
    tracked = session.exec(
        select(Scholarship.id, Scholarship.name, Application.status)
        .join(Application, col(Application.scholarship_id) == Scholarship.id)
        .where(
            Application.user_id == user_id, col(Application.status).in_(["draft", "in_progress"])
        )
    ).all()
    saved = session.exec(
        select(Scholarship.id, Scholarship.name)
        .join(Match, col(Match.scholarship_id) == Scholarship.id)
        .where(Match.user_id == user_id, Match.bookmarked)
    ).all()
    seen: set[int] = set()
    upcoming: list[UpcomingPublic] = []
    rows = [*tracked, *((sid, name, "bookmarked") for sid, name in saved)]
    # The deadline of the student's own cycle for each (not simply the programme's next one).
    theirs = student_deadlines(
        session,
        user_id=user_id,
        scholarship_ids=[sid or 0 for sid, _, _ in rows],
        day=today,
        stored=stored_profile,
    )
    for sid, name, status in rows:
        if sid in seen:
            continue
        seen.add(sid or 0)
        when, _ = theirs.get(sid or 0, (None, "varies"))
        if when is None:
            continue  # rolling or varying dates: no countdown to show
        upcoming.append(
            UpcomingPublic(
                id=sid or 0,
                name=name,
                due=when,
                days=(when - today).days,
                why=STATUSES.get(status, "Bookmarked"),
            )
        )
    upcoming = sorted(upcoming, key=lambda u: (u.days, u.name))[:8]

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
        balance_millicredits=credits.balance(session, user_id),
        completion=completion.percent,
        missing=[m.label for m in completion.missing],
        by_status=[
            StatusCountPublic(status=label, count=counts.get(key, 0))
            for key, label in STATUSES.items()
        ],
        score_bands=[
            ScoreBandPublic(band=label, matches=sum(1 for s in scores if lo <= s <= hi))
            for lo, hi, label in bands
        ],
        upcoming=upcoming,
        next_actions=actions,
        reminders=_unread(session, user_id),
        calendar_token=reminders.calendar_token(session, user_id=user_id),
    )
