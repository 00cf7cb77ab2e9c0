"""The nine capabilities: each parses its payload (camelCase or snake_case) and calls the same
services the student app uses. Side effects are keyed by the task id, so a re-run after a lost
worker repeats none of them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic.alias_generators import to_snake

from scholarlink.core.db import session_scope
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.models import AgentTask
from scholarlink.models.base import MAX_DB_INT
from scholarlink.services import applications, essays, matches, profiles, students


@dataclass
class Outcome:
    result: dict[str, Any]
    # Domain events to emit beside task_completed: (type, data).
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _snake(payload: dict[str, Any]) -> dict[str, Any]:
    return {to_snake(k): v for k, v in payload.items()}


def _get(p: dict[str, Any], *names: str, required: bool = False) -> Any:
    for name in names:
        if p.get(name) is not None:
            return p[name]
    if required:
        raise ValidationFailed(
            f"payload.{names[0]} is required",
            details=[{"field": f"payload.{names[0]}", "message": "required"}],
        )
    return None


def _text(p: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = _get(p, name, required=required)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(
            f"payload.{name} must be a string",
            details=[{"field": f"payload.{name}", "message": "must be a string"}],
        )
    return value


def _profile_data(p: dict[str, Any]) -> profiles.ProfileInput | None:
    raw = _get(p, "profile_data")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "payload.profileData must be an object",
            details=[{"field": "payload.profileData", "message": "must be an object"}],
        )
    return profiles.parse_profile_input(raw)


def _billed_user(p: dict[str, Any]) -> tuple[int, str | None]:
    """(user billed, student public id or None): the student when given, else the agent account."""
    ref = _get(p, "student_id", "user_id")
    with session_scope() as session:
        user = (
            students.find_student(session, ref)
            if ref is not None
            else students.agent_account(session)
        )
        assert user.id is not None
        return user.id, (user.public_id if ref is not None else None)


def match_scholarships(task: AgentTask, p: dict[str, Any]) -> Outcome:
    started = time.perf_counter()
    limit = _get(p, "limit") or 10
    if not isinstance(limit, int) or not 1 <= limit <= 50:
        raise ValidationFailed(
            "payload.limit must be 1-50", details=[{"field": "payload.limit", "message": "1-50"}]
        )
    profile = _profile_data(p)
    op = f"task:{task.task_id}"
    if profile is None:
        user_id, student = _billed_user(
            {**p, "student_id": _get(p, "student_id", "user_id", required=True)}
        )
        matches.refresh_matches(user_id=user_id, operation_id=op)
        with session_scope() as session:
            groups = matches.stored_groups(session, user_id=user_id, limit=limit)
            result = matches.match_payload(groups, session, started=started)
    else:
        user_id, student = _billed_user({})
        facts = profiles.engine_profile_from_input(profile)
        with session_scope() as session:
            groups = matches.rank_profile(session, facts, limit=limit)
        groups["match"], _ = matches.refine_with_model(
            groups["match"], facts, user_id=user_id, operation_id=op
        )
        with session_scope() as session:
            result = matches.match_payload(groups, session, started=started)
    top = [m["scholarshipId"] for m in result["matches"][:5]]
    return Outcome(
        result,
        [("scholarships_matched", {"studentId": student, "count": result["count"], "top": top})],
    )


def _essay_tool(
    tool: essays.Tool, build: Callable[[dict[str, Any]], essays.ToolRequest]
) -> Callable[[AgentTask, dict[str, Any]], Outcome]:
    def handler(task: AgentTask, p: dict[str, Any]) -> Outcome:
        request = build(p)
        essays.validate_request(request)
        profile = _profile_data(p) if tool == "ideas" else None
        user_id, student = _billed_user(p)
        charged = essays.run_tool(
            request, user_id=user_id, operation_id=f"task:{task.task_id}", profile_data=profile
        )
        events = []
        if tool == "analyze":
            events.append(
                ("essay_analyzed", {"studentId": student, "score": charged.result.get("score")})
            )
        return Outcome(charged.result, events)

    return handler


def get_profile(task: AgentTask, p: dict[str, Any]) -> Outcome:
    ref = _get(p, "student_id", "user_id", required=True)
    with session_scope() as session:
        user = students.find_student(session, ref)
        assert user.id is not None
        profile = profiles.get_profile(session, user.id)
        if profile is None:
            raise NotFound("This student has no profile yet")
        return Outcome(profiles.profile_dict(profile, user.public_id))


def update_profile(task: AgentTask, p: dict[str, Any]) -> Outcome:
    ref = _get(p, "student_id", "user_id", required=True)
    data = _profile_data(p)
    if data is None:
        raise ValidationFailed(
            "payload.profileData is required",
            details=[{"field": "payload.profileData", "message": "required"}],
        )
    with session_scope() as session:
        user = students.ensure_student(session, ref)
        assert user.id is not None
        profile = profiles.update_profile(session, user_id=user.id, changes=data)
        body = profiles.profile_dict(profile, user.public_id)
    changed = sorted(data.model_dump(exclude_unset=True))
    return Outcome(body, [("profile_updated", {"studentId": body["studentId"], "fields": changed})])


def create_application(task: AgentTask, p: dict[str, Any]) -> Outcome:
    ref = _get(p, "student_id", "user_id", required=True)
    scholarship = _get(p, "scholarship_id", required=True)
    if (
        not isinstance(scholarship, str | int)
        or isinstance(scholarship, bool)
        or (isinstance(scholarship, int) and not 1 <= scholarship <= MAX_DB_INT)
        or (isinstance(scholarship, str) and not 0 < len(scholarship) <= 200)
    ):
        raise ValidationFailed(
            "payload.scholarshipId must be a slug or an id",
            details=[{"field": "payload.scholarshipId", "message": "invalid"}],
        )
    extra = _get(p, "application_data") or {}
    if not isinstance(extra, dict):
        raise ValidationFailed(
            "payload.applicationData must be an object",
            details=[{"field": "payload.applicationData", "message": "must be an object"}],
        )
    notes = extra.get("notes") or ""
    if not isinstance(notes, str):
        raise ValidationFailed(
            "applicationData.notes must be a string",
            details=[{"field": "payload.applicationData.notes", "message": "must be a string"}],
        )
    with session_scope() as session:
        user = students.find_student(session, ref)
        assert user.id is not None
        app, created = applications.create_application(
            session, user_id=user.id, scholarship=scholarship, notes=notes
        )
        tracked = applications.get_application(session, user_id=user.id, application_id=app.id or 0)
        body = applications.application_dict(
            tracked.application, tracked.scholarship, matches.today()
        )
    events = (
        [
            (
                "application_created",
                {
                    "studentId": user.public_id,
                    "applicationId": body["applicationId"],
                    "scholarshipId": body["scholarshipId"],
                },
            )
        ]
        if created
        else []
    )
    return Outcome(body, events)


def get_applications(task: AgentTask, p: dict[str, Any]) -> Outcome:
    ref = _get(p, "student_id", "user_id", required=True)
    with session_scope() as session:
        user = students.find_student(session, ref)
        assert user.id is not None
        today = matches.today()
        items = [
            applications.application_dict(t.application, t.scholarship, today)
            for t in applications.list_applications(session, user_id=user.id)
        ]
    return Outcome({"applications": items, "count": len(items)})


HANDLERS: dict[str, Callable[[AgentTask, dict[str, Any]], Outcome]] = {
    "student_pilot.match_scholarships": match_scholarships,
    "student_pilot.analyze_essay": _essay_tool(
        "analyze",
        lambda p: essays.ToolRequest(
            tool="analyze", content=_text(p, "content", required=True), prompt=_text(p, "prompt")
        ),
    ),
    "student_pilot.generate_essay_outline": _essay_tool(
        "outline",
        lambda p: essays.ToolRequest(
            tool="outline",
            prompt=_text(p, "prompt", required=True),
            essay_type=_text(p, "essay_type") or "personal_statement",
        ),
    ),
    "student_pilot.improve_essay_content": _essay_tool(
        "improve",
        lambda p: essays.ToolRequest(
            tool="improve",
            content=_text(p, "content", required=True),
            focus_area=_text(p, "focus_area") or "clarity",
        ),
    ),
    "student_pilot.generate_essay_ideas": _essay_tool(
        "ideas",
        lambda p: essays.ToolRequest(
            tool="ideas", essay_type=_text(p, "essay_type") or "personal_statement"
        ),
    ),
    "student_pilot.get_profile": get_profile,
    "student_pilot.update_profile": update_profile,
    "student_pilot.create_application": create_application,
    "student_pilot.get_applications": get_applications,
}


def run(task: AgentTask) -> Outcome:
    return HANDLERS[task.action](task, _snake(task.payload))


def known(action: str) -> bool:
    return action in HANDLERS


__all__ = ["HANDLERS", "Outcome", "known", "run"]
