"""Eligibility: every criterion a scholarship states, judged met / unmet / unknown for a profile.

The same rules run two ways: `evaluate()` explains one scholarship in words (detail page, short
list), and `matching.CatalogueIndex` applies them to a whole catalogue at once with NumPy. A test
checks that both agree on every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    CITIZENSHIP,
    DEMOGRAPHICS,
    MAJOR_FIELDS,
    US_STATES,
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


class ScholarshipCriteria(Protocol):
    """Anything with a scholarship's criteria: a Scholarship row, a catalogue entry, an index row."""

    @property
    def levels(self) -> Sequence[str]: ...
    @property
    def min_gpa(self) -> float | None: ...
    @property
    def majors(self) -> Sequence[str]: ...
    @property
    def states(self) -> Sequence[str]: ...
    @property
    def citizenship(self) -> Sequence[str]: ...
    @property
    def demographics(self) -> Sequence[str]: ...
    @property
    def financial_need(self) -> bool: ...


@dataclass(frozen=True)
class Criterion:
    criterion: str
    status: Status
    detail: str
    # The profile field that would settle an "unknown".
    profile_field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "criterion": self.criterion,
            "status": self.status,
            "detail": self.detail,
        }
        if self.profile_field:
            out["profile_field"] = self.profile_field
        return out


def _names(keys: Sequence[str], vocabulary: dict[str, str]) -> str:
    return ", ".join(vocabulary.get(k, k) for k in keys)


def evaluate(s: ScholarshipCriteria, p: ProfileFacts) -> list[Criterion]:
    """Judge every criterion the scholarship states. Criteria it does not state are left out."""
    out: list[Criterion] = []

    levels = _names(s.levels, ACADEMIC_LEVELS)
    if p.academic_level is None:
        out.append(
            Criterion(
                "level", "unknown", f"for {levels}; academic level not in profile", "academic_level"
            )
        )
    elif p.academic_level in s.levels:
        out.append(
            Criterion("level", "met", f"{ACADEMIC_LEVELS[p.academic_level]} — open to {levels}")
        )
    else:
        out.append(
            Criterion(
                "level",
                "unmet",
                f"for {levels} — profile says {ACADEMIC_LEVELS.get(p.academic_level, p.academic_level)}",
            )
        )

    if s.min_gpa is not None:
        gpa = p.comparable_gpa
        if gpa is None:
            out.append(
                Criterion(
                    "gpa", "unknown", f"needs GPA ≥ {s.min_gpa:.2f}; GPA not in profile", "gpa"
                )
            )
        elif gpa >= s.min_gpa:
            note = " (weighted, compared as 4.0)" if p.gpa_weighted and p.gpa and p.gpa > 4 else ""
            out.append(Criterion("gpa", "met", f"GPA {p.gpa:.2f}{note} ≥ {s.min_gpa:.2f} required"))
        else:
            out.append(
                Criterion("gpa", "unmet", f"needs GPA ≥ {s.min_gpa:.2f} — profile says {p.gpa:.2f}")
            )

    if s.majors:
        wanted = _names(s.majors, MAJOR_FIELDS)
        if not p.fields:
            why = (
                "intended major not in profile"
                if not p.major
                else f"can't place major '{p.major}' in a field"
            )
            out.append(Criterion("major", "unknown", f"for {wanted} majors; {why}", "major"))
        elif p.fields & set(s.majors):
            out.append(Criterion("major", "met", f"for {wanted} majors — {p.major} qualifies"))
        else:
            out.append(Criterion("major", "unmet", f"for {wanted} majors — profile says {p.major}"))

    if s.states:
        wanted = ", ".join(s.states)
        if p.state is None:
            out.append(
                Criterion(
                    "state", "unknown", f"needs state: {wanted}; state not in profile", "state"
                )
            )
        elif p.state in s.states:
            out.append(
                Criterion(
                    "state",
                    "met",
                    f"residents of {wanted} — you live in {US_STATES.get(p.state, p.state)}",
                )
            )
        else:
            out.append(
                Criterion("state", "unmet", f"needs state: {wanted} — profile says {p.state}")
            )

    if s.citizenship:
        wanted = _names(s.citizenship, CITIZENSHIP)
        if p.citizenship is None:
            out.append(
                Criterion(
                    "citizenship",
                    "unknown",
                    f"for {wanted}; citizenship not in profile",
                    "citizenship",
                )
            )
        elif p.citizenship in s.citizenship:
            out.append(Criterion("citizenship", "met", f"{CITIZENSHIP[p.citizenship]} — eligible"))
        else:
            out.append(
                Criterion(
                    "citizenship",
                    "unmet",
                    f"for {wanted} — profile says {CITIZENSHIP.get(p.citizenship, p.citizenship)}",
                )
            )

    if s.demographics:
        wanted = _names(s.demographics, DEMOGRAPHICS)
        shared = p.demographics & set(s.demographics)
        if shared:
            out.append(Criterion("demographics", "met", f"for {wanted} — matches what you shared"))
        else:
            # Demographics are opt-in: not sharing one never counts against a student.
            out.append(
                Criterion(
                    "demographics",
                    "unknown",
                    f"for {wanted}; add it to your profile if it applies",
                    "demographics",
                )
            )

    if s.financial_need:
        if p.financial_need is None:
            out.append(
                Criterion(
                    "financial_need",
                    "unknown",
                    "requires demonstrated financial need; not in profile",
                    "financial_need",
                )
            )
        elif p.financial_need:
            out.append(
                Criterion("financial_need", "met", "requires financial need — you reported need")
            )
        else:
            out.append(
                Criterion(
                    "financial_need",
                    "unmet",
                    "requires demonstrated financial need — profile says none",
                )
            )
    return out


def is_eligible(criteria: Sequence[Criterion]) -> bool:
    return all(c.status != "unmet" for c in criteria)


def unknown_fields(criteria: Sequence[Criterion]) -> list[str]:
    return sorted({c.profile_field for c in criteria if c.status == "unknown" and c.profile_field})
