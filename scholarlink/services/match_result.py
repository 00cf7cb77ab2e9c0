"""The full result of "match scholarships" as the agent contract defines it: a student's stored
matches refreshed (named by their public id), or a one-off ranking of a profile the caller sends,
with the model's refinement when one is configured.

The result models here are the capability's; the matching is `matches.match_result`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from scholarlink.core.errors import ValidationFailed
from scholarlink.services import matches, profiles
from scholarlink.services.student_records import billed_user


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)


class MatchedScholarship(_View):
    title: str
    organization: str
    amount: int | None
    amount_min: int | None
    deadline: str | None
    url: str
    kind: str
    verified_on: str | None


class MatchCycle(_View):
    # ISO dates, the graduation year and the cycle's kind as stored; null where unknown.
    opens: Any
    deadline: Any
    for_graduation_year: Any
    kind: Any


class MatchItem(_View):
    scholarship_id: str
    scholarship: MatchedScholarship
    score: int
    match_score: int
    reasoning: list[str]
    chance_level: str
    eligibility: list[dict[str, Any]]
    confidence: float
    provider: str
    deadline: str | None
    cycle: MatchCycle


class PossibleItem(MatchItem):
    """Would match once these questions are answered."""

    questions: list[dict[str, Any]]


class OpensLaterItem(MatchItem):
    """Eligible, but the cycle this student can apply to opens later."""

    opens: Any
    questions: list[dict[str, Any]]


class MatchResult(_View):
    matches: list[MatchItem]
    possible: list[PossibleItem]
    opens_later: list[OpensLaterItem]
    count: int
    execution_time_ms: float
    # Who the matches are for (the public id), None for a profile sent without a student: for
    # the caller's events, not part of the result.
    student_id: str | None = Field(default=None, exclude=True)


def match_result(
    *,
    student_ref: object | None = None,
    profile: profiles.ProfileInput | None = None,
    limit: int = 10,
    operation_id: str,
) -> MatchResult:
    """With `profile`, rank it (billed to the agent account); else refresh and read the stored
    matches of the student `student_ref`. Model calls are charged once per `operation_id`. The
    matching itself is `matches.match_result`, the same use case the pages' engine runs; this
    adds only who is named and who pays."""
    if profile is None and student_ref is None:
        raise ValidationFailed(
            "payload.student_id is required",
            details=[{"field": "payload.student_id", "message": "required"}],
        )
    payer = billed_user(student_ref=student_ref if profile is None else None)
    result = matches.match_result(
        user_id=payer.user_id, operation_id=operation_id, limit=limit, profile=profile
    )
    return MatchResult.model_validate({**result.wire(), "studentId": payer.student_id})
