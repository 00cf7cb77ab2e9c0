"""Students as other systems name them: by public id (the Command Center's `studentId`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scholarlink.core.db import use_case
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.models import User


def _check_ref(ref: object) -> str:
    if (
        not isinstance(ref, str | int)
        or isinstance(ref, bool)
        or not str(ref).strip()
        or len(str(ref)) > 64
    ):
        raise ValidationFailed(
            "studentId must be a non-empty string of at most 64 characters",
            details=[{"field": "studentId", "message": "invalid"}],
        )
    return str(ref).strip()


def find_student(session: Session, ref: object) -> User:
    user = session.exec(select(User).where(User.public_id == _check_ref(ref))).first()
    if user is None or user.is_system or not user.is_active:
        raise NotFound("Unknown student")
    return user


def ensure_student(session: Session, ref: object) -> User:
    """The student with this public id, created (without a sign-in) when the Command Center
    introduces one."""
    public_id = _check_ref(ref)
    user = session.exec(select(User).where(User.public_id == public_id)).first()
    if user is not None:
        if user.is_system or not user.is_active:
            raise NotFound("Unknown student")
        return user
    user = User(public_id=public_id, display_name=f"Student {public_id}")
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        return session.exec(select(User).where(User.public_id == public_id)).one()
    return user


def agent_account(session: Session) -> User:
    """The account billed for AI work the Command Center sends without a student."""
    public_id = get_settings().agent_billing_user
    user = session.exec(select(User).where(User.public_id == public_id)).first()
    if user is not None:
        return user
    user = User(public_id=public_id, display_name="Command Center agent account", is_system=True)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        return session.exec(select(User).where(User.public_id == public_id)).one()
    return user


class StudentPublic(BaseModel):
    """A student (or the agent account) as another system names them."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    public_id: str


@use_case
def student(session: Session, *, ref: object) -> StudentPublic:
    """The active student with this public id (NotFound otherwise)."""
    return StudentPublic.model_validate(find_student(session, ref))


@use_case
def introduced_student(session: Session, *, ref: object) -> StudentPublic:
    """The student with this public id, created when the Command Center introduces one."""
    user = ensure_student(session, ref)
    session.flush()
    return StudentPublic.model_validate(user)


@use_case
def billing_account(session: Session) -> StudentPublic:
    """The account billed for AI work the Command Center sends without a student."""
    user = agent_account(session)
    session.flush()
    return StudentPublic.model_validate(user)
