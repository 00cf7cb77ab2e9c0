"""Whether a student qualifies for one programme (the verdict a scholarship page shows), and the
profile facts the essay tools draw on (ideas, tailoring). Eligibility itself is judged by the
rule engine in scholarlink.domain (eligibility, cycles, engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from scholarlink.core.db import read_use_case
from scholarlink.services.catalogue import (
    ScholarshipDetailPublic,
    detail_of,
    visible_scholarship,
)
from scholarlink.services.matches import CyclePublic, VerdictPublic, verdicts_for
from scholarlink.services.vocabulary import (
    major_fields,
)

Status = Literal["met", "unmet", "unknown"]
Standing = Literal["eligible", "possible", "not_for_you"]


class EligibilityPublic(BaseModel):
    """A student's standing for one programme: every rule's verdict, and the cycle they apply
    in unless it is not for them. `eligible`: every hard rule met or confirmed; `possible`: none
    unmet, `open_questions` hard ones unanswered; `not_for_you`: a hard rule unmet, or the cycle
    is closed for their class."""

    model_config = ConfigDict(frozen=True)

    standing: Standing
    open_questions: int
    criteria: list[VerdictPublic]
    cycle: CyclePublic | None


@read_use_case
def eligibility_for(session: Session, *, user_id: int, scholarship_id: int) -> EligibilityPublic:
    verdicts, cycle = verdicts_for(session, user_id=user_id, scholarship_id=scholarship_id)
    criteria = [VerdictPublic.model_validate(v) for v in verdicts]
    hard = [v for v in criteria if v.hard]
    unknown = sum(1 for v in hard if v.status == "unknown")
    if cycle is None or any(v.status == "unmet" for v in hard):
        return EligibilityPublic(
            standing="not_for_you", open_questions=unknown, criteria=criteria, cycle=None
        )
    return EligibilityPublic(
        standing="possible" if unknown else "eligible",
        open_questions=unknown,
        criteria=criteria,
        cycle=CyclePublic.model_validate(cycle),
    )


class ScholarshipPagePublic(BaseModel):
    """What a scholarship page shows: the programme, and the viewer's standing for it (None when
    nobody is signed in)."""

    model_config = ConfigDict(frozen=True)

    detail: ScholarshipDetailPublic
    standing: EligibilityPublic | None


@read_use_case
def scholarship_page(
    session: Session, *, scholarship_id: int, viewer_id: int | None, today: date
) -> ScholarshipPagePublic:
    """A programme the viewer may see (NotFound otherwise) with their standing, in one read: the
    standing finds the programme's row in the session (two reads each loaded it)."""
    # Held while the standing is judged: the session's identity map keeps a row only while
    # something refers to it, and the standing's look-up then finds it there.
    row = visible_scholarship(session, scholarship_id, viewer_id)
    standing = (
        eligibility_for(session, user_id=viewer_id, scholarship_id=row.id or 0)
        if viewer_id is not None
        else None
    )
    return ScholarshipPagePublic(detail=detail_of(row, today), standing=standing)


@dataclass(frozen=True)
class ProfileFacts:
    """What matching knows about a student; None/empty = not in the profile."""

    gpa: float | None = None
    gpa_weighted: bool = False
    major: str | None = None
    academic_level: str | None = None
    state: str | None = None
    citizenship: str | None = None
    demographics: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    financial_need: bool | None = None
    fields: frozenset[str] = field(default=frozenset())

    @classmethod
    def of(cls, profile: Any) -> ProfileFacts:
        """From a StudentProfile or a ProfileInput (anything with the profile's attributes)."""
        if profile is None:
            return cls()
        major = getattr(profile, "major", None)
        return cls(
            gpa=getattr(profile, "gpa", None),
            gpa_weighted=bool(getattr(profile, "gpa_weighted", False)),
            major=major,
            academic_level=getattr(profile, "academic_level", None),
            state=getattr(profile, "state", None),
            citizenship=getattr(profile, "citizenship", None),
            demographics=frozenset(getattr(profile, "demographics", None) or ()),
            interests=frozenset(getattr(profile, "interests", None) or ()),
            financial_need=getattr(profile, "financial_need", None),
            fields=major_fields(major),
        )
