"""The essay library (essays with versions), the five essay tools, spelling with a per-student
ignore list, and changes a student accepts one by one.

Pricing: a tool that calls no model (the offline assistant) is free — no charge, no ledger
entry. With a model configured, a tool is charged once, from the tokens the server reports, at
the rate card.
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from scholarlink.ai.local import word_spans, words
from scholarlink.ai.openai_provider import ProviderError
from scholarlink.ai.providers import EssayAssistant, essay_assistant
from scholarlink.ai.spelling import normalise, spelling_issues
from scholarlink.ai.types import ESSAY_TYPES as ESSAY_TYPES
from scholarlink.ai.types import StudentFacts, Usage, WireModel
from scholarlink.core.breakers import CircuitOpen
from scholarlink.core.clock import utcnow
from scholarlink.core.db import owned, read_use_case, update_owned, use_case
from scholarlink.core.errors import NotFound, Unavailable, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.models import CreditAccount, Essay, EssayVersion, SpellingIgnore, StudentProfile
from scholarlink.services.credits import (
    ChargedResult,
    credits,
    run_charged_operation,
    token_price,
)
from scholarlink.services.eligibility import ProfileFacts
from scholarlink.services.vocabulary import ACADEMIC_LEVELS, INTERESTS

Tool = Literal["analyze", "outline", "improve", "ideas", "tailor"]
TOOLS: dict[str, str] = {
    "analyze": "Analyse",
    "outline": "Outline",
    "improve": "Improve",
    "ideas": "Ideas",
    "tailor": "Tailor to a new prompt",
}
FOCUS_AREAS = ("clarity", "concision", "grammar", "impact")
MAX_PROMPT = 5_000
MAX_WORD_LIMIT = 10_000


# -- library ----------------------------------------------------------------------------------


class EssayPublic(BaseModel):
    """An essay as pages, routes and the agent see it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    title: str
    prompt: str
    essay_type: str
    content: str
    word_limit: int | None
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def type_label(self) -> str:
        return ESSAY_TYPES.get(self.essay_type, self.essay_type)


_PUBLIC_COLUMNS = tuple(EssayPublic.model_fields)


class EssayVersionPublic(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    version: int
    content: str
    note: str
    created_at: datetime


def _owned(session: Session, user_id: int, essay_id: int) -> Essay:
    return owned(session, Essay, essay_id, owner_id=user_id, what="essay")


def _check_text(content: str, *, field: str = "content", allow_empty: bool = False) -> str:
    limit = get_settings().essay_max_chars
    if not allow_empty and not content.strip():
        raise ValidationFailed(
            "The essay is empty", details=[{"field": field, "message": "Write some text first"}]
        )
    if len(content) > limit:
        raise ValidationFailed(
            f"The essay is {len(content):,} characters; the limit is {limit:,}",
            details=[{"field": field, "message": f"At most {limit:,} characters"}],
        )
    return content


def _check_limit(word_limit: int | None) -> None:
    if word_limit is not None and not 1 <= word_limit <= MAX_WORD_LIMIT:
        raise ValidationFailed(
            f"A word limit is between 1 and {MAX_WORD_LIMIT:,}",
            details=[{"field": "word_limit", "message": f"1 to {MAX_WORD_LIMIT:,}"}],
        )


@use_case
def create_essay(
    session: Session,
    *,
    user_id: int,
    title: str,
    prompt: str = "",
    essay_type: str = "personal_statement",
    content: str = "",
    word_limit: int | None = None,
    note: str = "Created",
) -> EssayPublic:
    title = title.strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            "Give the essay a title (up to 200 characters)",
            details=[{"field": "title", "message": "Required, at most 200 characters"}],
        )
    if essay_type not in ESSAY_TYPES:
        raise ValidationFailed(
            "Unknown essay type",
            details=[{"field": "essay_type", "message": "Choose a listed type"}],
        )
    if len(prompt) > MAX_PROMPT:
        raise ValidationFailed(
            "The prompt is too long",
            details=[{"field": "prompt", "message": f"At most {MAX_PROMPT} characters"}],
        )
    _check_text(content, allow_empty=True)
    _check_limit(word_limit)
    essay = Essay(
        user_id=user_id,
        title=title,
        prompt=prompt.strip(),
        essay_type=essay_type,
        content=content,
        word_limit=word_limit,
        version=1,
    )
    session.add(essay)
    session.flush()
    assert essay.id is not None
    session.add(EssayVersion(essay_id=essay.id, version=1, content=content, note=note[:200]))
    session.flush()
    return EssayPublic.model_validate(essay)


