"""The application tracker: one application per student and scholarship, moved along allowed
transitions, with progress, notes, outcome and amount won."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import owned, use_case
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.core.limits import MAX_DB_INT
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.models import Application, Scholarship
from scholarlink.services.deadlines import days_until, deadline_kind, next_deadline

STATUSES: dict[str, str] = {
    "draft": "Draft",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "under_review": "Under review",
    "accepted": "Accepted",
    "rejected": "Rejected",
}
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"in_progress"}),
    "in_progress": frozenset({"draft", "submitted"}),
    "submitted": frozenset({"under_review", "accepted", "rejected"}),
    "under_review": frozenset({"accepted", "rejected"}),
    "accepted": frozenset(),
    "rejected": frozenset(),
}
# Progress a status implies at least (a submitted application is complete).
MIN_PROGRESS = {"submitted": 100, "under_review": 100, "accepted": 100, "rejected": 100}


def _scholarship(session: Session, ref: int | str) -> Scholarship:
    """A catalogue scholarship by numeric id or slug."""
    row: Scholarship | None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        if not 1 <= int(ref) <= MAX_DB_INT:
            raise ValidationFailed(
                "No scholarship can have this id",
                details=[{"field": "scholarshipId", "message": f"must be 1–{MAX_DB_INT}"}],
            )
        row = session.get(Scholarship, int(ref))
    else:
        row = session.exec(select(Scholarship).where(Scholarship.slug == ref)).first()
    if row is None or row.source != "catalogue":
        raise NotFound("No such scholarship")
    return row


@use_case
def create_application(
    session: Session, *, user_id: int, scholarship: int | str, notes: str = ""
) -> tuple[Application, bool]:
    """Start an application (status draft); the same scholarship again returns the existing one."""
    sch = _scholarship(session, scholarship)
    if len(notes) > 10_000:
        raise ValidationFailed(
            "Notes are too long",
            details=[{"field": "notes", "message": "At most 10,000 characters"}],
        )
    existing = session.exec(
        select(Application).where(
            Application.user_id == user_id, Application.scholarship_id == sch.id
        )
    ).first()
    if existing is not None:
        return existing, False
    if not sch.is_active:
        raise ValidationFailed("This scholarship is no longer offered")
    app = Application(user_id=user_id, scholarship_id=sch.id, notes=notes)  # type: ignore[arg-type]
    try:
        with session.begin_nested():
            session.add(app)
    except IntegrityError:
        existing = session.exec(
            select(Application).where(
                Application.user_id == user_id, Application.scholarship_id == sch.id
            )
        ).one()
        return existing, False
    return app, True


def _owned(session: Session, user_id: int, application_id: int) -> Application:
    return owned(session, Application, application_id, owner_id=user_id, what="application")


@use_case
def move(session: Session, *, user_id: int, application_id: int, status: str) -> Application:
    app = _owned(session, user_id, application_id)
    if status not in STATUSES:
        raise ValidationFailed(
            "Unknown status", details=[{"field": "status", "message": "Choose a listed status"}]
        )
    if status not in TRANSITIONS[app.status]:
        allowed = ", ".join(STATUSES[s] for s in sorted(TRANSITIONS[app.status])) or "none (final)"
        raise ValidationFailed(
            f"An application can't go from {STATUSES[app.status]} to {STATUSES[status]}. Allowed: {allowed}.",
            details=[{"field": "status", "message": f"Allowed next: {allowed}"}],
        )
    app.status = status
    app.progress = max(app.progress, MIN_PROGRESS.get(status, 0))
    if status == "submitted":
        app.submitted_at = utcnow()
    app.updated_at = utcnow()
    session.add(app)
    session.flush()
    return app


@use_case
def update_details(
    session: Session,
    *,
    user_id: int,
    application_id: int,
    progress: int | None = None,
    notes: str | None = None,
    outcome: str | None = None,
    amount_won: int | None = None,
) -> Application:
    app = _owned(session, user_id, application_id)
    errors = []
    if progress is not None and not 0 <= progress <= 100:
        errors.append({"field": "progress", "message": "Between 0 and 100"})
    if notes is not None and len(notes) > 10_000:
        errors.append({"field": "notes", "message": "At most 10,000 characters"})
    if outcome is not None and len(outcome) > 500:
        errors.append({"field": "outcome", "message": "At most 500 characters"})
    if amount_won is not None and (amount_won < 0 or amount_won > 10_000_000):
        errors.append({"field": "amount_won", "message": "A non-negative amount in dollars"})
    if amount_won and app.status != "accepted":
        errors.append(
            {"field": "amount_won", "message": "Only an accepted application has an amount won"}
        )
    if errors:
        raise ValidationFailed("Some fields are not valid", details=errors)
    if progress is not None:
        app.progress = max(progress, MIN_PROGRESS.get(app.status, 0))
    if notes is not None:
        app.notes = notes
    if outcome is not None:
        app.outcome = outcome.strip() or None
    if amount_won is not None:
        app.amount_won = amount_won
    app.updated_at = utcnow()
    session.add(app)
    session.flush()
    return app


@use_case
def delete(session: Session, *, user_id: int, application_id: int) -> None:
    session.delete(_owned(session, user_id, application_id))
    session.flush()


@dataclass
class TrackedApplication:
    application: Application
    scholarship: Scholarship


def list_applications(session: Session, *, user_id: int) -> list[TrackedApplication]:
    rows = session.exec(
        select(Application, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Application.scholarship_id)
        .where(Application.user_id == user_id)
        .order_by(col(Application.updated_at).desc())
    ).all()
    return [TrackedApplication(a, s) for a, s in rows]


class ApplicationCard(BaseModel):
    """One tracked application as the tracker board shows it."""

    model_config = ConfigDict(frozen=True)

    id: int
    scholarship_id: int
    name: str
    amount_min: int | None
    amount_max: int | None
    status: str
    progress: int
    notes: str
    outcome: str
    amount_won: int | None
    deadline: date | None  # the next fixed deadline from `today`; None when rolling or varying
    deadline_kind: str


@use_case
def board(session: Session, *, user_id: int, today: date) -> list[ApplicationCard]:
    """The student's tracked applications, newest first, with their next deadlines."""
    return [
        ApplicationCard(
            id=t.application.id or 0,
            scholarship_id=t.scholarship.id or 0,
            name=t.scholarship.name,
            amount_min=t.scholarship.amount_min,
            amount_max=t.scholarship.amount_max,
            status=t.application.status,
            progress=t.application.progress,
            notes=t.application.notes,
            outcome=t.application.outcome or "",
            amount_won=t.application.amount_won,
            deadline=next_deadline(t.scholarship, today),
            deadline_kind=deadline_kind(t.scholarship),
        )
        for t in list_applications(session, user_id=user_id)
    ]


