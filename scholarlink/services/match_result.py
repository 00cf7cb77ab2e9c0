"""The full result of "match scholarships" as the agent contract defines it: a student's stored
matches refreshed (named by their public id), or a one-off ranking of a profile the caller sends,
with the model's refinement when one is configured.

Written for the agent capability (#13); the matches module is getting the same use case for
the pages, and this function is meant to become that one."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from scholarlink.core.db import session_scope
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
    matches of the student `student_ref`. Model calls are charged once per `operation_id`."""
    started = time.perf_counter()
    if profile is None and student_ref is None:
        raise ValidationFailed(
            "payload.student_id is required",
            details=[{"field": "payload.student_id", "message": "required"}],
        )
    if profile is None:
        payer = billed_user(student_ref=student_ref)
        matches.refresh_matches(user_id=payer.user_id, operation_id=operation_id)
        with session_scope() as session:
            groups = matches.stored_groups(session, user_id=payer.user_id, limit=limit)
            payload = matches.match_payload(groups, session, started=started)
    else:
        payer = billed_user(student_ref=None)
        facts = profiles.engine_profile_from_input(profile)
        with session_scope() as session:
            groups = matches.rank_profile(session, facts, limit=limit)
        groups["match"], _ = matches.refine_with_model(
            groups["match"], facts, user_id=payer.user_id, operation_id=operation_id
        )
        with session_scope() as session:
            payload = matches.match_payload(groups, session, started=started)
    return MatchResult.model_validate({**payload, "studentId": payer.student_id})