@use_case
def save_essay(
    session: Session,
    *,
    user_id: int,
    essay_id: int,
    content: str,
    title: str | None = None,
    prompt: str | None = None,
    new_version: bool = False,
    note: str = "",
) -> EssayPublic:
    """Save the text and, when given, the title and prompt; with `new_version`, also snapshot a
    numbered version. Content alone is an autosave (`autosave_essay`)."""
    _check_text(content, allow_empty=True)
    if title is None and prompt is None and not new_version:
        return _autosave(session, user_id, essay_id, content)
    essay = _owned(session, user_id, essay_id)
    if title is not None:
        if not title.strip() or len(title) > 200:
            raise ValidationFailed(
                "Give the essay a title (up to 200 characters)",
                details=[{"field": "title", "message": "Required"}],
            )
        essay.title = title.strip()
    if prompt is not None:
        essay.prompt = prompt.strip()[:MAX_PROMPT]
    essay.content = content
    essay.updated_at = utcnow()
    if new_version:
        latest = session.exec(
            select(EssayVersion)
            .where(EssayVersion.essay_id == essay_id)
            .order_by(col(EssayVersion.version).desc())
        ).first()
        if latest is None or latest.content != content:
            essay.version += 1
            session.add(
                EssayVersion(
                    essay_id=essay_id, version=essay.version, content=content, note=note[:200]
                )
            )
    session.add(essay)
    session.flush()
    return EssayPublic.model_validate(essay)


def _autosave(session: Session, user_id: int, essay_id: int, content: str) -> EssayPublic:
    saved = update_owned(
        session,
        Essay,
        essay_id,
        owner_id=user_id,
        what="essay",
        values={"content": content, "updated_at": utcnow()},
        returning=_PUBLIC_COLUMNS,
    )
    return EssayPublic.model_validate(saved._mapping)


@use_case
def autosave_essay(session: Session, *, user_id: int, essay_id: int, content: str) -> EssayPublic:
    """The editor's most frequent write (every pause in typing): the text only, never a new
    version, in one ownership-checked `UPDATE … RETURNING` (no read of the row first)."""
    _check_text(content, allow_empty=True)
    return _autosave(session, user_id, essay_id, content)


@read_use_case
def list_essays(session: Session, *, user_id: int) -> list[EssayPublic]:
    return [
        EssayPublic.model_validate(e)
        for e in session.exec(
            select(Essay).where(Essay.user_id == user_id).order_by(col(Essay.updated_at).desc())
        )
    ]


@read_use_case
def get_essay(session: Session, *, user_id: int, essay_id: int) -> EssayPublic:
    return EssayPublic.model_validate(_owned(session, user_id, essay_id))


@read_use_case
def list_versions(session: Session, *, user_id: int, essay_id: int) -> list[EssayVersionPublic]:
    _owned(session, user_id, essay_id)
    return [
        EssayVersionPublic.model_validate(v)
        for v in session.exec(
            select(EssayVersion)
            .where(EssayVersion.essay_id == essay_id)
            .order_by(col(EssayVersion.version).desc())
        )
    ]


@use_case
def restore_version(session: Session, *, user_id: int, essay_id: int, version: int) -> EssayPublic:
    _owned(session, user_id, essay_id)
    row = session.exec(
        select(EssayVersion).where(
            EssayVersion.essay_id == essay_id, EssayVersion.version == version
        )
    ).first()
    if row is None:
        raise NotFound("No such version")
    return save_essay(
        session,
        user_id=user_id,
        essay_id=essay_id,
        content=row.content,
        new_version=True,
        note=f"Restored version {version}",
    )


@use_case
def delete_essay(session: Session, *, user_id: int, essay_id: int) -> None:
    session.delete(_owned(session, user_id, essay_id))
    session.flush()


