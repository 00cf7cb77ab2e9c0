"""The essay library (essays with versions) and the five essay tools, charged exactly once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, select

from scholarlink.ai.openai_provider import ProviderError
from scholarlink.ai.providers import LOCAL, model_provider
from scholarlink.ai.types import ESSAY_TYPES
from scholarlink.db import session_scope
from scholarlink.models import Essay, EssayVersion, StudentProfile, utcnow
from scholarlink.observability.breakers import CircuitOpen
from scholarlink.services.credits import (
    ChargedResult,
    Usage,
    operation_price,
    run_charged_operation,
    token_price,
)
from scholarlink.services.eligibility import ProfileFacts
from scholarlink.services.errors import NotFound, Unavailable, ValidationFailed
from scholarlink.settings import get_settings

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


# -- library ----------------------------------------------------------------------------------


def _owned(session: Session, user_id: int, essay_id: int) -> Essay:
    essay = session.get(Essay, essay_id)
    if essay is None or essay.user_id != user_id:
        raise NotFound("No such essay")
    return essay


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


def create_essay(
    session: Session,
    *,
    user_id: int,
    title: str,
    prompt: str = "",
    essay_type: str = "personal_statement",
    content: str = "",
) -> Essay:
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
    essay = Essay(
        user_id=user_id,
        title=title,
        prompt=prompt.strip(),
        essay_type=essay_type,
        content=content,
        version=1,
    )
    session.add(essay)
    session.flush()
    assert essay.id is not None
    session.add(EssayVersion(essay_id=essay.id, version=1, content=content, note="Created"))
    session.flush()
    return essay


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
) -> Essay:
    """Autosave (content only) or, with `new_version`, also snapshot a numbered version."""
    essay = _owned(session, user_id, essay_id)
    _check_text(content, allow_empty=True)
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
    return essay


def list_essays(session: Session, user_id: int) -> list[Essay]:
    return list(
        session.exec(
            select(Essay).where(Essay.user_id == user_id).order_by(col(Essay.updated_at).desc())
        )
    )


def get_essay(session: Session, *, user_id: int, essay_id: int) -> Essay:
    return _owned(session, user_id, essay_id)


def list_versions(session: Session, *, user_id: int, essay_id: int) -> list[EssayVersion]:
    _owned(session, user_id, essay_id)
    return list(
        session.exec(
            select(EssayVersion)
            .where(EssayVersion.essay_id == essay_id)
            .order_by(col(EssayVersion.version).desc())
        )
    )


def restore_version(session: Session, *, user_id: int, essay_id: int, version: int) -> Essay:
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


def delete_essay(session: Session, *, user_id: int, essay_id: int) -> None:
    session.delete(_owned(session, user_id, essay_id))
    session.flush()


def word_count(text: str) -> int:
    return len(text.split())


# -- tools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolRequest:
    tool: Tool
    content: str = ""
    prompt: str = ""
    essay_type: str = "personal_statement"
    focus_area: str = "clarity"
    new_prompt: str = ""


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
    return req


def _profile_parts(
    user_id: int | None, profile_data: Any
) -> tuple[ProfileFacts, dict[str, list[str]]]:
    if profile_data is not None:
        return ProfileFacts.of(profile_data), {
            "extracurriculars": list(getattr(profile_data, "extracurriculars", None) or []),
            "achievements": list(getattr(profile_data, "achievements", None) or []),
        }
    if user_id is None:
        return ProfileFacts(), {}
    with session_scope() as session:
        profile = session.exec(
            select(StudentProfile).where(StudentProfile.user_id == user_id)
        ).first()
        if profile is None:
            return ProfileFacts(), {}
        return ProfileFacts.of(profile), {
            "extracurriculars": list(profile.extracurriculars),
            "achievements": list(profile.achievements),
        }


def tool_quote(tool: Tool, content: str = "") -> tuple[str, int]:
    """(provider name, price or estimate in millicredits) shown before a tool runs."""
    model = model_provider()
    with session_scope() as session:
        if model is None:
            return "local", operation_price(session, operation=tool, provider="local")
        tokens_in = len(content) // 4 + 600
        return "openai", token_price(
            session, model=model.model, input_tokens=tokens_in, output_tokens=4000
        )


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
    model = model_provider()
    _, estimate = tool_quote(req.tool, req.content)

    def work() -> tuple[dict[str, Any], Usage]:
        if model is not None:
            try:
                result, usage = _run_model(model, req, user_id, profile_data)
                return result.wire(), usage
            except (ProviderError, CircuitOpen) as exc:
                raise Unavailable(
                    f"The AI assistant is unavailable right now; nothing was charged. ({exc})"
                ) from exc
        return _run_local(req, user_id, profile_data).wire(), Usage(provider="local")

    def price(session: Session, usage: Usage) -> int:
        if usage.provider == "local":
            return operation_price(session, operation=req.tool, provider="local")
        return token_price(
            session,
            model=usage.model or "",
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )

    return run_charged_operation(
        operation_id=operation_id,
        user_id=user_id,
        operation=req.tool,
        estimate=estimate,
        work=work,
        price=price,
    )


def _run_local(req: ToolRequest, user_id: int | None, profile_data: Any) -> Any:
    if req.tool == "analyze":
        return LOCAL.analyze(req.content, req.prompt or None)
    if req.tool == "outline":
        return LOCAL.outline(req.prompt, req.essay_type)
    if req.tool == "improve":
        return LOCAL.improve(req.content, req.focus_area)
    if req.tool == "ideas":
        facts, extras = _profile_parts(user_id, profile_data)
        return LOCAL.ideas(facts, extras, req.essay_type)
    return LOCAL.tailor(req.content, req.new_prompt)


def _run_model(
    model: Any, req: ToolRequest, user_id: int | None, profile_data: Any
) -> tuple[Any, Usage]:
    if req.tool == "analyze":
        return model.analyze(req.content, req.prompt or None)
    if req.tool == "outline":
        return model.outline(req.prompt, req.essay_type)
    if req.tool == "improve":
        return model.improve(req.content, req.focus_area)
    if req.tool == "ideas":
        facts, extras = _profile_parts(user_id, profile_data)
        return model.ideas(facts, extras, req.essay_type)
    return model.tailor(req.content, req.new_prompt)
