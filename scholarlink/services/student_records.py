"""A student named by the public id another system knows them by (the Command Center's
`studentId`): their profile, their applications, and essay tools billed to them, each one call
that owns its transaction and returns typed, camelCase views (the agent contract's field names).

Written for the agent capabilities (#13) beside the page-side use cases of profiles,
applications and essays; those modules may absorb these functions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlmodel import Session

from scholarlink.core.clock import today
from scholarlink.core.db import use_case
from scholarlink.core.errors import NotFound
from scholarlink.models.base import MAX_DB_INT
from scholarlink.services import applications, essays, profiles, students

# The largest row id a client may name (ids past it cannot exist and would overflow the column).
MAX_ROW_ID = MAX_DB_INT


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)


class BilledUser(_View):
    user_id: int
    # The student's public id; None when the work is billed to the agent account.
    student_id: str | None


@use_case
def billed_user(session: Session, *, student_ref: object | None) -> BilledUser:
    """Who pays for AI work: the student when one is named, else the agent account."""
    if student_ref is None:
        account = students.agent_account(session)
        assert account.id is not None
        return BilledUser(user_id=account.id, student_id=None)
    user = students.find_student(session, student_ref)
    assert user.id is not None
    return BilledUser(user_id=user.id, student_id=user.public_id)


class EssayToolRun(_View):
    student_id: str | None
    result: dict[str, Any]


def run_essay_tool(
    request: essays.ToolRequest,
    *,
    student_ref: object | None,
    operation_id: str,
    profile_data: profiles.ProfileInput | None = None,
) -> EssayToolRun:
    """One essay tool, charged to the student named (or the agent account) once per
    `operation_id`; refuses bad input before anyone is looked up or charged."""
    essays.validate_request(request)
    payer = billed_user(student_ref=student_ref)
    charged = essays.run_tool(
        request, user_id=payer.user_id, operation_id=operation_id, profile_data=profile_data
    )
    return EssayToolRun(student_id=payer.student_id, result=charged.result)


class TestScoresView(_View):
    sat: int | None
    act: int | None


class ProfileView(_View):
    student_id: str
    gpa: float | None
    gpa_weighted: bool
    major: str | None
    major_fields: list[str]
    academic_level: str | None
    graduation_year: int | None
    school: str | None
    state: str | None
    citizenship: str | None
    demographics: list[str] | None
    birth_date: str | None
    country_of_citizenship: str | None
    school_state: str | None
    institution: str | None
    pell_eligible: bool | None
    household_income: int | None
    test_scores: TestScoresView
    class_rank_percent: float | None
    memberships: list[str]
    interests: list[str]
    extracurriculars: list[str]
    achievements: list[str]
    financial_need: bool | None
    completion: int
    updated_at: str


@use_case
def student_profile(session: Session, *, student_ref: object) -> ProfileView:
    user = students.find_student(session, student_ref)
    assert user.id is not None
    profile = profiles.get_profile(session, user.id)
    if profile is None:
        raise NotFound("This student has no profile yet")
    return ProfileView.model_validate(profiles.profile_dict(profile, user.public_id))


@use_case
def save_student_profile(
    session: Session, *, student_ref: object, changes: profiles.ProfileInput
) -> ProfileView:
    """Apply the given fields to the student's profile; the student and the profile are created
    when the Command Center introduces them."""
    user = students.ensure_student(session, student_ref)
    assert user.id is not None
    profile = profiles.update_profile(session, user_id=user.id, changes=changes)
    return ProfileView.model_validate(profiles.profile_dict(profile, user.public_id))


class ApplicationScholarshipView(_View):
    title: str
    organization: str
    amount: int | None
    url: str


class ApplicationView(_View):
    application_id: int
    scholarship_id: str
    scholarship: ApplicationScholarshipView
    status: str
    progress: int
    notes: str
    outcome: str | None
    amount_won: int | None
    deadline: str | None
    deadline_kind: str
    days_until_deadline: int | None
    created_at: str
    updated_at: str


class OpenedApplication(_View):
    student_id: str
    application: ApplicationView
    # False when the student already had an application for this scholarship.
    created: bool


@use_case
def open_application(
    session: Session, *, student_ref: object, scholarship: int | str, notes: str = ""
) -> OpenedApplication:
    """Start the student's application (status draft), or return the one they already have."""
    user = students.find_student(session, student_ref)
    assert user.id is not None
    app, created = applications.create_application(
        session, user_id=user.id, scholarship=scholarship, notes=notes
    )
    tracked = applications.get_application(session, user_id=user.id, application_id=app.id or 0)
    view = ApplicationView.model_validate(
        applications.application_dict(tracked.application, tracked.scholarship, today())
    )
    return OpenedApplication(student_id=user.public_id, application=view, created=created)


class ApplicationList(_View):
    applications: list[ApplicationView]
    count: int


@use_case
def student_applications(session: Session, *, student_ref: object) -> ApplicationList:
    user = students.find_student(session, student_ref)
    assert user.id is not None
    when = today()
    items = [
        ApplicationView.model_validate(
            applications.application_dict(t.application, t.scholarship, when)
        )
        for t in applications.list_applications(session, user_id=user.id)
    ]
    return ApplicationList(applications=items, count=len(items))