def word_count(text: str) -> int:
    """Words as a word limit counts them: runs of letters or digits (with inner apostrophes and
    hyphens), so a dash or a bullet is not a word."""
    return len(words(text))


_LIMIT_RANGE = re.compile(
    r"(\d{1,2},?\d{3}|\d{2,4})\s*(?:-|–|to)\s*(\d{1,2},?\d{3}|\d{2,4})\s*words", re.I
)
_LIMIT_MAX = re.compile(
    r"(?:up to|at most|no more than|maximum of|max\.?|not (?:to )?exceed(?:ing)?|limit(?:ed)? "
    r"(?:of|to)|in)\s*(\d{1,2},?\d{3}|\d{2,4})\s*words",
    re.I,
)
_LIMIT_PLAIN = re.compile(r"(?<!least )(\d{1,2},?\d{3}|\d{2,4})[- ]words?\b", re.I)


def stated_word_limit(prompt: str | None) -> int | None:
    """The word limit a prompt states: "700-800 words" → 800, "up to 500 words" → 500,
    "a 250-word essay" → 250; "at least 300 words" states no limit."""
    if not prompt:
        return None
    for pattern in (_LIMIT_RANGE, _LIMIT_MAX, _LIMIT_PLAIN):
        m = pattern.search(prompt)
        if m:
            value = int(m.group(m.lastindex or 1).replace(",", ""))
            return value if 1 <= value <= MAX_WORD_LIMIT else None
    return None


def essay_word_limit(essay: EssayPublic) -> int | None:
    return essay.word_limit or stated_word_limit(essay.prompt)


@dataclass(frozen=True)
class WordLimitStatus:
    words: int
    limit: int | None

    @property
    def over(self) -> int:
        return max(0, self.words - self.limit) if self.limit else 0

    @property
    def text(self) -> str:
        if not self.limit:
            return f"{self.words} words"
        if self.over:
            return f"{self.words} / {self.limit} words — {self.over} over the limit"
        return f"{self.words} / {self.limit} words"


def word_limit_status(text: str, limit: int | None) -> WordLimitStatus:
    return WordLimitStatus(word_count(text), limit)


def fit_to_limit(text: str, limit: int) -> str:
    """Cut text to at most `limit` words at the last sentence end inside the limit (at a word
    boundary when the first sentence alone is longer)."""
    if word_count(text) <= limit:
        return text
    cut = word_spans(text)[limit - 1][1]
    head = text[:cut]
    end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "), head.rfind(".\n"))
    return (head[: end + 1] if end > 0 else head).rstrip()


# -- spelling ignore list ---------------------------------------------------------------------

MAX_IGNORED = 500
_IGNORABLE = re.compile(r"[A-Za-z][A-Za-z'’-]{0,59}")


# The words a student told the spelling check to leave alone.
_IGNORED = sa.select(col(SpellingIgnore.word)).where(
    col(SpellingIgnore.user_id) == sa.bindparam("user")
)


@read_use_case
def ignored_words(session: Session, *, user_id: int) -> list[str]:
    return sorted(session.connection().execute(_IGNORED, {"user": user_id}).scalars())


class EditorSidePublic(BaseModel):
    """What the editor shows beside an essay."""

    model_config = ConfigDict(frozen=True)

    versions: list[EssayVersionPublic]  # newest first
    balance_millicredits: int
    ignored: list[str]  # the student's words the spelling check leaves alone


# The editor's side panel's first read, built once: the essay's versions with the student's
# balance (a row per version; one row of NULLs for an essay without any; none when the essay is
# not theirs). The second is `ignored_words`.
_EDITOR_SIDE = (
    sa.select(
        col(EssayVersion.version),
        col(EssayVersion.content),
        col(EssayVersion.note),
        col(EssayVersion.created_at),
        sa.select(col(CreditAccount.balance_millicredits))
        .where(col(CreditAccount.user_id) == sa.bindparam("user"))
        .scalar_subquery()
        .label("balance"),
    )
    .select_from(Essay)
    .outerjoin(EssayVersion, col(EssayVersion.essay_id) == col(Essay.id))
    .where(col(Essay.id) == sa.bindparam("essay"), col(Essay.user_id) == sa.bindparam("user"))
    .order_by(col(EssayVersion.version).desc())
)


