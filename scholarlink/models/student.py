"""What a student owns: profile, matches, applications, essays, documents, notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from scholarlink.models.base import json_list, now_field


class StudentProfile(SQLModel, table=True):
    __tablename__ = "student_profiles"
    __table_args__ = (
        sa.CheckConstraint("gpa IS NULL OR (gpa >= 0 AND gpa <= 5)", name="ck_profile_gpa"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True, ondelete="CASCADE")
    gpa: float | None = None
    gpa_weighted: bool = False
    major: str | None = Field(default=None, max_length=120)
    academic_level: str | None = Field(default=None, max_length=40)
    graduation_year: int | None = None
    school: str | None = Field(default=None, max_length=200)
    state: str | None = Field(default=None, max_length=2)
    citizenship: str | None = Field(default=None, max_length=40)
    # Opt-in, never required. None = not answered or prefers not to say; [] = none of these.
    demographics: list[str] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON, nullable=True)
    )
    birth_date: date | None = None
    country_of_citizenship: str | None = Field(default=None, max_length=2)
    school_state: str | None = Field(default=None, max_length=2)
    institution: str | None = Field(default=None, max_length=200)
    pell_eligible: bool | None = None
    household_income: int | None = Field(default=None, ge=0)
    sat: int | None = None
    act: int | None = None
    class_rank_percent: float | None = None
    memberships: list[str] = json_list()
    interests: list[str] = json_list()
    extracurriculars: list[str] = json_list()
    achievements: list[str] = json_list()
    financial_need: bool | None = None
    updated_at: datetime = now_field()


class Match(SQLModel, table=True):
    """A stored ranking of one scholarship for one student, with its explanation."""

    __tablename__ = "matches"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "scholarship_id", name="uq_match_user_scholarship"),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="ck_match_score"),
        sa.Index("ix_matches_user_score", "user_id", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    scholarship_id: int = Field(foreign_key="scholarships.id", index=True)
    score: int
    chance: str = Field(max_length=20)
    confidence: float = 1.0
    reasons: list[str] = json_list()
    eligibility: list[dict[str, Any]] = json_list()
    provider: str = Field(default="local", max_length=40)
    # match / possible / opens_later (see domain.engine), with the student's own cycle and the
    # questions that would settle a possible one.
    bucket: str = Field(default="match", max_length=20)
    deadline: date | None = None
    cycle: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    questions: list[dict[str, Any]] = json_list()
    is_current: bool = True  # false once a refresh no longer ranks it
    bookmarked: bool = False
    dismissed: bool = False
    dismiss_reason: str | None = Field(default=None, max_length=300)
    computed_at: datetime = now_field()


class Application(SQLModel, table=True):
    __tablename__ = "applications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "scholarship_id", name="uq_application_user_scholarship"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="ck_application_progress"),
        sa.CheckConstraint(
            "amount_won IS NULL OR amount_won >= 0", name="ck_application_amount_won"
        ),
        sa.Index("ix_applications_user_status", "user_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    scholarship_id: int = Field(foreign_key="scholarships.id", index=True)
    status: str = Field(default="draft", max_length=20)
    progress: int = 0
    notes: str = Field(default="", max_length=10_000)
    outcome: str | None = Field(default=None, max_length=500)
    amount_won: int | None = None
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    submitted_at: datetime | None = None


class Essay(SQLModel, table=True):
    __tablename__ = "essays"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    application_id: int | None = Field(
        default=None, foreign_key="applications.id", index=True, ondelete="SET NULL"
    )
    title: str = Field(max_length=200)
    prompt: str = Field(default="", max_length=5_000)
    essay_type: str = Field(default="personal_statement", max_length=40)
    content: str = Field(default="", sa_type=sa.Text)
    # The prompt's word limit where one is stated (a catalogue prompt's, or read from the text).
    word_limit: int | None = None
    version: int = 1
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class EssayVersion(SQLModel, table=True):
    __tablename__ = "essay_versions"
    __table_args__ = (sa.UniqueConstraint("essay_id", "version", name="uq_essay_version"),)

    id: int | None = Field(default=None, primary_key=True)
    essay_id: int = Field(foreign_key="essays.id", index=True, ondelete="CASCADE")
    version: int
    content: str = Field(sa_type=sa.Text)
    note: str = Field(default="", max_length=200)
    created_at: datetime = now_field()


class SpellingIgnore(SQLModel, table=True):
    """A word a student's spell check leaves alone (a name, a place, a term of their field)."""

    __tablename__ = "spelling_ignores"
    __table_args__ = (sa.UniqueConstraint("user_id", "word", name="uq_spelling_ignore_word"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    word: str = Field(max_length=60)
    created_at: datetime = now_field()


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (sa.CheckConstraint("size_bytes >= 0", name="ck_document_size"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300, unique=True)
    kind: str = Field(default="other", max_length=40)
    created_at: datetime = now_field()


class ApplicationDocument(SQLModel, table=True):
    __tablename__ = "application_documents"

    application_id: int = Field(foreign_key="applications.id", primary_key=True, ondelete="CASCADE")
    document_id: int = Field(foreign_key="documents.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = now_field()


class Notification(SQLModel, table=True):
    """An in-app message; `dedupe_key` makes reminders idempotent across restarts."""

    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str | None = Field(default=None, max_length=300)
    read_at: datetime | None = None
    emailed_at: datetime | None = None
    created_at: datetime = now_field()


class StudentAnswer(SQLModel, table=True):
    """A student's answer to a requirement no profile field can settle ("Will you file the
    FAFSA?"). Keyed by the question (domain.eligibility.question_key), so a question several
    programmes ask is answered once."""

    __tablename__ = "student_answers"
    __table_args__ = (sa.UniqueConstraint("user_id", "question_key", name="uq_answer_user_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    question_key: str = Field(max_length=32)
    question: str = Field(max_length=500)
    answer: bool
    answered_at: datetime = now_field()
