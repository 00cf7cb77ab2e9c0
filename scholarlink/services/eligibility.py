"""The profile facts the essay tools draw on (ideas, tailoring). Eligibility itself is judged by
the rule engine in scholarlink.domain (eligibility, cycles, engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from scholarlink.services.vocabulary import (
    major_fields,
)

Status = Literal["met", "unmet", "unknown"]


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

    @property
    def comparable_gpa(self) -> float | None:
        """Weighted GPAs above 4.0 are compared as 4.0 against 4.0-scale minimums."""
        if self.gpa is None:
            return None
        return min(self.gpa, 4.0) if self.gpa_weighted else self.gpa
