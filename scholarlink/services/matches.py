"""A student's matches: ranked locally, optionally refined by the model, stored, curated.

Ranking is local and free. With the OpenAI provider configured, only the eligible short list
(top K) goes to the model in one structured request; its charge follows token usage, and the
local ranking stands whenever the model is slow, failing or its breaker is open.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import islice
from typing import Any, Literal

import sqlalchemy as sa
from cachetools import LRUCache
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import defer
from sqlmodel import Session, col, func, select

from scholarlink.ai.openai_provider import ProviderError
from scholarlink.ai.providers import model_provider
from scholarlink.ai.types import Usage
from scholarlink.core import clock
from scholarlink.core.breakers import CircuitOpen
from scholarlink.core.clock import utcnow
from scholarlink.core.db import owned, read_use_case, update_owned, use_case
from scholarlink.core.errors import InsufficientCredits, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.domain.cycles import student_cycle
from scholarlink.domain.eligibility import Profile, question_key
from scholarlink.domain.engine import Judged, match_all
from scholarlink.domain.prefilter import CompiledCatalogue, compile_catalogue
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.models import Match, Scholarship, StudentAnswer, StudentProfile
from scholarlink.services import local
from scholarlink.services.announcements import record_matches
from scholarlink.services.credits import run_charged_operation, token_price
from scholarlink.services.deadlines import entries_of, entry_of, next_deadline_of
from scholarlink.services.profiles import (
    ProfileInput,
    engine_profile,
    engine_profile_from_input,
    get_profile,
    profile_completion,
)

log = logging.getLogger(__name__)
STORED_PER_GROUP = 60
GROUPS = ("match", "possible", "opens_later")


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


# -- what pages, routes and the agent read (typed; the agent's shapes in camelCase) ------------


class _Camel(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)


class VerdictPublic(_Camel):
    """One rule's verdict, as the engine gives it and a match stores it."""

    criterion: str
    status: str
    detail: str
    field: str | None = None
    question: str | None = None
    hard: bool = True

    @model_serializer(mode="wrap")
    def _wire(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The contract's shape (domain Verdict.as_dict): the field and question only when there
        # is one, `hard` only for a soft rule.
        out: dict[str, Any] = handler(self)
        for key in ("field", "question"):
            if not out.get(key):
                out.pop(key, None)
        if out.get("hard", True):
            out.pop("hard", None)
        return out

    @property
    def confirmable(self) -> bool:
        """A requirement no profile field can check, which the student confirms."""
        return (self.field or "").startswith("answer:")


class QuestionPublic(_Camel):
    """What settles an open rule: the profile field, or the requirement to confirm."""

    field: str
    question: str

    @property
    def confirmable(self) -> bool:
        return self.field.startswith("answer:")


class CyclePublic(_Camel):
    """The cycle a student applies in (domain StudentCycle.as_dict, as stored with a match)."""

    state: str | None = None
    opens: date | None = None
    deadline: date | None = None
    kind: str | None = None
    for_graduation_year: int | None = None
    read_for: str | None = None
    projected: bool = False
    note: str | None = None


class MatchCardPublic(BaseModel):
    """A stored match with what its card shows of the programme."""

    model_config = ConfigDict(frozen=True)

    id: int
    scholarship_id: int
    name: str
    organisation: str
    amount_min: int | None
    amount_max: int | None
    essay_required: bool
    score: int
    chance: str
    reasons: list[str]
    # Of its verdicts, how many are met (or confirmed), how many requirements wait on an
    # answer, and how many preferences (soft rules: they rank, never exclude) are unanswered;
    # the table itself is read when the card opens it (match_verdicts).
    met: int
    to_answer: int
    open_preferences: int = 0
    questions: list[QuestionPublic]
    deadline: date | None
    cycle: CyclePublic
    bucket: str
    bookmarked: bool
    dismiss_reason: str | None
    ranked_by: str  # "local", or "openai" when the model re-ranked it


class DismissedPublic(BaseModel):
    """A dismissed match, as the list under "Dismissed" shows it."""

    model_config = ConfigDict(frozen=True)

    id: int
    scholarship_id: int
    name: str
    score: int
    dismiss_reason: str | None


class TopQuestionPublic(BaseModel):
    """An open question and the money it decides among possible and opens-later cards."""

    model_config = ConfigDict(frozen=True)

    field: str
    question: str
    count: int
    money: int

    @property
    def confirmable(self) -> bool:
        return self.field.startswith("answer:")


View = Literal["match", "possible", "opens_later", "saved"]


class MatchViewPublic(BaseModel):
    """One view of the matches page: its first cards, how many more it has, each group's count."""

    model_config = ConfigDict(frozen=True)

    items: list[MatchCardPublic]
    more: int  # cards of the view beyond those returned
    counts: dict[str, int]


class MatchesOverviewPublic(MatchViewPublic):
    """What the matches page shows: one view (its cards and the counts), the questions that
    unlock the most money and the dismissed matches."""

    top_questions: list[TopQuestionPublic]
    dismissed: list[DismissedPublic]
    completion: int  # the profile's completion, percent
    refresh_costs_credits: bool  # refreshing asks the AI model, priced by usage


class ScholarshipRefPublic(_Camel):
    title: str
    organization: str
    amount: int | None
    amount_min: int | None
    deadline: date | None
    url: str
    kind: str
    verified_on: date | None


class CycleRefPublic(_Camel):
    opens: date | None = None
    deadline: date | None = None
    for_graduation_year: int | None = None
    kind: str | None = None


class MatchItemPublic(_Camel):
    """One item of the agent contract's match result."""

    scholarship_id: str  # the programme's slug
    scholarship: ScholarshipRefPublic
    score: int
    match_score: int
    reasoning: list[str]
    chance_level: str
    eligibility: list[VerdictPublic]
    confidence: float
    provider: str
    deadline: date | None
    cycle: CycleRefPublic


class PossibleItemPublic(MatchItemPublic):
    questions: list[QuestionPublic]


class OpensLaterItemPublic(MatchItemPublic):
    opens: date | None
    questions: list[QuestionPublic]


class MatchResultPublic(_Camel):
    """The agent contract's full result of student_pilot.match_scholarships."""

    matches: list[MatchItemPublic] = Field(default_factory=list)
    possible: list[PossibleItemPublic] = Field(default_factory=list)
    opens_later: list[OpensLaterItemPublic] = Field(default_factory=list)
    count: int = 0
    execution_time_ms: float = 0.0

    def wire(self) -> dict[str, Any]:
        """The JSON the contract names (camelCase keys, ISO dates)."""
        return self.model_dump(mode="json", by_alias=True)


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


# The catalogue with an organisation's local scholarships beside it, compiled once per catalogue
# version and set of local entries (students of one organisation and area share one), not per
# request: at 100k catalogue rows a compilation takes seconds.
_WITH_LOCAL: LRUCache[tuple[Any, ...], tuple[CompiledCatalogue, CompiledCatalogue]] = LRUCache(
    maxsize=32
)
_WITH_LOCAL_LOCK = threading.Lock()


def _with_local(
    catalogue: CompiledCatalogue, extra: list[tuple[int, CatalogueEntry]]
) -> CompiledCatalogue:
    if not extra:
        return catalogue
    # By identity: entry_of hands back the same parsed entry until its row changes, and the
    # value holds the catalogue and (in its entries) every local entry it was built from, so
    # none of these ids can be reused while it is cached.
    key = (id(catalogue), *((k, id(e)) for k, e in extra))
    with _WITH_LOCAL_LOCK:
        found = _WITH_LOCAL.get(key)
    if found is not None and found[0] is catalogue:
        return found[1]
    compiled = compile_catalogue([*catalogue.entries, *extra])
    with _WITH_LOCAL_LOCK:
        _WITH_LOCAL[key] = (catalogue, compiled)
    return compiled


def answers_of(session: Session, user_id: int) -> dict[str, bool]:
    return {
        a.question_key: a.answer
        for a in session.exec(select(StudentAnswer).where(StudentAnswer.user_id == user_id))
    }


class NotRead(enum.Enum):
    """A row the caller has not read (apart from None: read, and there is none)."""

    NOT_READ = enum.auto()


NOT_READ = NotRead.NOT_READ


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
    `user_id`, the local scholarships of the student's organisations and area too (compiled
    with the catalogue once per set of local entries)."""
    catalogue = active_catalogue(session)
    extra = local.visible_entries(session, user_id=user_id) if user_id is not None else []
    result = match_all(
        _with_local(catalogue, extra), profile, clock.today(), no_essay_first=no_essay_first
    )
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
    cycle = student_cycle(entry.cycles, list(entry.rules), profile, clock.today())
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
    session: Session,
    *,
    user_id: int,
    scholarship_ids: list[int],
    day: date | None = None,
    stored: StudentProfile | NotRead | None = NOT_READ,
) -> dict[int, tuple[date | None, str]]:
    """The deadline of the student's own cycle for each programme (kind when undated).
    `stored`: the student's profile row (None: they have none) when the caller has read it."""
    if not scholarship_ids:
        return {}
    day = day or clock.today()
    if stored is NOT_READ:
        profile = student_profile(session, user_id)
    else:
        profile = engine_profile(stored, answers_of(session, user_id))
    entries = entries_of(session, scholarship_ids)
    out: dict[int, tuple[date | None, str]] = {}
    for sid in scholarship_ids:
        entry = entries.get(sid)
        if entry is None:
            out[sid] = (None, "varies")
            continue
        cycle = student_cycle(entry.cycles, list(entry.rules), profile, day)
        if cycle.state == "closed":
            when = next_deadline_of(entry, day)
            out[sid] = (when, "fixed" if when else cycle.kind)
        else:
            out[sid] = (cycle.deadline, cycle.kind)
    return out