@read_use_case
def editor_side(session: Session, *, user_id: int, essay_id: int) -> EditorSidePublic:
    """An essay's versions, the student's balance and ignored words: one connection, two
    statements (the editor asks after every version saved and tool run; it was four, the
    first loading the whole essay as an ORM object to check whose it is)."""
    rows = session.connection().execute(_EDITOR_SIDE, {"essay": essay_id, "user": user_id}).all()
    if not rows:  # no such essay, or someone else's: the same answer
        raise NotFound("No such essay")
    return EditorSidePublic(
        versions=[
            EssayVersionPublic(
                version=r.version, content=r.content, note=r.note, created_at=r.created_at
            )
            for r in rows
            if r.version is not None
        ],
        balance_millicredits=rows[0].balance or 0,
        ignored=ignored_words(session, user_id=user_id),
    )


@use_case
def ignore_word(session: Session, *, user_id: int, word: str) -> str:
    """Add a word to the student's ignore list (stored lower-case; adding it twice is fine)."""
    cleaned = word.strip()
    if not _IGNORABLE.fullmatch(cleaned):
        raise ValidationFailed(
            "Add one word: letters, apostrophes or hyphens, up to 60 characters",
            details=[{"field": "word", "message": "One word, letters only"}],
        )
    key = normalise(cleaned)
    present = ignored_words(session, user_id=user_id)
    if key in present:
        return key
    if len(present) >= MAX_IGNORED:
        raise ValidationFailed(f"The ignore list holds at most {MAX_IGNORED} words")
    session.add(SpellingIgnore(user_id=user_id, word=key))
    session.flush()
    return key


@use_case
def unignore_word(session: Session, *, user_id: int, word: str) -> None:
    row = session.exec(
        select(SpellingIgnore).where(
            SpellingIgnore.user_id == user_id, SpellingIgnore.word == normalise(word.strip())
        )
    ).first()
    if row is None:
        raise NotFound("That word is not on your ignore list")
    session.delete(row)
    session.flush()


# -- changes a student accepts one by one ------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")
CONTEXT = 40


@dataclass(frozen=True)
class Change:
    """One difference between the essay and a revision (word-level, from difflib)."""

    index: int
    before: str
    after: str
    context_before: str
    context_after: str

    def wire(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "before": self.before,
            "after": self.after,
            "contextBefore": self.context_before,
            "contextAfter": self.context_after,
        }