def get_application(session: Session, *, user_id: int, application_id: int) -> TrackedApplication:
    app = _owned(session, user_id, application_id)
    sch = session.get(Scholarship, app.scholarship_id)
    assert sch is not None
    return TrackedApplication(app, sch)


def application_dict(app: Application, sch: Scholarship, today: date) -> dict[str, Any]:
    """An application as other systems see it."""
    when = next_deadline(sch, today)
    return {
        "applicationId": app.id,
        "scholarshipId": sch.slug,
        "scholarship": {
            "title": sch.name,
            "organization": sch.provider,
            "amount": sch.amount_max,
            "url": sch.url,
        },
        "status": app.status,
        "progress": app.progress,
        "notes": app.notes,
        "outcome": app.outcome,
        "amountWon": app.amount_won,
        "deadline": when.isoformat() if when else None,
        "deadlineKind": deadline_kind(sch),
        "daysUntilDeadline": days_until(when, today),
        "createdAt": app.created_at.isoformat(),
        "updatedAt": app.updated_at.isoformat(),
    }


# -- a student's own finds ---------------------------------------------------------------------


@use_case
def add_own_find(
    session: Session,
    *,
    user_id: int,
    name: str,
    url: str,
    deadline: date | None,
    amount: int | None,
    today: date,
) -> Application:
    """Track a scholarship the student found elsewhere: it is visible to them only, gets
    reminders like any other (a fixed deadline, or none: "varies") and the credibility check."""
    problems = []
    name = " ".join(name.split())
    if not 3 <= len(name) <= 200:
        problems.append({"field": "name", "message": "3–200 characters"})
    url = url.strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or len(url) > 500:
        problems.append({"field": "url", "message": "a web address starting with https://"})
    if deadline is not None and not today <= deadline <= today.replace(year=today.year + 3):
        problems.append({"field": "deadline", "message": "today or later (within three years)"})
    if amount is not None and not 0 < amount <= 1_000_000:
        problems.append({"field": "amount", "message": "between $1 and $1,000,000"})
    if problems:
        raise ValidationFailed("Check the highlighted fields", details=problems)
    host = (parsed.hostname or "").removeprefix("www.")
    entry: dict[str, Any] = {
        "slug": f"own-{user_id}-{uuid.uuid4().hex[:10]}",
        "name": name,
        "provider": host,
        "kind": "private",
        "status": "active",
        "url": url,
        # What the student told us, from the page they found; not verified by ScholarLink.
        "sources": [
            {
                "url": url,
                "publisher": "added by the student",
                "facts": ["name", "deadline", "amount"],
            }
        ],
        "verified_on": today.isoformat(),
        "amount": {"min": amount, "max": amount, "period": "one_time"}
        if amount
        else {"period": "varies"},
        "cycles": [
            {"read_for": f"{today.year}", "deadline": deadline.isoformat(), "kind": "fixed"}
            if deadline
            else {"read_for": f"{today.year}", "kind": "varies"}
        ],
        "rules": [],
        "description": "Added by you; not reviewed by ScholarLink.",
    }
    CatalogueEntry.model_validate(entry)  # the same shape as every programme (reminders read it)
    sch = Scholarship(
        slug=entry["slug"],
        name=name,
        provider=host,
        url=url,
        description=entry["description"],
        amount_min=amount,
        amount_max=amount,
        deadline_month=deadline.month if deadline else None,
        deadline_day=deadline.day if deadline else None,
        entry=entry,
        source="student",
        owner_user_id=user_id,
    )
    session.add(sch)
    session.flush()
    app = Application(user_id=user_id, scholarship_id=sch.id or 0)
    session.add(app)
    session.flush()
    return app