@use_case
def _shortlist(
    session: Session, *, views: list[MatchView], model_name: str
) -> tuple[list[dict[str, Any]], int]:
    """What the model is told of the short list, and the estimated price of asking it."""
    rows = {
        s.id: s
        for s in session.exec(
            select(Scholarship).where(col(Scholarship.id).in_([v.scholarship_id for v in views]))
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
        for v in views
        if v.scholarship_id in rows
    ]
    estimate = token_price(
        session, model=model_name, input_tokens=400 + 120 * len(shortlist), output_tokens=3000
    )
    return shortlist, estimate


def refine_with_model(
    session_views: list[MatchView],
    facts: Profile,
    *,
    user_id: int | None,
    operation_id: str,
) -> tuple[list[MatchView], str]:
    """Ask the model about the short list (one request, no transaction open while it answers).
    Returns (views, provider used)."""
    model = model_provider()
    if model is None or not session_views:
        return session_views, "local"
    k = get_settings().match_top_k
    shortlist, estimate = _shortlist(views=session_views[:k], model_name=model.model)
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
        # Eligibility, the cycle and the chance level (from published selectivity) stay local:
        # the model only re-ranks.
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


@use_case
def _ranked_for_student(
    session: Session, *, user_id: int, no_essay_first: bool
) -> tuple[Profile, dict[str, list[MatchView]]]:
    """A stored student's profile and their groups, without what they dismissed."""
    profile = student_profile(session, user_id)
    dismissed = list(
        session.exec(select(Match.scholarship_id).where(Match.user_id == user_id, Match.dismissed))
    )
    groups = rank_profile(
        session,
        profile,
        limit=STORED_PER_GROUP,
        exclude_ids=dismissed,
        no_essay_first=no_essay_first,
        user_id=user_id,
    )
    return profile, groups


@use_case
def _store_groups(
    session: Session, *, user_id: int, groups: dict[str, list[MatchView]], seen: bool
) -> None:
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
    pass refreshes with seen=False and use_model=False (it never spends the student's credits).
    Two transactions (ranking, storing), with the model call between them and none open while
    it answers."""
    profile, groups = _ranked_for_student(user_id=user_id, no_essay_first=no_essay_first)
    if use_model:
        groups["match"], _ = refine_with_model(
            groups["match"],
            profile,
            user_id=user_id,
            operation_id=operation_id or f"match:{uuid.uuid4()}",
        )
    _store_groups(user_id=user_id, groups=groups, seen=seen)
    return len(groups["match"])


@dataclass
class StoredMatch:
    match: Match
    scholarship: Scholarship


# Whose matches a statement reads: an id, or the bound parameter of a statement built once.
Student = int | sa.BindParameter[int]
_STUDENT: sa.BindParameter[int] = sa.bindparam("user_id")


def _theirs(user_id: Student) -> list[Any]:
    """A student's matches of programmes still offered."""
    return [Match.user_id == user_id, col(Scholarship.is_active)]


def _current(user_id: Student) -> list[Any]:
    """What a student is shown: their current, not dismissed matches of active programmes."""
    return [*_theirs(user_id), col(Match.is_current), ~col(Match.dismissed)]


def _listing(
    *,
    user_id: Student,
    include_dismissed: bool = False,
    bookmarked_only: bool = False,
    bucket: str | None = "match",
    no_essay_first: bool = False,
) -> tuple[list[Any], list[Any]]:
    """Which of a student's matches a list holds, and in what order (best first, no-essay
    awards first when asked; opens-later by opening date): one definition for the cards and
    for their ids."""
    if bookmarked_only:
        where = [*_theirs(user_id), col(Match.bookmarked)]
    elif include_dismissed:
        where = [*_theirs(user_id), col(Match.dismissed)]
    else:
        where = _current(user_id)
        if bucket is not None:
            where.append(Match.bucket == bucket)
    return where, _order(bucket=bucket, no_essay_first=no_essay_first)


def _order(*, bucket: str | None, no_essay_first: bool) -> list[Any]:
    """A list's order: best first, no-essay awards first when asked, opens-later by date."""
    order: list[Any] = [func.coalesce(Scholarship.essay_required, False)] if no_essay_first else []
    if bucket == "opens_later":
        order.append(col(Match.deadline))
    return [*order, col(Match.score).desc(), col(Match.scholarship_id)]


def list_matches(
    session: Session,
    *,
    user_id: int,
    include_dismissed: bool = False,
    bookmarked_only: bool = False,
    bucket: str | None = "match",
    no_essay_first: bool = False,
    limit: int | None = None,
) -> list[StoredMatch]:
    """A student's stored matches with their programmes, within the caller's transaction, best
    first (no-essay awards first when asked), at most `limit`. The programme's catalogue entry
    (a large JSON document no list shows) is not read: it loads on access, within the session.
    Pages of cards read `_cards` instead."""
    where, order = _listing(
        user_id=user_id,
        include_dismissed=include_dismissed,
        bookmarked_only=bookmarked_only,
        bucket=bucket,
        no_essay_first=no_essay_first,
    )
    query = (
        select(Match, Scholarship)
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .options(defer(Scholarship.entry))  # type: ignore[arg-type]
        .where(*where)
        .order_by(*order)
    )
    if limit is not None:
        query = query.limit(limit)
    return [StoredMatch(m, s) for m, s in session.exec(query).all()]


# What a match card reads, in this order: of the match and of its programme only the columns the
# card shows (a programme's lists of levels, states... are JSON documents to decode, and a page
# of ORM objects was most of a page's work), read on Core as plain rows.
_CARD_COLUMNS = (
    col(Match.id),
    col(Match.scholarship_id),
    col(Scholarship.name),
    col(Scholarship.provider),
    col(Scholarship.amount_min),
    col(Scholarship.amount_max),
    col(Scholarship.essay_required),
    col(Match.score),
    col(Match.chance),
    col(Match.reasons),
    col(Match.eligibility),
    col(Match.questions),
    col(Match.deadline),
    col(Match.cycle),
    col(Match.bucket),
    col(Match.bookmarked),
    col(Match.dismiss_reason),
    col(Match.provider),
)
_MET = frozenset({"met", "confirmed"})


def _listed(
    session: Session,
    *columns: Any,
    user_id: int,
    ids: Sequence[int] | None = None,
    limit: int | None = None,
    **listing: Any,
) -> Iterable[Any]:
    """`columns` of the matches of a list (`_listing`'s arguments) with their programmes, in
    its order: only those of `ids` when given, at most `limit`."""
    statement = _listed_statement(
        columns, ids is not None, limit is not None, tuple(sorted(listing.items()))
    )
    params: dict[str, Any] = {"user_id": user_id}
    if ids is not None:
        params["ids"] = list(ids)
    if limit is not None:
        params["limit"] = limit
    return session.connection().execute(statement, params)


@cache
def _listed_statement(
    columns: tuple[Any, ...], by_ids: bool, limited: bool, listing: tuple[tuple[str, Any], ...]
) -> sa.Select[Any]:
    """`_listed`'s statement, built once for each list and set of columns (the student, the
    ids and the limit are bound parameters): building it was a quarter of a millisecond."""
    where, order = _listing(user_id=_STUDENT, **dict(listing))
    if by_ids:
        where.append(col(Match.id).in_(sa.bindparam("ids", expanding=True)))
    query = (
        sa.select(*columns)
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(*where)
        .order_by(*order)
    )
    return query.limit(sa.bindparam("limit")) if limited else query


def _cards(
    session: Session,
    *,
    user_id: int,
    limit: int | None = None,
    ids: Sequence[int] | None = None,
    **listing: Any,
) -> list[MatchCardPublic]:
    """The cards of a list (`_listing`'s arguments), in its order: at most `limit`, only those
    of `ids` when given."""
    rows = _listed(session, *_CARD_COLUMNS, user_id=user_id, ids=ids, limit=limit, **listing)
    return [_card(row) for row in rows]


def _card(row: Sequence[Any]) -> MatchCardPublic:
    (
        match_id,
        scholarship_id,
        name,
        provider,
        amount_min,
        amount_max,
        essay_required,
        score,
        chance,
        reasons,
        verdicts,
        questions,
        deadline,
        cycle,
        bucket,
        bookmarked,
        dismiss_reason,
        ranked_by,
    ) = row
    statuses = [v["status"] for v in verdicts]
    unknown_soft = sum(1 for v in verdicts if v["status"] == "unknown" and not v.get("hard", True))
    return MatchCardPublic(
        id=match_id,
        scholarship_id=scholarship_id,
        name=name,
        organisation=provider,
        amount_min=amount_min,
        amount_max=amount_max,
        essay_required=bool(essay_required),
        score=score,
        chance=chance,
        reasons=list(reasons),
        met=sum(1 for status in statuses if status in _MET),
        to_answer=statuses.count("unknown") - unknown_soft,
        open_preferences=unknown_soft,
        questions=[QuestionPublic.model_validate(q) for q in questions],
        deadline=deadline,
        cycle=CyclePublic.model_validate(cycle or {}),
        bucket=bucket,
        bookmarked=bookmarked,
        dismiss_reason=dismiss_reason,
        ranked_by=ranked_by,
    )


def _dismissed(session: Session, *, user_id: int) -> list[DismissedPublic]:
    """A student's dismissed matches, best first."""
    rows = _listed(session, *_DISMISSED_COLUMNS, user_id=user_id, include_dismissed=True)
    return [
        DismissedPublic(id=i, scholarship_id=sid, name=name, score=score, dismiss_reason=reason)
        for i, sid, name, score, reason in rows
    ]


_DISMISSED_COLUMNS = (
    col(Match.id),
    col(Match.scholarship_id),
    col(Scholarship.name),
    col(Match.score),
    col(Match.dismiss_reason),
)
_COUNTS = (
    sa.select(col(Match.bucket), func.count())
    .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
    .where(*_current(_STUDENT))
    .group_by(Match.bucket)
)


def _counts(session: Session, *, user_id: int) -> dict[str, int]:
    rows = session.connection().execute(_COUNTS, {"user_id": user_id})
    found: dict[str, int] = dict(rows.tuples().all())
    return {b: int(found.get(b, 0)) for b in GROUPS}


def _top_questions(
    shown: Iterable[tuple[str, list[dict[str, Any]], int | None]], *, limit: int = 5
) -> list[TopQuestionPublic]:
    """Of the shown matches' (group, questions, largest amount): the open questions that decide
    the most money among possible and opens-later cards (a programme that publishes no amount
    counts as $1,000, as in the ranking)."""
    money_at: dict[tuple[str, str], int] = {}
    count: dict[tuple[str, str], int] = {}
    for bucket, questions, amount_max in shown:
        if bucket == "match":
            continue
        for q in questions:
            key = (str(q["field"]), str(q["question"]))
            money_at[key] = money_at.get(key, 0) + (amount_max or 1000)
            count[key] = count.get(key, 0) + 1
    best = sorted(money_at, key=lambda k: (-money_at[k], k[1]))[:limit]
    return [
        TopQuestionPublic(field=f, question=q, count=count[(f, q)], money=money_at[(f, q)])
        for f, q in best
    ]


VIEWS: tuple[View, ...] = ("match", "possible", "opens_later", "saved")


@dataclass(frozen=True)
class Showing:
    """What the matches page shows: a view, its first `shown` cards (no-essay awards first
    when asked), and the ids of the cards it holds, so that a change sends only the others."""

    view: View = "match"
    shown: int = 24
    no_essay_first: bool = False
    holding: tuple[int, ...] = ()

    def check(self) -> None:
        if self.view not in VIEWS or not 1 <= self.shown <= 10_000:
            raise ValidationFailed(
                "No such view of your matches",
                details=[{"field": "view", "message": "one of " + ", ".join(VIEWS)}],
            )


class MatchChangePublic(BaseModel):
    """What a dismissal or its undo changes on a matches page showing `Showing`."""

    model_config = ConfigDict(frozen=True)

    dismissed: DismissedPublic | None  # the match just dismissed (None after an undo)
    order: list[int]  # the ids of the cards the view now shows, in order
    fill: list[MatchCardPublic]  # those of them the page did not hold
    more: int  # cards of the view beyond those shown
    counts: dict[str, int]
    top_questions: list[TopQuestionPublic] | None  # None: unchanged (the match asks nothing)


def _view_listing(showing: Showing) -> dict[str, Any]:
    saved = showing.view == "saved"
    return {
        "bookmarked_only": saved,
        "bucket": None if saved else showing.view,
        "no_essay_first": showing.no_essay_first,
    }


def _one_view(
    session: Session, *, user_id: int, showing: Showing, counts: dict[str, int] | None = None
) -> MatchViewPublic:
    """The view's first cards and the counts (read here unless the caller has them)."""
    showing.check()
    counts = _counts(session, user_id=user_id) if counts is None else counts
    saved = showing.view == "saved"  # the saved view has no count of its own
    cards = _cards(
        session,
        user_id=user_id,
        limit=None if saved else showing.shown,
        **_view_listing(showing),
    )
    total = len(cards) if saved else counts[showing.view]
    return MatchViewPublic(
        items=cards[: showing.shown], more=max(0, total - showing.shown), counts=counts
    )


@read_use_case
def view_cards(
    session: Session,
    *,
    user_id: int,
    view: View = "match",
    shown: int = 24,
    no_essay_first: bool = False,
) -> MatchViewPublic:
    """The first `shown` cards of `view` (no-essay awards first when asked) and the counts: what
    changes on the matches page when the student switches views or asks for more. The
    questions, the dismissed list and the profile's completion do not change with the view."""
    showing = Showing(view=view, shown=shown, no_essay_first=no_essay_first)
    return _one_view(session, user_id=user_id, showing=showing)


@read_use_case
def overview(
    session: Session,
    *,
    user_id: int,
    view: View = "match",
    shown: int = 24,
    no_essay_first: bool = False,
) -> MatchesOverviewPublic:
    """The matches page: the first `shown` cards of `view` (no-essay awards first when asked),
    each group's count, the questions that unlock the most money, the dismissed matches."""
    showing = Showing(view=view, shown=shown, no_essay_first=no_essay_first)
    showing.check()
    _, counts, top_questions = _in_view(session, user_id=user_id, showing=showing, questions=True)
    shown_view = _one_view(session, user_id=user_id, showing=showing, counts=counts)
    return MatchesOverviewPublic(
        **dict(shown_view),
        top_questions=top_questions or [],
        dismissed=_dismissed(session, user_id=user_id),
        completion=profile_completion(get_profile(session, user_id)).percent,
        refresh_costs_credits=model_provider() is not None,
    )


@cache
def _view_rows(view: View, no_essay_first: bool, questions: bool) -> sa.Select[Any]:
    """`_in_view`'s statement, built once per kind of view (the student is a bound parameter):
    the student's shown matches, and for the saved view their bookmarked ones too, in the
    view's order, with what tells which are which."""
    saved = view == "saved"
    shown = sa.and_(col(Match.is_current), ~col(Match.dismissed))
    return (
        sa.select(
            col(Match.id),
            col(Match.bucket),
            shown,
            col(Match.bookmarked),
            *((col(Match.questions), col(Scholarship.amount_max)) if questions else ()),
        )
        .join(Scholarship, col(Scholarship.id) == Match.scholarship_id)
        .where(*_theirs(_STUDENT), sa.or_(shown, col(Match.bookmarked)) if saved else shown)
        .order_by(*_order(bucket=None if saved else view, no_essay_first=no_essay_first))
    )


def _in_view(
    session: Session, *, user_id: int, showing: Showing, questions: bool
) -> tuple[list[int], dict[str, int], list[TopQuestionPublic] | None]:
    """In one read: the ids of every card of the view in its order, each group's count, and
    the questions that unlock the most money when asked for (`questions`), of the student's
    shown matches; the ids as `_listed` lists them."""
    rows = session.connection().execute(
        _view_rows(showing.view, showing.no_essay_first, questions), {"user_id": user_id}
    )
    saved = showing.view == "saved"
    counts = dict.fromkeys(GROUPS, 0)
    ids: list[int] = []
    asked: list[tuple[str, list[dict[str, Any]], int | None]] = []
    for match_id, bucket, shown, bookmarked, *asks in rows:
        if shown:
            if bucket in counts:
                counts[bucket] += 1
            if questions:
                asked.append((bucket, *asks))
        if bookmarked if saved else bucket == showing.view:
            ids.append(match_id)
    return ids, counts, _top_questions(asked) if questions else None


def _change(
    session: Session,
    *,
    user_id: int,
    match_id: int,
    line: DismissedPublic | None,
    asks: bool,
    showing: Showing,
) -> MatchChangePublic:
    """After match `match_id` was dismissed (`line`: its line in the dismissed list) or
    restored (None): what the page showing `showing` now shows. The ids of the view and the
    counts are one read; cards only for those the page does not hold, the questions that
    unlock the most money only when this match asks any (`asks`)."""
    ids, counts, top_questions = _in_view(session, user_id=user_id, showing=showing, questions=asks)
    total = len(ids) if showing.view == "saved" else counts[showing.view]
    shown = ids[: showing.shown]
    held = set(showing.holding) - {match_id}  # the changed match is sent again where shown
    missing = [i for i in shown if i not in held]
    listing = _view_listing(showing)
    fill = _cards(session, user_id=user_id, ids=missing, **listing) if missing else []
    return MatchChangePublic(
        dismissed=line,
        order=shown,
        fill=fill,
        more=max(0, total - showing.shown),
        counts=counts,
        top_questions=top_questions,
    )


@read_use_case
def match_verdicts(session: Session, *, user_id: int, match_id: int) -> list[VerdictPublic]:
    """Every rule's verdict stored with one of the student's matches: the table its card opens
    (the page holds it only while it is open)."""
    row = owned(session, Match, match_id, owner_id=user_id, what="match")
    return [VerdictPublic.model_validate(e) for e in row.eligibility]


@use_case
def set_bookmark(session: Session, *, user_id: int, match_id: int, bookmarked: bool) -> bool:
    """Bookmark a match or take the bookmark off; returns what is now stored."""
    (stored,) = update_owned(
        session,
        Match,
        match_id,
        owner_id=user_id,
        what="match",
        values={"bookmarked": bookmarked},
        returning=("bookmarked",),
    )
    return bool(stored)


DISMISS_REASONS = (
    "Not interested",
    "Deadline too soon",
    "Essay too demanding",
    "Already applied elsewhere",
    "Not actually eligible",
    "Other",
)


@use_case
def dismiss(
    session: Session,
    *,
    user_id: int,
    match_id: int,
    reason: str,
    showing: Showing = Showing(),
) -> MatchChangePublic:
    """Dismiss a match with a reason; returns what the page showing `showing` now shows."""
    showing.check()
    reason = reason.strip()
    if not reason or len(reason) > 300:
        raise ValidationFailed(
            "Tell us why (up to 300 characters)",
            details=[{"field": "reason", "message": "Required"}],
        )
    return _set_dismissed(
        session, user_id=user_id, match_id=match_id, reason=reason, showing=showing
    )


@use_case
def undismiss(
    session: Session, *, user_id: int, match_id: int, showing: Showing = Showing()
) -> MatchChangePublic:
    """Undo a dismissal; returns what the page showing `showing` now shows."""
    showing.check()
    return _set_dismissed(session, user_id=user_id, match_id=match_id, reason=None, showing=showing)


# What a dismissal or its undo returns besides the write: the match's group and questions (do the
# questions that unlock the most money change?) and its line in the dismissed list, the
# programme's name read in the same statement (None when the programme is no longer offered).
_ACTIVE_NAME = (
    sa.select(col(Scholarship.name))
    .where(col(Scholarship.id) == Match.scholarship_id, col(Scholarship.is_active))
    .scalar_subquery()
)
_DISMISS_RETURNS = ("bucket", "questions", "scholarship_id", "score", "dismiss_reason")


def _set_dismissed(
    session: Session, *, user_id: int, match_id: int, reason: str | None, showing: Showing
) -> MatchChangePublic:
    """Dismiss (with `reason`) or restore (None) one of the student's matches."""
    bucket, questions, scholarship_id, score, stored_reason, name = update_owned(
        session,
        Match,
        match_id,
        owner_id=user_id,
        what="match",
        values={"dismissed": reason is not None, "dismiss_reason": reason},
        returning=_DISMISS_RETURNS,
        also=(_ACTIVE_NAME,),
    )
    line = (
        DismissedPublic(
            id=match_id,
            scholarship_id=scholarship_id,
            name=name,
            score=score,
            dismiss_reason=stored_reason,
        )
        if reason is not None and name is not None
        else None
    )
    return _change(
        session,
        user_id=user_id,
        match_id=match_id,
        line=line,
        asks=bucket != "match" and bool(questions),
        showing=showing,
    )


def _item_fields(v: MatchView, s: Scholarship) -> dict[str, Any]:
    cycle = v.cycle
    return {
        "scholarship_id": s.slug,
        "scholarship": ScholarshipRefPublic(
            title=s.name,
            organization=s.provider,
            amount=s.amount_max,
            amount_min=s.amount_min,
            deadline=v.deadline,
            url=s.url,
            kind=s.kind,
            verified_on=s.verified_on,
        ),
        "score": v.score,
        "match_score": v.score,
        "reasoning": v.reasons,
        "chance_level": v.chance,
        "eligibility": [VerdictPublic.model_validate(e) for e in v.eligibility],
        "confidence": v.confidence,
        "provider": v.provider,
        "deadline": v.deadline,
        "cycle": CycleRefPublic(
            opens=cycle.get("opens"),
            deadline=cycle.get("deadline"),
            for_graduation_year=cycle.get("forGraduationYear"),
            kind=cycle.get("kind"),
        ),
    }


def _result(
    session: Session, groups: dict[str, list[MatchView]], *, started: float
) -> MatchResultPublic:
    ids = [v.scholarship_id for views in groups.values() for v in views]
    rows = {s.id: s for s in session.exec(select(Scholarship).where(col(Scholarship.id).in_(ids)))}

    def questions(v: MatchView) -> list[QuestionPublic]:
        return [QuestionPublic.model_validate(q) for q in v.questions]

    found = [
        (bucket, v, rows[v.scholarship_id])
        for bucket in GROUPS
        for v in groups.get(bucket, [])
        if v.scholarship_id in rows
    ]
    matched = [MatchItemPublic(**_item_fields(v, s)) for b, v, s in found if b == "match"]
    return MatchResultPublic(
        matches=matched,
        possible=[
            PossibleItemPublic(**_item_fields(v, s), questions=questions(v))
            for b, v, s in found
            if b == "possible"
        ],
        opens_later=[
            OpensLaterItemPublic(
                **_item_fields(v, s), opens=v.cycle.get("opens"), questions=questions(v)
            )
            for b, v, s in found
            if b == "opens_later"
        ],
        count=len(matched),
        execution_time_ms=round((time.perf_counter() - started) * 1000, 1),
    )


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
            for m in list_matches(session, user_id=user_id, bucket=bucket, limit=limit)
        ]
    return out


@use_case
def _stored_result(
    session: Session, *, user_id: int, limit: int, started: float
) -> MatchResultPublic:
    return _result(session, stored_groups(session, user_id=user_id, limit=limit), started=started)


@use_case
def _profile_groups(session: Session, *, facts: Profile, limit: int) -> dict[str, list[MatchView]]:
    return rank_profile(session, facts, limit=limit)


@use_case
def _groups_result(
    session: Session, *, groups: dict[str, list[MatchView]], started: float
) -> MatchResultPublic:
    return _result(session, groups, started=started)


def match_result(
    *, user_id: int, operation_id: str, limit: int = 10, profile: ProfileInput | None = None
) -> MatchResultPublic:
    """The agent contract's match result (`.wire()` is its JSON), `limit` per group.

    Without `profile`: the stored student `user_id`'s matches, refreshed first (the model's
    refinement, when configured, is charged to them under `operation_id`). With `profile` (the
    agent's profileData): that profile judged against the catalogue, nothing stored, the
    refinement billed to `user_id` (the agent account). Several short transactions; none is open
    while the model answers."""
    started = time.perf_counter()
    if not 1 <= limit <= 50:
        raise ValidationFailed(
            "limit must be 1-50", details=[{"field": "limit", "message": "1-50"}]
        )
    if profile is None:
        refresh_matches(user_id=user_id, operation_id=operation_id)
        return _stored_result(user_id=user_id, limit=limit, started=started)
    facts = engine_profile_from_input(profile)
    groups = _profile_groups(facts=facts, limit=limit)
    groups["match"], _ = refine_with_model(
        groups["match"], facts, user_id=user_id, operation_id=operation_id
    )
    return _groups_result(groups=groups, started=started)
