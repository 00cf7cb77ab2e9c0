"""A student's matches: ranked locally, optionally refined by the model, stored, curated.

Ranking is local and free. With the OpenAI provider configured, only the eligible short list
(top K) goes to the model in one structured request; its charge follows token usage, and the
local ranking stands whenever the model is slow, failing or its breaker is open.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from scholarlink.ai.openai_provider import ProviderError
from scholarlink.ai.providers import model_provider
from scholarlink.db import session_scope
from scholarlink.models import Match, Scholarship, StudentProfile, utcnow
from scholarlink.observability.breakers import CircuitOpen
from scholarlink.services.credits import (
    Usage,
    run_charged_operation,
    token_price,
)
from scholarlink.services.deadlines import next_deadline
from scholarlink.services.eligibility import ProfileFacts
from scholarlink.services.errors import InsufficientCredits, NotFound, ValidationFailed
from scholarlink.services.matching import catalogue_index, explain
from scholarlink.settings import get_settings

log = logging.getLogger(__name__)
STORED_MATCHES = 50


def today() -> date:
    return datetime.now(UTC).date()


@dataclass
class MatchView:
    scholarship_id: int
    score: int
    chance: str
    reasons: list[str]
    eligibility: list[dict[str, Any]]
    confidence: float
    provider: str = "local"
    extra: dict[str, Any] = field(default_factory=dict)


def rank_profile(
    session: Session, facts: ProfileFacts, *, limit: int, exclude_ids: list[int] | None = None
) -> list[MatchView]:
    """Local ranking with explanations, for any profile (stored or sent by the agent)."""
    index = catalogue_index(session)
    day = today()
    ranked = index.rank(facts, today=day, limit=limit, exclude_ids=exclude_ids or [])
    out = []
    for m in ranked:
        criteria, reasons = explain(index, m, facts, today=day)
        out.append(
            MatchView(
                scholarship_id=m.scholarship_id,
                score=m.score,
                chance=m.chance,
                reasons=reasons,
                eligibility=[c.as_dict() for c in criteria],
                confidence=round(max(0.5, 1 - 0.1 * m.unknowns), 2),
            )
        )
    return out


def refine_with_model(
    session_views: list[MatchView],
    facts: ProfileFacts,
    *,
    user_id: int | None,
    operation_id: str,
) -> tuple[list[MatchView], str]:
    """Ask the model about the short list (one request). Returns (views, provider used)."""
    model = model_provider()
    if model is None or not session_views:
        return session_views, "local"
    k = get_settings().match_top_k
    shortlist_views = session_views[:k]
    with session_scope() as session:
        rows = {
            s.id: s
            for s in session.exec(
                select(Scholarship).where(
                    col(Scholarship.id).in_([v.scholarship_id for v in shortlist_views])
                )
            )
        }
        shortlist = [
            {
                "scholarshipId": v.scholarship_id,
                "name": rows[v.scholarship_id].name,
                "description": rows[v.scholarship_id].description,
                "amountMax": rows[v.scholarship_id].amount_max,
                "localScore": v.score,
                "eligibility": [e["detail"] for e in v.eligibility],
            }
            for v in shortlist_views
            if v.scholarship_id in rows
        ]
        estimate = token_price(
            session, model=model.model, input_tokens=400 + 120 * len(shortlist), output_tokens=3000
        )
    profile = {
        "gpa": facts.gpa,
        "major": facts.major,
        "level": facts.academic_level,
        "state": facts.state,
        "interests": sorted(facts.interests),
    }

    def work() -> tuple[dict[str, Any], Usage]:
        refinement, usage = model.refine_matches(profile, shortlist)
        return refinement.wire(), usage

    def price(session: Session, usage: Usage) -> int:
        return token_price(
            session,
            model=usage.model or model.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )

    try:
        charged = run_charged_operation(
            operation_id=operation_id,
            user_id=user_id,
            operation="match",
            estimate=estimate,
            work=work,
            price=price,
        )
    except (ProviderError, CircuitOpen) as exc:
        log.warning(
            "model refinement unavailable; local ranking stands", extra={"error": str(exc)[:200]}
        )
        return session_views, "local"
    except InsufficientCredits:
        # Ranking itself is free: without credits for the model, the local ranking stands.
        log.info("not enough credits for model refinement; local ranking stands")
        return session_views, "local"
    adjustments = {a["scholarshipId"]: a for a in charged.result.get("adjustments", [])}
    refined = []
    for v in session_views:
        a = adjustments.get(v.scholarship_id)
        if a is None:
            refined.append(v)
            continue
        reasons = [r for r in a.get("reasons", []) if isinstance(r, str)][:4] or v.reasons
        # Eligibility stays the local, rule-based verdict: the model only re-ranks.
        refined.append(
            MatchView(
                scholarship_id=v.scholarship_id,
                score=max(0, min(100, int(a.get("score", v.score)))),
                chance=a.get("chanceLevel", v.chance),
                reasons=reasons + [r for r in v.reasons if r.startswith("Confirm in your profile")],
                eligibility=v.eligibility,
                confidence=v.confidence,
                provider="openai",
            )
        )
    refined.sort(key=lambda v: (-v.score, v.scholarship_id))
    return refined, "openai"


def refresh_matches(*, user_id: int, operation_id: str | None = None) -> int:
    """Recompute and store a student's matches; returns how many are current."""
    with session_scope() as session:
        profile = session.exec(
            select(StudentProfile).where(StudentProfile.user_id == user_id)
        ).first()
        facts = ProfileFacts.of(profile)
        dismissed = list(
            session.exec(
                select(Match.scholarship_id).where(Match.user_id == user_id, Match.dismissed)
            )
        )
        views = rank_profile(session, facts, limit=STORED_MATCHES, exclude_ids=dismissed)
    views, _ = refine_with_model(
        views, facts, user_id=user_id, operation_id=operation_id or f"match:{uuid.uuid4()}"
    )
    with session_scope() as session:
        existing = {
            m.scholarship_id: m for m in session.exec(select(Match).where(Match.user_id == user_id))
        }
        now = utcnow()
        current = set()
        for v in views:
            row = existing.get(v.scholarship_id) or Match(
                user_id=user_id, scholarship_id=v.scholarship_id, score=0, chance="long_shot"
            )
            row.score, row.chance, row.reasons, row.eligibility = (
                v.score,
                v.chance,
                v.reasons,
                v.eligibility,
            )
            row.confidence, row.provider, row.is_current, row.computed_at = (
                v.confidence,
                v.provider,
                True,
                now,
            )
            session.add(row)
            current.add(v.scholarship_id)
        for sid, row in existing.items():
            if sid not in current and row.is_current and not row.dismissed:
                # No longer ranked (profile or catalogue changed): kept for bookmarks, not shown.
                row.is_current = False
                session.add(row)
    return len(views)


