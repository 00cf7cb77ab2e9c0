"""Who may see an organisation's local scholarships: its students (while they are members), its
counsellors, and — for audience "area" — students living in the organisation's state."""

from __future__ import annotations

from sqlmodel import Session, col, select

from scholarlink.domain.rules import CatalogueEntry
from scholarlink.models import (
    Organisation,
    OrganisationMember,
    OrganisationStudent,
    Scholarship,
    StudentProfile,
)
from scholarlink.services.deadlines import entry_of


def _orgs_of(session: Session, user_id: int) -> set[int]:
    as_student = session.exec(
        select(OrganisationStudent.organisation_id).where(
            OrganisationStudent.student_id == user_id, col(OrganisationStudent.left_at).is_(None)
        )
    ).all()
    as_counsellor = session.exec(
        select(OrganisationMember.organisation_id).where(OrganisationMember.user_id == user_id)
    ).all()
    return set(as_student) | set(as_counsellor)


def _home_state(session: Session, user_id: int) -> str | None:
    profile = session.exec(select(StudentProfile).where(StudentProfile.user_id == user_id)).first()
    return profile.state if profile is not None else None


def visible_rows(session: Session, *, user_id: int) -> list[Scholarship]:
    """Active local scholarships this user may see."""
    orgs = _orgs_of(session, user_id)
    state = _home_state(session, user_id)
    area_orgs: set[int] = set()
    if state:
        area_orgs = {
            oid
            for oid in session.exec(select(Organisation.id).where(Organisation.area_state == state))
            if oid is not None
        }
    if not orgs and not area_orgs:
        return []
    rows = session.exec(
        select(Scholarship).where(
            Scholarship.source == "local",
            Scholarship.is_active,
            col(Scholarship.organisation_id).in_(orgs | area_orgs),
        )
    ).all()
    return [
        r
        for r in rows
        if r.organisation_id in orgs or (r.audience == "area" and r.organisation_id in area_orgs)
    ]


def visible_entries(session: Session, *, user_id: int) -> list[tuple[int, CatalogueEntry]]:
    """The local scholarships this student may see, as the engine reads them."""
    out = []
    for row in visible_rows(session, user_id=user_id):
        entry = entry_of(row)
        if entry is not None and row.id is not None:
            out.append((row.id, entry))
    return out


def may_see(session: Session, row: Scholarship, user_id: int | None) -> bool:
    if row.source != "local" or user_id is None:
        return False
    return any(r.id == row.id for r in visible_rows(session, user_id=user_id))
