"""The figures on a student's dashboard, all read from stored data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from scholarlink.models import Application, Match, Scholarship
from scholarlink.services import credits, profiles
from scholarlink.services.applications import STATUSES
from scholarlink.services.matches import student_deadlines


@dataclass
class Dashboard:
    matches: int = 0
    bookmarked: int = 0
    applications: int = 0
    submitted: int = 0
    won: int = 0
    amount_won: int = 0
    balance_millicredits: int = 0
    completion: int = 0
    missing: list[str] = field(default_factory=list)
    by_status: list[dict[str, Any]] = field(default_factory=list)
    score_bands: list[dict[str, Any]] = field(default_factory=list)
    upcoming: list[dict[str, Any]] = field(default_factory=list)
    next_actions: list[dict[str, str]] = field(default_factory=list)


def build(session: Session, *, user_id: int, today: date) -> Dashboard:
    d = Dashboard()
    current = (Match.user_id == user_id, Match.is_current, ~col(Match.dismissed))
    d.matches = session.exec(select(func.count()).select_from(Match).where(*current)).one()
    d.bookmarked = session.exec(
        select(func.count()).select_from(Match).where(Match.user_id == user_id, Match.bookmarked)
    ).one()
    counts = dict(
        session.exec(
            select(Application.status, func.count())
            .where(Application.user_id == user_id)
            .group_by(Application.status)
        ).all()
    )
    d.by_status = [
        {"status": label, "count": counts.get(key, 0)} for key, label in STATUSES.items()
    ]
    d.applications = sum(counts.values())
    d.submitted = sum(
        counts.get(k, 0) for k in ("submitted", "under_review", "accepted", "rejected")
    )
    d.won = counts.get("accepted", 0)
    total_won = select(func.coalesce(func.sum(Application.amount_won), 0)).where(
        Application.user_id == user_id
    )
    d.amount_won = int(session.exec(total_won).one() or 0)
    scores = session.exec(select(Match.score).where(*current)).all()
    bands = [
        (0, 39, "0–39"),
        (40, 59, "40–59"),
        (60, 74, "60–74"),
        (75, 89, "75–89"),
        (90, 100, "90–100"),
    ]
    d.score_bands = [
        {"band": label, "matches": sum(1 for s in scores if lo <= s <= hi)}
        for lo, hi, label in bands
    ]
    d.balance_millicredits = credits.balance(session, user_id)
    completion = profiles.profile_completion(profiles.get_profile(session, user_id))
    d.completion, d.missing = completion.percent, [m.label for m in completion.missing]

    # Deadlines of tracked (not finished) applications and bookmarked matches, soonest first.
    tracked = session.exec(
        select(Scholarship, Application.status)
        .join(Application, col(Application.scholarship_id) == Scholarship.id)
        .where(
            Application.user_id == user_id, col(Application.status).in_(["draft", "in_progress"])
        )
    ).all()
    saved = session.exec(
        select(Scholarship)
        .join(Match, col(Match.scholarship_id) == Scholarship.id)
        .where(Match.user_id == user_id, Match.bookmarked)
    ).all()
    seen: set[int] = set()
    upcoming: list[dict[str, Any]] = []
    pairs = [*tracked, *((s, "bookmarked") for s in saved)]
    # The deadline of the student's own cycle for each (not simply the programme's next one).
    theirs = student_deadlines(
        session, user_id=user_id, scholarship_ids=[s.id or 0 for s, _ in pairs], day=today
    )
    for s, status in pairs:
        if s.id in seen:
            continue
        seen.add(s.id or 0)
        when, _ = theirs.get(s.id or 0, (None, "varies"))
        if when is None:
            continue  # rolling or varying dates: no countdown to show
        upcoming.append(
            {
                "id": s.id,
                "name": s.name,
                "days": (when - today).days,
                "date": when.strftime("%b %-d"),
                "why": STATUSES.get(status, "Bookmarked"),
            }
        )
    d.upcoming = sorted(upcoming, key=lambda u: (u["days"], u["name"]))[:8]

    if d.completion < 100:
        d.next_actions.append(
            {"label": f"Complete your profile ({d.completion}%)", "href": "/profile"}
        )
    if d.matches == 0:
        d.next_actions.append({"label": "See the scholarships you qualify for", "href": "/matches"})
    soon = [u for u in d.upcoming if u["days"] <= 7]
    if soon:
        d.next_actions.append(
            {
                "label": f"{len(soon)} deadline(s) this week — finish {soon[0]['name']}",
                "href": "/applications",
            }
        )
    if d.applications == 0 and d.matches:
        d.next_actions.append(
            {"label": "Start your first application from your matches", "href": "/matches"}
        )
    return d
