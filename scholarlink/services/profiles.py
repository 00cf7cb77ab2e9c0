"""Student profiles: validated updates, completion, and the facts matching reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel, to_snake
from sqlmodel import Session, select

from scholarlink.models import StudentProfile, User, utcnow
from scholarlink.services.errors import NotFound, ValidationFailed
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    CITIZENSHIP,
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

    @field_validator("academic_level")
    @classmethod
    def _level(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        key = _LEVEL_ALIASES.get(v.strip().lower(), _normalise_key(v))
        if key not in ACADEMIC_LEVELS:
            raise ValueError("choose one of: " + ", ".join(ACADEMIC_LEVELS.values()))
        return key

    @field_validator("state")
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
            "demographics",
            "interests",
            "extracurriculars",
            "achievements",
        ):
            value = []
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
        "demographics": list(profile.demographics),
        "interests": list(profile.interests),
        "extracurriculars": list(profile.extracurriculars),
        "achievements": list(profile.achievements),
        "financialNeed": profile.financial_need,
        "completion": profile_completion(profile).percent,
        "updatedAt": profile.updated_at.isoformat(),
    }