def _hunks(original: str, revised: str) -> tuple[list[str], list[str], list[tuple[int, ...]]]:
    a, b = _TOKENS.findall(original), _TOKENS.findall(revised)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return a, b, [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def proposed_changes(original: str, revised: str) -> list[Change]:
    a, b, hunks = _hunks(original, revised)
    out = []
    for n, (i1, i2, j1, j2) in enumerate(hunks):
        out.append(
            Change(
                index=n,
                before="".join(a[i1:i2]),
                after="".join(b[j1:j2]),
                context_before="".join(a[:i1])[-CONTEXT:],
                context_after="".join(a[i2:])[:CONTEXT],
            )
        )
    return out


def apply_changes(original: str, revised: str, accepted: Collection[int]) -> str:
    """The original with only the accepted changes (by index) applied."""
    a, b, hunks = _hunks(original, revised)
    out: list[str] = []
    pos = 0
    for n, (i1, i2, j1, j2) in enumerate(hunks):
        out.extend(a[pos:i1])
        out.extend(b[j1:j2] if n in accepted else a[i1:i2])
        pos = i2
    out.extend(a[pos:])
    return "".join(out)


@use_case
def accept_change(
    session: Session,
    *,
    user_id: int,
    essay_id: int,
    original: str,
    revised: str,
    accepted_before: Collection[int],
    accept: int,
    note: str = "",
) -> EssayPublic:
    """Apply one more proposed change and save the result as a new version.

    The essay must still be the original with the earlier accepted changes applied; if the
    student edited it since, nothing is saved and they are asked to run the tool again."""
    essay = _owned(session, user_id, essay_id)
    count = len(_hunks(original, revised)[2])
    chosen = set(accepted_before)
    if not 0 <= accept < count or any(not 0 <= i < count for i in chosen) or accept in chosen:
        raise ValidationFailed("No such change to accept")
    if essay.content != apply_changes(original, revised, chosen):
        raise ValidationFailed(
            "The essay has changed since these suggestions were made; run the tool again"
        )
    return save_essay(
        session,
        user_id=user_id,
        essay_id=essay_id,
        content=apply_changes(original, revised, chosen | {accept}),
        new_version=True,
        note=note or f"Accepted change {accept + 1}",
    )


# -- tools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolRequest:
    tool: Tool
    content: str = ""
    prompt: str = ""
    essay_type: str = "personal_statement"
    focus_area: str = "clarity"
    new_prompt: str = ""
    # A limit given with the request (a catalogue prompt's); else the one the prompt states.
    word_limit: int | None = None

    @property
    def limit(self) -> int | None:
        stated = self.new_prompt if self.tool == "tailor" else self.prompt
        return self.word_limit or stated_word_limit(stated)


def validate_request(req: ToolRequest) -> ToolRequest:
    """Refuse bad input before anything is charged."""
    if req.tool not in TOOLS:
        raise ValidationFailed(f"Unknown essay tool {req.tool!r}")
    if req.tool in ("analyze", "improve", "tailor"):
        _check_text(req.content)
    if req.tool == "outline" and not req.prompt.strip():
        raise ValidationFailed(
            "An outline needs the essay prompt",
            details=[{"field": "prompt", "message": "Required"}],
        )
    if req.tool == "tailor" and not req.new_prompt.strip():
        raise ValidationFailed(
            "Tailoring needs the new prompt",
            details=[{"field": "new_prompt", "message": "Required"}],
        )
    for name, value in (("prompt", req.prompt), ("new_prompt", req.new_prompt)):
        if len(value) > MAX_PROMPT:
            raise ValidationFailed(
                f"The {name.replace('_', ' ')} is too long",
                details=[{"field": name, "message": f"At most {MAX_PROMPT} characters"}],
            )
    if req.essay_type not in ESSAY_TYPES:
        raise ValidationFailed(
            "Unknown essay type",
            details=[
                {"field": "essay_type", "message": "Choose one of: " + ", ".join(ESSAY_TYPES)}
            ],
        )
    if req.focus_area not in FOCUS_AREAS:
        raise ValidationFailed(
            "Unknown focus area",
            details=[
                {"field": "focus_area", "message": "Choose one of: " + ", ".join(FOCUS_AREAS)}
            ],
        )
    _check_limit(req.word_limit)
    return req


def _facts(profile: Any, extras: dict[str, list[str]]) -> StudentFacts:
    facts = ProfileFacts.of(profile)
    return StudentFacts(
        major=facts.major,
        level=ACADEMIC_LEVELS.get(facts.academic_level or ""),
        interests=tuple(INTERESTS.get(k, k) for k in sorted(facts.interests)),
        financial_need=bool(facts.financial_need),
        extracurriculars=tuple(extras.get("extracurriculars", [])),
        achievements=tuple(extras.get("achievements", [])),
    )


def _given_facts(profile_data: Any) -> StudentFacts:
    """What the ideas tool may use from the agent's profileData."""
    return _facts(
        profile_data,
        {
            "extracurriculars": list(getattr(profile_data, "extracurriculars", None) or []),
            "achievements": list(getattr(profile_data, "achievements", None) or []),
        },
    )


def _stored_facts(session: Session, user_id: int) -> StudentFacts:
    """What the ideas tool may use from the student's stored profile."""
    profile = session.exec(select(StudentProfile).where(StudentProfile.user_id == user_id)).first()
    if profile is None:
        return StudentFacts()
    return _facts(
        profile,
        {
            "extracurriculars": list(profile.extracurriculars),
            "achievements": list(profile.achievements),
        },
    )


@use_case
def _student_inputs(
    session: Session, *, user_id: int, with_facts: bool
) -> tuple[frozenset[str], StudentFacts]:
    """What a tool run reads about the student, in one transaction: their spelling ignore list
    and (for the ideas tool) their profile."""
    ignore = frozenset(ignored_words(session, user_id=user_id))
    return ignore, _stored_facts(session, user_id) if with_facts else StudentFacts()


@dataclass(frozen=True)
class Quote:
    """What a tool will cost, shown before it runs."""

    provider: str
    model: str | None
    millicredits: int

    @property
    def free(self) -> bool:
        return self.millicredits == 0

    @property
    def text(self) -> str:
        if self.free:
            return "Free: the offline assistant calls no model"
        return (
            f"About {credits(self.millicredits)} credits: {self.model} is charged by the "
            "tokens it uses"
        )


def tool_quote(tool: Tool, content: str = "") -> Quote:
    """Free for the offline assistant; for a model, a token estimate at the rate card (the
    charge follows the tokens the server reports)."""
    assistant = essay_assistant()
    if assistant.model is None:
        return Quote(assistant.name, None, 0)
    tokens_in = len(content) // 4 + 600
    tokens_out = 4000 if tool in ("improve", "tailor") else 1500
    price = token_price(model=assistant.model, input_tokens=tokens_in, output_tokens=tokens_out)
    return Quote(assistant.name, assistant.model, price)


def _dispatch(
    assistant: EssayAssistant,
    req: ToolRequest,
    *,
    facts: StudentFacts,
    ignore: frozenset[str],
) -> tuple[WireModel, Usage]:
    if req.tool == "analyze":
        return assistant.analyze(req.content, req.prompt or None, req.limit)
    if req.tool == "outline":
        return assistant.outline(req.prompt, req.essay_type)
    if req.tool == "improve":
        return assistant.improve(req.content, req.focus_area, ignore)
    if req.tool == "ideas":
        return assistant.ideas(facts, req.essay_type)
    return assistant.tailor(req.content, req.new_prompt, req.limit)


def _complete(req: ToolRequest, wire: dict[str, Any], ignore: frozenset[str]) -> dict[str, Any]:
    """What every provider's result gets here, the same way: offline spelling, the word limit,
    and the changes of a revision one by one."""
    limit = req.limit
    if req.tool in ("analyze", "improve"):
        wire["spelling"] = [i.wire() for i in spelling_issues(req.content, ignore)]
    if req.tool == "analyze":
        wire["wordLimit"] = limit
    if req.tool in ("improve", "tailor"):
        key = "improvedContent" if req.tool == "improve" else "tailoredContent"
        revised = str(wire[key])
        if req.tool == "tailor" and limit and word_count(revised) > limit:
            revised = fit_to_limit(revised, limit)
            wire["changes"] = [*wire["changes"], f"Cut to the prompt's {limit}-word limit"]
        wire[key] = revised
        wire["original"] = req.content
        wire["diff"] = [c.wire() for c in proposed_changes(req.content, revised)]
        wire["wordCount"] = word_count(revised)
        wire["wordLimit"] = limit
    return wire


def run_tool(
    req: ToolRequest,
    *,
    user_id: int | None,
    operation_id: str | None = None,
    profile_data: Any = None,
) -> ChargedResult:
    """Run one essay tool for a student (charged to them) or for the agent account."""
    validate_request(req)
    operation_id = operation_id or f"essay:{uuid.uuid4()}"
    assistant = essay_assistant()
    quote = tool_quote(req.tool, req.content)
    ignore: frozenset[str] = frozenset()
    facts = StudentFacts()
    if user_id is not None:
        ignore, facts = _student_inputs(
            user_id=user_id, with_facts=req.tool == "ideas" and profile_data is None
        )
    if req.tool == "ideas" and profile_data is not None:
        facts = _given_facts(profile_data)

    def work() -> tuple[dict[str, Any], Usage]:
        try:
            result, usage = _dispatch(assistant, req, facts=facts, ignore=ignore)
        except (ProviderError, CircuitOpen) as exc:
            raise Unavailable(
                f"The AI assistant is unavailable right now; nothing was charged. ({exc})"
            ) from exc
        return _complete(req, result.wire(), ignore), usage

    def price(session: Session, usage: Usage) -> int:
        if usage.model is None:
            return 0  # no model was called: free
        return token_price(
            session,
            model=usage.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )

    return run_charged_operation(
        operation_id=operation_id,
        user_id=user_id,
        operation=req.tool,
        estimate=quote.millicredits,
        work=work,
        price=price,
    )
