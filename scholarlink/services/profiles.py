"""Student profiles: validated updates, completion, and the facts matching reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel, to_snake
from sqlmodel import Session, select

from scholarlink.core import clock
from scholarlink.core.clock import utcnow
from scholarlink.core.db import use_case
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.domain.eligibility import Profile
from scholarlink.domain.vocabulary import CITIZENSHIP
from scholarlink.models import StudentProfile, User
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    DEMOGRAPHICS,
    INTERESTS,
    US_STATES,
    major_fields,
)

# Citizenship words other systems send, mapped to our vocabulary.
_CITIZENSHIP_ALIASES = {
    "us": "us_citizen",
    "usa": "us_citizen",
    "citizen": "us_citizen",
    "us citizen": "us_citizen",
    "u.s. citizen": "us_citizen",
    "permanent resident": "permanent_resident",
    "green card": "permanent_resident",
    "undocumented": "daca",
    "international student": "international",
    "us national": "us_national",
    "refugee": "refugee_asylee",
    "asylee": "refugee_asylee",
    "eligible noncitizen": "other_eligible_noncitizen",
    "f-1": "international",
    "f1": "international",
}
_LEVEL_ALIASES = {
    "high school senior": "high_school_senior",
    "high school junior": "high_school_junior",
    "senior": "high_school_senior",
    "college": "undergraduate",
    "undergrad": "undergraduate",
    "freshman": "undergraduate",
    "sophomore": "undergraduate",
    "junior": "undergraduate",
    "grad": "graduate",
    "graduate student": "graduate",
    "masters": "graduate",
    "phd": "graduate",
}


def _normalise_key(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


class TestScores(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sat: int | None = Field(default=None, ge=400, le=1600)
    act: int | None = Field(default=None, ge=1, le=36)


class ProfileInput(BaseModel):
    """A (partial) profile update. Accepts snake_case and the Command Center's camelCase."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", str_strip_whitespace=True
    )

    gpa: float | None = Field(default=None, ge=0, le=5)
    gpa_weighted: bool | None = None
    major: str | None = Field(default=None, max_length=120)
    academic_level: str | None = None
    graduation_year: int | None = Field(default=None, ge=1990, le=2045)
    school: str | None = Field(default=None, max_length=200)
    state: str | None = None
    citizenship: str | None = None
    demographics: list[str] | None = Field(default=None, max_length=len(DEMOGRAPHICS))
    interests: list[str] | None = Field(default=None, max_length=30)
    extracurriculars: list[str] | None = Field(default=None, max_length=30)
    achievements: list[str] | None = Field(default=None, max_length=30)
    financial_need: bool | None = None
    # What real eligibility rules need (agent contract: profileData, in full).
    birth_date: date | None = None
    country_of_citizenship: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    school_state: str | None = None
    institution: str | None = Field(default=None, max_length=200)
    pell_eligible: bool | None = None
    household_income: int | None = Field(default=None, ge=0, le=100_000_000)
    household_size: int | None = Field(default=None, ge=1, le=30)
    test_scores: TestScores | None = None
    class_rank_percent: float | None = Field(default=None, gt=0, le=100)
    memberships: list[str] | None = Field(default=None, max_length=30)

    @field_validator("birth_date")
    @classmethod
    def _born(cls, v: date | None) -> date | None:
        if v is not None and not (date(1900, 1, 1) <= v <= clock.today()):
            raise ValueError("enter a real date of birth")
        return v

    @field_validator("country_of_citizenship")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        return v.upper() if v else None

    @field_validator("memberships")
    @classmethod
    def _memberships(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        items = [x.strip() for x in v if x.strip()]
        if any(len(x) > 120 for x in items):
            raise ValueError("each entry must be at most 120 characters")
        return items

    @field_validator("academic_level")
    @classmethod
    def _level(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        key = _LEVEL_ALIASES.get(v.strip().lower(), _normalise_key(v))
        if key not in ACADEMIC_LEVELS:
            raise ValueError("choose one of: " + ", ".join(ACADEMIC_LEVELS.values()))
        return key

    @field_validator("state", "school_state")
    @classmethod
    def _state(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        upper = v.strip().upper()
        if upper in US_STATES:
            return upper
        by_name = {name.upper(): code for code, name in US_STATES.items()}
        if upper in by_name:
            return by_name[upper]
        raise ValueError("use a US state, e.g. CA or California")

    @field_validator("citizenship")
    @classmethod
    def _citizenship(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        key = _CITIZENSHIP_ALIASES.get(v.strip().lower(), _normalise_key(v))
        if key not in CITIZENSHIP:
            raise ValueError("choose one of: " + ", ".join(CITIZENSHIP.values()))
        return key

    @field_validator("demographics")
    @classmethod
    def _demographics(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        keys = sorted({_normalise_key(x) for x in v if x.strip()})
        unknown = [k for k in keys if k not in DEMOGRAPHICS]
        if unknown:
            raise ValueError("unknown: " + ", ".join(unknown))
        return keys

    @field_validator("interests")
    @classmethod
    def _interests(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        # Known interests are stored by key so matching can use them; other words are kept.
        out: list[str] = []
        for item in v:
            key = _normalise_key(item)
            value = key if key in INTERESTS else item.strip()[:60]
            if value and value not in out:
                out.append(value)
        return out

    @field_validator("extracurriculars", "achievements")
    @classmethod
    def _free_list(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        items = [x.strip() for x in v if x.strip()]
        if any(len(x) > 200 for x in items):
            raise ValueError("each entry must be at most 200 characters")
        return items

    @model_validator(mode="after")
    def _weighted_scale(self) -> ProfileInput:
        if self.gpa is not None and self.gpa > 4.0 and self.gpa_weighted is False:
            raise ValueError("an unweighted GPA is at most 4.0")
        return self


# Plain words for the range and type errors people actually make in these fields.
FRIENDLY_ERRORS = {
    "gpa": "Enter a GPA between 0 and 4.0 (up to 5.0 if weighted)",
    "graduation_year": "Enter a year between 1990 and 2045",
}


def parse_profile_input(data: dict[str, Any]) -> ProfileInput:
    """Validate raw input; errors come back as ValidationFailed with [{field, message}]."""
    try:
        return ProfileInput.model_validate(data)
    except ValidationError as exc:
        details = []
        for e in exc.errors():
            field = ".".join(str(p) for p in e["loc"]) or "profile"
            message = str(e["msg"]).removeprefix("Value error, ")
            if field in FRIENDLY_ERRORS and e["type"] != "value_error":
                message = FRIENDLY_ERRORS[field]
            details.append({"field": to_snake(field), "message": message})
        raise ValidationFailed("The profile has invalid fields", details=details) from None


def get_profile(session: Session, user_id: int) -> StudentProfile | None:
    return session.exec(select(StudentProfile).where(StudentProfile.user_id == user_id)).first()


def update_profile(session: Session, *, user_id: int, changes: ProfileInput) -> StudentProfile:
    """Apply the fields that were given (others stay); creates the profile when missing."""
    if session.get(User, user_id) is None:
        raise NotFound("No such student")
    profile = get_profile(session, user_id) or StudentProfile(user_id=user_id)
    for key, value in changes.model_dump(exclude_unset=True).items():
        if value is None and key in (
            "interests",
            "extracurriculars",
            "achievements",
            "memberships",
        ):
            value = []
        if key == "test_scores":
            scores = changes.test_scores
            profile.sat = scores.sat if scores else None
            profile.act = scores.act if scores else None
            continue
        if key == "household_size":
            continue  # read with the income by need rules that publish it; not stored yet
        # demographics: None stays None ("prefers not to say"); [] is "none of these".
        setattr(profile, key, value)
    if profile.gpa is not None and profile.gpa > 4.0:
        profile.gpa_weighted = True
    profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    return profile


@dataclass(frozen=True)
class MissingField:
    field: str
    label: str
    why: str


COMPLETION_FIELDS: tuple[MissingField, ...] = (
    MissingField("gpa", "GPA", "Many scholarships set a minimum GPA; without it we cannot confirm you qualify."),
    MissingField("academic_level", "Academic level", "Most awards are for a specific stage, from high-school senior to graduate."),
    MissingField("major", "Intended major", "Field-specific scholarships (STEM, nursing, teaching…) are matched on it."),
    MissingField("state", "State", "State programmes and local awards require residency."),
    MissingField("citizenship", "Citizenship or residency", "Many awards are limited to US citizens or permanent residents."),
    MissingField("graduation_year", "Graduation year", "Tells us which application cycle you are in."),
    MissingField("school", "School", "Some awards are tied to a school or district."),
    MissingField("financial_need", "Financial need", "Need-based awards ask whether you have demonstrated need."),
    MissingField("birth_date", "Date of birth", "Some awards have age limits (under 25, 17–22 at entry…)."),
    MissingField("pell_eligible", "Pell eligibility", "State and federal grants, and many need-based awards, follow Pell eligibility from the FAFSA."),
    MissingField("interests", "Interests", "Used to rank awards that fit what you care about."),
    MissingField("extracurriculars", "Extracurriculars", "Leadership and service awards look for them; essay ideas draw on them."),
    MissingField("achievements", "Achievements", "Merit awards and essay ideas draw on them."),
)  # fmt: skip


@dataclass(frozen=True)
class Completion:
    percent: int
    missing: list[MissingField]


def profile_completion(profile: StudentProfile | None) -> Completion:
    """Share of the matching-relevant fields filled in (demographics are opt-in: not counted)."""
    if profile is None:
        return Completion(0, list(COMPLETION_FIELDS))
    missing = [f for f in COMPLETION_FIELDS if getattr(profile, f.field) in (None, "", [])]
    done = len(COMPLETION_FIELDS) - len(missing)
    return Completion(round(100 * done / len(COMPLETION_FIELDS)), missing)


class StudentProfilePublic(BaseModel):
    """A stored profile as the student's own profile page reads it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    gpa: float | None
    gpa_weighted: bool
    major: str | None
    academic_level: str | None
    graduation_year: int | None
    school: str | None
    state: str | None
    citizenship: str | None
    demographics: list[str] | None  # None: not answered or prefers not to say
    birth_date: date | None
    country_of_citizenship: str | None
    school_state: str | None
    institution: str | None
    pell_eligible: bool | None
    household_income: int | None
    sat: int | None
    act: int | None
    class_rank_percent: float | None
    memberships: list[str]
    interests: list[str]
    extracurriculars: list[str]
    achievements: list[str]
    financial_need: bool | None
    updated_at: datetime


class MissingFieldPublic(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    field: str
    label: str
    why: str


class ProfileViewPublic(BaseModel):
    """A student's profile (None before they save one) and how complete it is."""

    model_config = ConfigDict(frozen=True)

    profile: StudentProfilePublic | None
    completion: int  # percent
    missing: list[MissingFieldPublic]


def _view(profile: StudentProfile | None) -> ProfileViewPublic:
    completion = profile_completion(profile)
    return ProfileViewPublic(
        profile=None if profile is None else StudentProfilePublic.model_validate(profile),
        completion=completion.percent,
        missing=[MissingFieldPublic.model_validate(m) for m in completion.missing],
    )


@use_case
def profile_of(session: Session, *, user_id: int) -> ProfileViewPublic:
    return _view(get_profile(session, user_id))


@use_case
def save_profile(session: Session, *, user_id: int, changes: ProfileInput) -> ProfileViewPublic:
    """Apply a validated update (the fields given; others stay) and return the profile."""
    return _view(update_profile(session, user_id=user_id, changes=changes))


def profile_dict(profile: StudentProfile, public_id: str) -> dict[str, Any]:
    """The profile as other systems see it (camelCase, like the predecessor's API)."""
    return {
        "studentId": public_id,
        "gpa": profile.gpa,
        "gpaWeighted": profile.gpa_weighted,
        "major": profile.major,
        "majorFields": sorted(major_fields(profile.major)),
        "academicLevel": profile.academic_level,
        "graduationYear": profile.graduation_year,
        "school": profile.school,
        "state": profile.state,
        "citizenship": profile.citizenship,
        "demographics": None if profile.demographics is None else list(profile.demographics),
        "birthDate": profile.birth_date.isoformat() if profile.birth_date else None,
        "countryOfCitizenship": profile.country_of_citizenship,
        "schoolState": profile.school_state,
        "institution": profile.institution,
        "pellEligible": profile.pell_eligible,
        "householdIncome": profile.household_income,
        "testScores": {"sat": profile.sat, "act": profile.act},
        "classRankPercent": profile.class_rank_percent,
        "memberships": list(profile.memberships),
        "interests": list(profile.interests),
        "extracurriculars": list(profile.extracurriculars),
        "achievements": list(profile.achievements),
        "financialNeed": profile.financial_need,
        "completion": profile_completion(profile).percent,
        "updatedAt": profile.updated_at.isoformat(),
    }


# Fields the engine reads under the same name from a stored profile and from profileData.
_ENGINE_FIELDS = (
    "gpa", "major", "academic_level", "graduation_year", "birth_date", "citizenship", "state",
    "school_state", "institution", "financial_need", "pell_eligible", "household_income",
    "class_rank_percent",
)  # fmt: skip


def _engine(source: Any, *, sat: int | None, act: int | None, answers: dict[str, bool]) -> Profile:
    """Blank stays unknown: a weighted flag without a GPA, or no demographics, says nothing."""
    demographics = source.demographics
    return Profile(
        **{name: getattr(source, name) for name in _ENGINE_FIELDS},
        gpa_weighted=source.gpa_weighted if source.gpa is not None else None,
        demographics=None if demographics is None else frozenset(demographics),
        sat=sat,
        act=act,
        memberships=tuple(source.memberships) if source.memberships else None,
        answers=answers,
    )


def engine_profile(
    profile: StudentProfile | None, answers: dict[str, bool] | None = None
) -> Profile:
    """What the eligibility engine knows of a stored profile (blank stays unknown)."""
    if profile is None:
        return Profile(answers=dict(answers or {}))
    return _engine(profile, sat=profile.sat, act=profile.act, answers=dict(answers or {}))


def engine_profile_from_input(data: ProfileInput) -> Profile:
    """The engine's view of a profile sent by another system (the agent's profileData)."""
    scores = data.test_scores
    return _engine(
        data, sat=scores.sat if scores else None, act=scores.act if scores else None, answers={}
    )
