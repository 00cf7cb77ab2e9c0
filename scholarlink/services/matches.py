"""A student's matches: ranked locally, optionally refined by the model, stored, curated.

Ranking is local and free. With the OpenAI provider configured, only the eligible short list
(top K) goes to the model in one structured request; its charge follows token usage, and the
local ranking stands whenever the model is slow, failing or its breaker is open.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, func, select

from scholarlink.ai.openai_provider import ProviderError
from scholarlink.ai.providers import model_provider
from scholarlink.ai.types import Usage
from scholarlink.core.breakers import CircuitOpen
from scholarlink.core.db import session_scope, use_case
from scholarlink.core.errors import InsufficientCredits, NotFound, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.domain.cycles import student_cycle
from scholarlink.domain.eligibility import Profile, question_key
from scholarlink.domain.engine import Judged, match_all
from scholarlink.domain.prefilter import CompiledCatalogue, compile_catalogue
from scholarlink.models import Match, Scholarship, StudentAnswer, utcnow
from scholarlink.services import local
from scholarlink.services.announcements import record_matches
from scholarlink.services.credits import run_charged_operation, token_price
from scholarlink.services.deadlines import entry_of, next_deadline
from scholarlink.services.profiles import engine_profile, get_profile

log = logging.getLogger(__name__)
STORED_PER_GROUP = 60
GROUPS = ("match", "possible", "opens_later")


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
    bucket: str = "match"
    deadline: date | None = None
    cycle: dict[str, Any] = field(default_factory=dict)
    questions: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


# -- the catalogue as the engine sees it ---------------------------------------------------------

_CATALOGUE: dict[str, Any] = {"key": None, "compiled": compile_catalogue([])}


def active_catalogue(session: Session) -> CompiledCatalogue:
    """Every active catalogue programme, parsed and compiled once per catalogue change."""
    key = session.exec(
        select(func.count(), func.max(Scholarship.updated_at)).where(
            Scholarship.source == "catalogue", Scholarship.is_active
        )
    ).one()
    if _CATALOGUE["key"] != tuple(key):
        rows = session.exec(
            select(Scholarship).where(Scholarship.source == "catalogue", Scholarship.is_active)
        ).all()
        parsed = []
        for row in rows:
            entry = entry_of(row)
            if entry is not None and row.id is not None:
                parsed.append((row.id, entry))
        _CATALOGUE.update(key=tuple(key), compiled=compile_catalogue(parsed))
    compiled: CompiledCatalogue = _CATALOGUE["compiled"]
    return compiled


def answers_of(session: Session, user_id: int) -> dict[str, bool]:
    return {
        a.question_key: a.answer
        for a in session.exec(select(StudentAnswer).where(StudentAnswer.user_id == user_id))
    }


def student_profile(session: Session, user_id: int) -> Profile:
    """The engine's profile of a stored student: their fields and their answers."""
    return engine_profile(get_profile(session, user_id), answers_of(session, user_id))


def _view(j: Judged) -> MatchView:
    return MatchView(
        scholarship_id=int(j.key),
        score=j.rank.score,
        chance=j.rank.chance,
        reasons=j.rank.reasons,
        eligibility=[v.as_dict() for v in j.verdicts],
        confidence=round(0.5 ** len(j.questions), 3),
        bucket=j.group,
        deadline=j.cycle.deadline,
        cycle=j.cycle.as_dict(),
        questions=[q.as_dict() for q in j.questions],
    )


def rank_profile(
    session: Session,
    profile: Profile,
    *,
    limit: int,
    exclude_ids: list[int] | None = None,
    no_essay_first: bool = False,
    user_id: int | None = None,
) -> dict[str, list[MatchView]]:
    """Each group's views, best first, `limit` each, without the excluded (dismissed) ones; with
    `user_id`, the local scholarships of the student's organisations and area too (their few rows
    join the compiled catalogue's entries for that call)."""
    catalogue = active_catalogue(session)
    extra = local.visible_entries(session, user_id=user_id) if user_id is not None else []
    entries = [*catalogue.entries, *extra] if extra else catalogue
    result = match_all(entries, profile, today(), no_essay_first=no_essay_first)
    skip = set(exclude_ids or [])

    def first(group: Sequence[Judged]) -> list[MatchView]:
        # Results are built as they are read: stop at the limit.
        return [_view(j) for j in islice((j for j in group if j.key not in skip), limit)]

    return {
        "match": first(result.matches),
        "possible": first(result.possible),
        "opens_later": first(result.opens_later),
    }


