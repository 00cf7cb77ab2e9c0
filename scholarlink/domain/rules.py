"""The rule language of eligibility, and the catalogue entry that carries it (format 2).

Pure data with validation: an unknown rule type, a code outside the vocabularies or a
contradiction (a minimum above its maximum, a GPA above its scale) is refused with the path of the
offending value. FORMAT.md in scholarlink/data/catalogue/ describes each rule in words; the JSON
Schema of an entry is `CatalogueEntry.model_json_schema()` (written to catalogue.schema.json).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scholarlink.domain.vocabulary import (
    CITIZENSHIP,
    CLASS_YEARS,
    DEMOGRAPHICS,
    INSTITUTION_KINDS,
    LEVELS,
    US_STATES,
)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hard: bool = True


def _subset(values: list[str], vocabulary: dict[str, str], what: str) -> list[str]:
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)}")
    if not values:
        raise ValueError(f"at least one {what} is needed")
    return values


class LevelRule(_Rule):
    type: Literal["level"]
    levels: list[str]
    class_years: list[int] | None = None

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return _subset(v, LEVELS, "level")

    @model_validator(mode="after")
    def _years(self) -> LevelRule:
        if self.class_years is not None:
            most = max((CLASS_YEARS.get(lv, 4) for lv in self.levels), default=4)
            if not self.class_years or any(y < 1 or y > most for y in self.class_years):
                raise ValueError(f"class_years must be between 1 and {most}")
        return self


class GpaRule(_Rule):
    type: Literal["gpa"]
    min: float = Field(ge=0)
    scale: float = Field(default=4.0, gt=0, le=100)
    basis: Literal["unweighted", "weighted", "any"] = "any"
    levels: list[str] | None = None

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _subset(v, LEVELS, "level")

    @model_validator(mode="after")
    def _within_scale(self) -> GpaRule:
        if self.min > self.scale:
            raise ValueError(f"minimum GPA {self.min} is above its scale {self.scale}")
        return self


class CitizenshipRule(_Rule):
    type: Literal["citizenship"]
    allowed: list[str]

    @field_validator("allowed")
    @classmethod
    def _allowed(cls, v: list[str]) -> list[str]:
        return _subset(v, CITIZENSHIP, "citizenship status")


class ResidenceStateRule(_Rule):
    type: Literal["residence_state"]
    states: list[str]

    @field_validator("states")
    @classmethod
    def _states(cls, v: list[str]) -> list[str]:
        return _subset([s.upper() for s in v], US_STATES, "state")


class SchoolStateRule(_Rule):
    type: Literal["school_state"]
    states: list[str]
    school: Literal["college", "high_school"] = "college"

    @field_validator("states")
    @classmethod
    def _states(cls, v: list[str]) -> list[str]:
        return _subset([s.upper() for s in v], US_STATES, "state")


class AgeRule(_Rule):
    type: Literal["age"]
    min: int | None = Field(default=None, ge=0, le=120)
    max: int | None = Field(default=None, ge=0, le=120)
    as_of: str | None = None

    @model_validator(mode="after")
    def _range(self) -> AgeRule:
        if self.min is None and self.max is None:
            raise ValueError("an age rule needs a min or a max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"minimum age {self.min} is above the maximum {self.max}")
        return self


class NeedRule(_Rule):
    type: Literal["need"]
    pell_eligible: bool | None = None
    max_household_income: int | None = Field(default=None, gt=0)
    household_size_note: str | None = None
    financial_need: bool | None = None

    @model_validator(mode="after")
    def _one(self) -> NeedRule:
        if not (self.pell_eligible or self.max_household_income or self.financial_need):
            raise ValueError(
                "a need rule needs pell_eligible, max_household_income or financial_need"
            )
        return self


class TestScoreRule(_Rule):
    type: Literal["test_score"]
    sat_min: int | None = Field(default=None, ge=400, le=1600)
    act_min: int | None = Field(default=None, ge=1, le=36)

    @model_validator(mode="after")
    def _one(self) -> TestScoreRule:
        if self.sat_min is None and self.act_min is None:
            raise ValueError("a test_score rule needs sat_min or act_min")
        return self


class ClassRankRule(_Rule):
    type: Literal["class_rank"]
    top_percent: float = Field(gt=0, le=100)


class InstitutionRule(_Rule):
    type: Literal["institution"]
    names: list[str] | None = None
    kind: str | None = None

    @model_validator(mode="after")
    def _one(self) -> InstitutionRule:
        if not self.names and not self.kind:
            raise ValueError("an institution rule needs names or a kind")
        if self.kind is not None and self.kind not in INSTITUTION_KINDS:
            raise ValueError(f"unknown institution kind: {self.kind}")
        return self


class DemographicsRule(_Rule):
    type: Literal["demographics"]
    any_of: list[str]

    @field_validator("any_of")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        return _subset(v, DEMOGRAPHICS, "group")


_CIP = re.compile(r"^\d{2}(\.\d{2,4})?$")


class FieldOfStudyRule(_Rule):
    type: Literal["field_of_study"]
    cip: list[str]
    text: str = ""

    @field_validator("cip")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not _CIP.match(c)]
        if bad or not v:
            raise ValueError(f"CIP codes look like 14 or 51.38, got {bad or 'none'}")
        return v


class MembershipRule(_Rule):
    type: Literal["membership"]
    any_of: list[str] = Field(min_length=1)
    question: str = Field(min_length=5, max_length=500)


class ConfirmRule(_Rule):
    type: Literal["confirm"]
    question: str = Field(min_length=5, max_length=500)


class UnrecordedRule(_Rule):
    type: Literal["unrecorded"]
    about: str = Field(min_length=2, max_length=100)


class AnyOfRule(_Rule):
    type: Literal["any_of"]
    groups: list[list[Rule]] = Field(min_length=1)


Rule = Annotated[
    LevelRule
    | GpaRule
    | CitizenshipRule
    | ResidenceStateRule
    | SchoolStateRule
    | AgeRule
    | NeedRule
    | TestScoreRule
    | ClassRankRule
    | InstitutionRule
    | DemographicsRule
    | FieldOfStudyRule
    | MembershipRule
    | ConfirmRule
    | UnrecordedRule
    | AnyOfRule,
    Field(discriminator="type"),
]
AnyOfRule.model_rebuild()


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(pattern=r"^https?://\S+$", max_length=1000)
    publisher: str | None = Field(default=None, max_length=300)
    date: str | None = None
    facts: list[str] = []


class Amount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    period: Literal["one_time", "per_year", "total", "varies"] = "varies"
    note: str | None = None

    @model_validator(mode="after")
    def _range(self) -> Amount:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"amount min {self.min} is above max {self.max}")
        return self


class Effort(BaseModel):
    model_config = ConfigDict(extra="forbid")
    essay: bool | None = None
    letters: bool | None = None
    interview: bool | None = None
    fafsa: bool | None = None
    nomination: bool | None = None


class EssayPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str
    word_limit: int | None = Field(default=None, gt=0)


class Cycle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    read_for: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2,4})?$")
    opens: date | None = None
    deadline: date | None = None
    kind: Literal["fixed", "rolling", "varies"]
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Cycle:
        if self.kind == "fixed" and self.deadline is None:
            raise ValueError("a fixed cycle needs its deadline")
        if self.kind != "fixed" and self.deadline is not None:
            raise ValueError(f"a {self.kind} cycle has no single deadline; use kind fixed")
        if self.opens and self.deadline and self.opens > self.deadline:
            raise ValueError(f"opens {self.opens} is after the deadline {self.deadline}")
        return self


class CatalogueEntry(BaseModel):
    """One programme (or one track of a programme), as the catalogue files hold it."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)
    name: str = Field(min_length=2, max_length=200)
    provider: str = Field(min_length=2, max_length=200)
    kind: Literal["private", "state", "federal", "institutional", "military"]
    status: Literal["active", "inactive"]
    inactive_reason: str | None = None
    url: str = Field(pattern=r"^https?://\S+$", max_length=500)
    verified_on: date
    sources: list[Source] = Field(min_length=1)
    amount: Amount
    awards_per_year: int | None = Field(default=None, ge=0)
    applicants_per_year: int | None = Field(default=None, ge=0)
    renewable: bool | None = None
    effort: Effort = Effort()
    essay_prompts: list[EssayPrompt] = []
    cycles: list[Cycle] = []
    rules: list[Rule] = []
    description: str = Field(min_length=20, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> CatalogueEntry:
        if self.status == "inactive" and not self.inactive_reason:
            raise ValueError("an inactive entry says why (inactive_reason)")
        if self.status == "active" and not self.cycles:
            raise ValueError("an active entry has at least one application cycle")
        if (
            self.awards_per_year is not None
            and self.applicants_per_year
            and self.awards_per_year > self.applicants_per_year
        ):
            raise ValueError("more awards than applicants")
        return self


def walk(rules: list[Any]) -> list[Any]:
    """Every rule, nested ones (inside any_of) included."""
    out: list[Any] = []
    for rule in rules:
        out.append(rule)
        if isinstance(rule, AnyOfRule):
            for group in rule.groups:
                out.extend(walk(group))
    return out
