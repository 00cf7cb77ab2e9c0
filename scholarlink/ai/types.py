"""Result types shared by every provider (and sent to OpenAI as structured-output schemas).

Fields are snake_case in Python and camelCase on the wire, like the predecessor's API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


@dataclass
class Usage:
    """What a provider reports about one call (a model's token counts; zero for local work)."""

    provider: str
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class StudentFacts:
    """What the assistant may use about a student, already in words (the caller builds it from
    the profile, so the AI layer needs no access to the domain or the database)."""

    major: str | None = None
    level: str | None = None
    interests: tuple[str, ...] = ()
    financial_need: bool = False
    extracurriculars: tuple[str, ...] = ()
    achievements: tuple[str, ...] = ()


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class RubricItem(WireModel):
    criterion: str
    points: float = Field(ge=0, le=2)
    max_points: float = Field(ge=0, le=2)
    comment: str


class Readability(WireModel):
    flesch_reading_ease: float
    flesch_kincaid_grade: float
    avg_sentence_length: float
    sentence_count: int
    paragraph_count: int


class EssayAnalysis(WireModel):
    score: float = Field(ge=0, le=10)
    rubric: list[RubricItem]
    strengths: list[str]
    weaknesses: list[str]
    suggestions: list[str]
    word_count: int
    readability: Readability
    assistant: str


class OutlineSection(WireModel):
    heading: str
    points: list[str]


class EssayOutline(WireModel):
    title: str
    sections: list[OutlineSection]
    assistant: str


class EssayImprovement(WireModel):
    improved_content: str
    changes: list[str]
    assistant: str


class EssayIdea(WireModel):
    title: str
    angle: str
    why: str


class EssayIdeas(WireModel):
    ideas: list[EssayIdea]
    assistant: str


class SpellingIssue(WireModel):
    """A word the dictionary does not know, how often it appears, and likely corrections."""

    word: str
    count: int
    suggestions: list[str]


class TailoredEssay(WireModel):
    tailored_content: str
    changes: list[str]
    assistant: str


class MatchAdjustment(WireModel):
    scholarship_id: int
    score: int = Field(ge=0, le=100)
    reasons: list[str]
    chance_level: Literal["high", "competitive", "long_shot"]


class MatchRefinement(WireModel):
    adjustments: list[MatchAdjustment]


EssayType = Literal[
    "personal_statement",
    "why_this_scholarship",
    "leadership",
    "community_service",
    "overcoming_challenge",
    "career_goals",
]
ESSAY_TYPES: dict[str, str] = {
    "personal_statement": "Personal statement",
    "why_this_scholarship": "Why you deserve this scholarship",
    "leadership": "Leadership",
    "community_service": "Community service",
    "overcoming_challenge": "Overcoming a challenge",
    "career_goals": "Career goals",
}