def verdicts_for(
    session: Session, *, user_id: int | None, scholarship_id: int
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Every rule's verdict for the student, even when the programme is not for them, and the
    cycle they would apply in (None when closed for them)."""
    row = session.get(Scholarship, scholarship_id)
    entry = entry_of(row) if row is not None else None
    if entry is None:
        return [], None
    profile = student_profile(session, user_id) if user_id is not None else Profile()
    cycle = student_cycle(entry.cycles, list(entry.rules), profile, today())
    return [v.as_dict() for v in cycle.verdicts], (
        None if cycle.state == "closed" else cycle.as_dict()
    )


@use_case
def answer_question(
    session: Session, *, user_id: int, field_name: str, question: str, answer: bool
) -> None:
    """Keep a student's answer to a requirement to confirm (once per question, changeable)."""
    if not field_name.startswith("answer:") or not 5 <= len(question) <= 2000:
        raise ValidationFailed(
            "That is not a question a programme asks",
            details=[{"field": "question", "message": "unknown question"}],
        )
    key = field_name.removeprefix("answer:")
    if key != question_key(question):
        raise ValidationFailed(
            "That is not a question a programme asks",
            details=[{"field": "question", "message": "does not match its key"}],
        )
    row = session.exec(
        select(StudentAnswer).where(
            StudentAnswer.user_id == user_id, StudentAnswer.question_key == key
        )
    ).first() or StudentAnswer(
        user_id=user_id, question_key=key, question=question[:500], answer=answer
    )
    row.answer, row.answered_at = answer, utcnow()
    session.add(row)
    session.flush()


def student_deadlines(
    session: Session, *, user_id: int, scholarship_ids: list[int], day: date | None = None
) -> dict[int, tuple[date | None, str]]:
    """The deadline of the student's own cycle for each programme (kind when undated)."""
    day = day or today()
    profile = student_profile(session, user_id)
    out: dict[int, tuple[date | None, str]] = {}
    for sid in scholarship_ids:
        row = session.get(Scholarship, sid)
        entry = entry_of(row) if row is not None else None
        if entry is None:
            out[sid] = (None, "varies")
            continue
        cycle = student_cycle(entry.cycles, list(entry.rules), profile, day)
        if cycle.state == "closed":
            when = next_deadline(row, day) if row is not None else None
            out[sid] = (when, "fixed" if when else cycle.kind)
        else:
            out[sid] = (cycle.deadline, cycle.kind)
    return out


def refine_with_model(
    session_views: list[MatchView],
    facts: Profile,
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
                "deadline": v.deadline.isoformat() if v.deadline else None,
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
        # Eligibility, the cycle and the chance level (from published selectivity) stay local.
        refined.append(
            MatchView(
                scholarship_id=v.scholarship_id,
                score=max(0, min(100, int(a.get("score", v.score)))),
                chance=v.chance,
                reasons=reasons + [r for r in v.reasons if r.startswith("Odds:")],
                eligibility=v.eligibility,
                confidence=v.confidence,
                provider="openai",
                bucket=v.bucket,
                deadline=v.deadline,
                cycle=v.cycle,
                questions=v.questions,
            )
        )
    refined.sort(key=lambda v: (-v.score, v.scholarship_id))
    return refined, "openai"


def refresh_matches(
    *,
    user_id: int,
    operation_id: str | None = None,
    no_essay_first: bool = False,
    seen: bool = True,
    use_model: bool = True,
) -> int:
    """Recompute and store a student's matches, possible ones and opens-later ones; returns how
    many matches are current. Only the matches go to the model (when configured), to re-rank.
    `seen`: the student is looking (the matches page), so nothing is announced to them; the alert
    pass refreshes with seen=False and use_model=False (it never spends the student's credits)."""
    with session_scope() as session:
        profile = student_profile(session, user_id)
        dismissed = list(
            session.exec(
                select(Match.scholarship_id).where(Match.user_id == user_id, Match.dismissed)
            )
        )
        groups = rank_profile(
            session,
            profile,
            limit=STORED_PER_GROUP,
            exclude_ids=dismissed,
            no_essay_first=no_essay_first,
            user_id=user_id,
        )
    if use_model:
        groups["match"], _ = refine_with_model(
            groups["match"],
            profile,
            user_id=user_id,
            operation_id=operation_id or f"match:{uuid.uuid4()}",
        )
    with session_scope() as session:
        existing = {
            m.scholarship_id: m for m in session.exec(select(Match).where(Match.user_id == user_id))
        }
        now = utcnow()
        current = set()
        for views in groups.values():
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
                row.bucket, row.deadline, row.cycle, row.questions = (
                    v.bucket,
                    v.deadline,
                    v.cycle,
                    v.questions,
                )
                session.add(row)
                current.add(v.scholarship_id)
        for sid, row in existing.items():
            if sid not in current and row.is_current and not row.dismissed:
                # No longer for this student (profile, answers or catalogue changed): kept for
                # bookmarks, not shown.
                row.is_current = False
                session.add(row)
        record_matches(
            session,
            user_id=user_id,
            match_ids=[v.scholarship_id for v in groups["match"]],
            seen=seen,
        )
    return len(groups["match"])


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
    bucket: str | None = "match",
) -> list[StoredMatch]:
    """A student's stored matches with their programmes. The programme's catalogue entry (a large
    JSON document no list shows) is not read: it loads on access, within the session."""
    query = (
        select(Match, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(Match.user_id == user_id, Scholarship.is_active)
        .options(defer(Scholarship.entry))  # type: ignore[arg-type]
    )
    if bookmarked_only:
        query = query.where(Match.bookmarked)
    elif include_dismissed:
        query = query.where(Match.dismissed)
    else:
        query = query.where(Match.is_current, ~col(Match.dismissed))
        if bucket is not None:
            query = query.where(Match.bucket == bucket)
    order = (
        [col(Match.deadline), col(Match.score).desc()]
        if bucket == "opens_later"
        else [col(Match.score).desc()]
    )
    rows = session.exec(query.order_by(*order, col(Match.scholarship_id))).all()
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


def _item(v: MatchView, s: Scholarship) -> dict[str, Any]:
    return {
        "scholarshipId": s.slug,
        "scholarship": {
            "title": s.name,
            "organization": s.provider,
            "amount": s.amount_max,
            "amountMin": s.amount_min,
            "deadline": v.deadline.isoformat() if v.deadline else None,
            "url": s.url,
            "kind": s.kind,
            "verifiedOn": s.verified_on.isoformat() if s.verified_on else None,
        },
        "score": v.score,
        "matchScore": v.score,
        "reasoning": v.reasons,
        "chanceLevel": v.chance,
        "eligibility": v.eligibility,
        "confidence": v.confidence,
        "provider": v.provider,
        "deadline": v.deadline.isoformat() if v.deadline else None,
        "cycle": {
            "opens": v.cycle.get("opens"),
            "deadline": v.cycle.get("deadline"),
            "forGraduationYear": v.cycle.get("forGraduationYear"),
            "kind": v.cycle.get("kind"),
        },
    }


def match_payload(
    groups: dict[str, list[MatchView]], session: Session, *, started: float
) -> dict[str, Any]:
    """The agent contract's full result for student_pilot.match_scholarships."""
    ids = [v.scholarship_id for views in groups.values() for v in views]
    rows = {s.id: s for s in session.exec(select(Scholarship).where(col(Scholarship.id).in_(ids)))}
    out: dict[str, list[dict[str, Any]]] = {"matches": [], "possible": [], "opensLater": []}
    for bucket, name in (
        ("match", "matches"),
        ("possible", "possible"),
        ("opens_later", "opensLater"),
    ):
        for v in groups.get(bucket, []):
            s = rows.get(v.scholarship_id)
            if s is None:
                continue
            item = _item(v, s)
            if bucket == "possible":
                item["questions"] = v.questions
            if bucket == "opens_later":
                item["opens"] = v.cycle.get("opens")
                item["questions"] = v.questions
            out[name].append(item)
    return {
        **out,
        "count": len(out["matches"]),
        "executionTimeMs": round((time.perf_counter() - started) * 1000, 1),
    }


def stored_groups(session: Session, *, user_id: int, limit: int) -> dict[str, list[MatchView]]:
    """A student's stored groups as views (what the app shows them)."""
    out: dict[str, list[MatchView]] = {}
    for bucket in GROUPS:
        out[bucket] = [
            MatchView(
                scholarship_id=m.scholarship.id or 0,
                score=m.match.score,
                chance=m.match.chance,
                reasons=m.match.reasons,
                eligibility=m.match.eligibility,
                confidence=m.match.confidence,
                provider=m.match.provider,
                bucket=m.match.bucket,
                deadline=m.match.deadline,
                cycle=m.match.cycle,
                questions=m.match.questions,
            )
            for m in list_matches(session, user_id=user_id, bucket=bucket)[:limit]
        ]
    return out