@dataclass
class StoredMatch:
    match: Match
    scholarship: Scholarship


def list_matches(
    session: Session,
    *,
    user_id: int,
    include_dismissed: bool = False,
    bookmarked_only: bool = False,
) -> list[StoredMatch]:
    query = (
        select(Match, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(Match.user_id == user_id, Scholarship.is_active)
    )
    if bookmarked_only:
        query = query.where(Match.bookmarked)
    elif include_dismissed:
        query = query.where(Match.dismissed)
    else:
        query = query.where(Match.is_current, ~col(Match.dismissed))
    rows = session.exec(query.order_by(col(Match.score).desc(), col(Match.scholarship_id))).all()
    return [StoredMatch(m, s) for m, s in rows]


def _owned_match(session: Session, user_id: int, match_id: int) -> Match:
    row = session.get(Match, match_id)
    if row is None or row.user_id != user_id:
        raise NotFound("No such match")
    return row


def set_bookmark(session: Session, *, user_id: int, match_id: int, bookmarked: bool) -> Match:
    row = _owned_match(session, user_id, match_id)
    row.bookmarked = bookmarked
    session.add(row)
    session.flush()
    return row


DISMISS_REASONS = (
    "Not interested",
    "Deadline too soon",
    "Essay too demanding",
    "Already applied elsewhere",
    "Not actually eligible",
    "Other",
)


def dismiss(session: Session, *, user_id: int, match_id: int, reason: str) -> Match:
    reason = reason.strip()
    if not reason or len(reason) > 300:
        raise ValidationFailed(
            "Tell us why (up to 300 characters)",
            details=[{"field": "reason", "message": "Required"}],
        )
    row = _owned_match(session, user_id, match_id)
    row.dismissed, row.dismiss_reason = True, reason
    session.add(row)
    session.flush()
    return row


def undismiss(session: Session, *, user_id: int, match_id: int) -> Match:
    row = _owned_match(session, user_id, match_id)
    row.dismissed, row.dismiss_reason = False, None
    session.add(row)
    session.flush()
    return row


def match_payload(views: list[MatchView], session: Session, *, started: float) -> dict[str, Any]:
    """The agent contract's result shape for student_pilot.match_scholarships."""
    ids = [v.scholarship_id for v in views]
    rows = {s.id: s for s in session.exec(select(Scholarship).where(col(Scholarship.id).in_(ids)))}
    day = today()
    matches = []
    for v in views:
        s = rows.get(v.scholarship_id)
        if s is None:
            continue
        matches.append(
            {
                "scholarshipId": s.slug,
                "scholarship": {
                    "title": s.name,
                    "organization": s.provider,
                    "amount": s.amount_max,
                    "amountMin": s.amount_min,
                    "deadline": next_deadline(s.deadline_month, s.deadline_day, day).isoformat(),
                    "url": s.url,
                },
                "score": v.score,
                "matchScore": v.score,
                "reasoning": v.reasons,
                "chanceLevel": v.chance,
                "eligibility": v.eligibility,
                "confidence": v.confidence,
                "provider": v.provider,
            }
        )
    return {
        "matches": matches,
        "count": len(matches),
        "executionTimeMs": round((time.perf_counter() - started) * 1000, 1),
    }
