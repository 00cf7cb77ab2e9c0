"""The nine capabilities as one registry: each action names the model its payload is read into
(camelCase or snake_case), the ONE service call it makes, and the model of its result. The
advertised list (`CAPABILITIES`) is this registry's keys.

Side effects are keyed by the task id (`task:<id>`), so a re-run after a lost worker repeats
none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel, to_snake

from scholarlink.ai.types import EssayAnalysis, EssayIdeas, EssayImprovement, EssayOutline
from scholarlink.core.errors import ValidationFailed
from scholarlink.services import essays, profiles, student_records
from scholarlink.services.match_result import MatchResult, match_result
from scholarlink.services.student_records import (
    ApplicationList,
    ApplicationView,
    EssayToolRun,
    OpenedApplication,
    ProfileView,
)

Event = tuple[str, dict[str, Any]]


@dataclass
class Outcome:
    result: dict[str, Any]
    # Domain events to emit beside task_completed: (type, data).
    events: list[Event] = field(default_factory=list)


# -- payloads -------------------------------------------------------------------------------------


class Payload(BaseModel):
    """Field names are snake_case: the payload's keys are converted before validation, so the
    predecessor's camelCase and snake_case both arrive here. Unknown keys are ignored; null is
    the same as absent."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class StudentPayload(Payload):
    student_id: Any = None
    user_id: Any = None  # the predecessor's name for the same thing

    @property
    def student_ref(self) -> object | None:
        return self.student_id if self.student_id is not None else self.user_id

    def required_student(self) -> object:
        ref = self.student_ref
        if ref is None:
            raise _required("student_id")
        return ref


class ProfilePayload(StudentPayload):
    profile_data: dict[str, Any] | None = None

    def profile(self) -> profiles.ProfileInput | None:
        return (
            None if self.profile_data is None else profiles.parse_profile_input(self.profile_data)
        )


class MatchPayload(ProfilePayload):
    limit: StrictInt | None = None

    @field_validator("limit")
    @classmethod
    def _limit(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 50:
            raise ValueError("1-50")
        return value


class AnalyzePayload(StudentPayload):
    content: StrictStr
    prompt: StrictStr = ""


class OutlinePayload(StudentPayload):
    prompt: StrictStr
    essay_type: StrictStr | None = None


class ImprovePayload(StudentPayload):
    content: StrictStr
    focus_area: StrictStr | None = None


class IdeasPayload(ProfilePayload):
    essay_type: StrictStr | None = None


class ApplicationData(Payload):
    notes: StrictStr | None = None


class CreateApplicationPayload(StudentPayload):
    scholarship_id: StrictInt | StrictStr
    application_data: ApplicationData | None = None

    @field_validator("scholarship_id")
    @classmethod
    def _slug_or_id(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= student_records.MAX_ROW_ID:
            raise ValueError("invalid")
        if isinstance(value, str) and not 0 < len(value) <= 200:
            raise ValueError("invalid")
        return value


P = TypeVar("P", bound="Payload")


def _required(name: str) -> ValidationFailed:
    return ValidationFailed(
        f"payload.{name} is required", details=[{"field": f"payload.{name}", "message": "required"}]
    )


def _parse(model: type[P], raw: dict[str, Any]) -> P:
    """The payload as `model`, or ValidationFailed naming each bad field (camelCase, as the
    contract spells them)."""
    snake = {to_snake(k): v for k, v in raw.items() if v is not None}
    try:
        return model.model_validate(snake)
    except ValidationError as exc:
        details = []
        for error in exc.errors():
            path = ".".join(to_camel(str(part)) for part in error["loc"] if isinstance(part, str))
            missing = error["type"] == "missing"
            details.append(
                {
                    "field": f"payload.{path}",
                    "message": "required"
                    if missing
                    else str(error["msg"]).removeprefix("Value error, "),
                }
            )
        first = details[0]
        raise ValidationFailed(
            f"{first['field']} is invalid: {first['message']}", details=details
        ) from None


# -- results --------------------------------------------------------------------------------------


class AnalyzeResult(EssayAnalysis):
    # The tool's fields plus what the essay service adds to every answer (word limit, ...).
    model_config = ConfigDict(frozen=True, extra="allow")


class OutlineResult(EssayOutline):
    model_config = ConfigDict(frozen=True, extra="allow")


class ImproveResult(EssayImprovement):
    model_config = ConfigDict(frozen=True, extra="allow")


class IdeasResult(EssayIdeas):
    model_config = ConfigDict(frozen=True, extra="allow")


# -- the registry ---------------------------------------------------------------------------------

S = TypeVar("S", bound=BaseModel)


def _no_events(_payload: Any, _answer: Any) -> list[Event]:
    return []


def _itself(answer: BaseModel) -> BaseModel:
    return answer


@dataclass(frozen=True)
class Capability(Generic[P, S]):
    payload: type[P]
    # The one service call: (payload, operation id) → the service's typed answer.
    call: Callable[[P, str], S]
    # The contract's result, and how it is read off the answer (the answer itself by default).
    result: type[BaseModel]
    result_of: Callable[[S], BaseModel] = _itself
    # Domain events worth telling the Command Center about.
    events: Callable[[P, S], list[Event]] = _no_events

    def run(self, raw: dict[str, Any], operation_id: str) -> Outcome:
        payload = _parse(self.payload, raw)
        answer = self.call(payload, operation_id)
        result = self.result_of(answer)
        assert isinstance(result, self.result)
        return Outcome(result.model_dump(mode="json", by_alias=True), self.events(payload, answer))


def _essay_tool(
    payload: type[P],
    request: Callable[[P], essays.ToolRequest],
    result: type[BaseModel],
    events: Callable[[P, EssayToolRun], list[Event]] = _no_events,
) -> Capability[P, EssayToolRun]:
    def call(p: P, operation_id: str) -> EssayToolRun:
        assert isinstance(p, StudentPayload)
        return student_records.run_essay_tool(
            request(p),
            student_ref=p.student_ref,
            operation_id=operation_id,
            profile_data=p.profile() if isinstance(p, ProfilePayload) else None,
        )

    return Capability(payload, call, result, lambda ran: result.model_validate(ran.result), events)


def _matched(_p: MatchPayload, r: MatchResult) -> list[Event]:
    top = [m.scholarship_id for m in r.matches[:5]]
    return [("scholarships_matched", {"studentId": r.student_id, "count": r.count, "top": top})]


def _analyzed(_p: AnalyzePayload, ran: EssayToolRun) -> list[Event]:
    return [("essay_analyzed", {"studentId": ran.student_id, "score": ran.result.get("score")})]


def _profile_changes(p: ProfilePayload) -> profiles.ProfileInput:
    changes = p.profile()
    if changes is None:
        raise _required("profileData")
    return changes


def _profile_updated(p: ProfilePayload, r: ProfileView) -> list[Event]:
    fields = sorted(_profile_changes(p).model_dump(exclude_unset=True))
    return [("profile_updated", {"studentId": r.student_id, "fields": fields})]


def _application_created(_p: CreateApplicationPayload, r: OpenedApplication) -> list[Event]:
    if not r.created:
        return []
    data = {
        "studentId": r.student_id,
        "applicationId": r.application.application_id,
        "scholarshipId": r.application.scholarship_id,
    }
    return [("application_created", data)]


REGISTRY: dict[str, Capability[Any, Any]] = {
    "student_pilot.match_scholarships": Capability(
        MatchPayload,
        lambda p, op: match_result(
            student_ref=p.student_ref, profile=p.profile(), limit=p.limit or 10, operation_id=op
        ),
        MatchResult,
        events=_matched,
    ),
    "student_pilot.analyze_essay": _essay_tool(
        AnalyzePayload,
        lambda p: essays.ToolRequest(tool="analyze", content=p.content, prompt=p.prompt),
        AnalyzeResult,
        _analyzed,
    ),
    "student_pilot.generate_essay_outline": _essay_tool(
        OutlinePayload,
        lambda p: essays.ToolRequest(
            tool="outline", prompt=p.prompt, essay_type=p.essay_type or "personal_statement"
        ),
        OutlineResult,
    ),
    "student_pilot.improve_essay_content": _essay_tool(
        ImprovePayload,
        lambda p: essays.ToolRequest(
            tool="improve", content=p.content, focus_area=p.focus_area or "clarity"
        ),
        ImproveResult,
    ),
    "student_pilot.generate_essay_ideas": _essay_tool(
        IdeasPayload,
        lambda p: essays.ToolRequest(tool="ideas", essay_type=p.essay_type or "personal_statement"),
        IdeasResult,
    ),
    "student_pilot.get_profile": Capability(
        StudentPayload,
        lambda p, _op: student_records.student_profile(student_ref=p.required_student()),
        ProfileView,
    ),
    "student_pilot.update_profile": Capability(
        ProfilePayload,
        lambda p, _op: student_records.save_student_profile(
            student_ref=p.required_student(), changes=_profile_changes(p)
        ),
        ProfileView,
        events=_profile_updated,
    ),
    "student_pilot.create_application": Capability(
        CreateApplicationPayload,
        lambda p, _op: student_records.open_application(
            student_ref=p.required_student(),
            scholarship=p.scholarship_id,
            notes=(p.application_data.notes if p.application_data else None) or "",
        ),
        ApplicationView,
        result_of=lambda r: r.application,
        events=_application_created,
    ),
    "student_pilot.get_applications": Capability(
        StudentPayload,
        lambda p, _op: student_records.student_applications(student_ref=p.required_student()),
        ApplicationList,
    ),
}


# What the agent advertises (/agent/capabilities, /health, registration, heartbeats).
CAPABILITIES: tuple[str, ...] = tuple(REGISTRY)


def run(action: str, payload: dict[str, Any], *, task_id: str) -> Outcome:
    """Run the capability `action` (one the registry holds) for the task `task_id`."""
    return REGISTRY[action].run(payload, f"task:{task_id}")


__all__ = ["CAPABILITIES", "REGISTRY", "Capability", "Outcome", "run"]
