"""The scholarship catalogue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from scholarlink.models.base import json_list, now_field


class Scholarship(SQLModel, table=True):
    __tablename__ = "scholarships"
    __table_args__ = (
        sa.CheckConstraint("amount_min >= 0", name="ck_scholarship_amount_min"),
        sa.CheckConstraint("amount_max >= amount_min", name="ck_scholarship_amount_range"),
        sa.CheckConstraint("deadline_month BETWEEN 1 AND 12", name="ck_scholarship_month"),
        sa.CheckConstraint("deadline_day BETWEEN 1 AND 31", name="ck_scholarship_day"),
        sa.Index("ix_scholarships_active_amount", "is_active", "amount_max"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    provider: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    url: str = Field(max_length=500)
    # Derived from `entry` for search and filters; None where the programme publishes no figure.
    amount_min: int | None = None
    amount_max: int | None = None
    # The month and day of the most recent fixed deadline read (None: rolling or varies).
    deadline_month: int | None = None
    deadline_day: int | None = None
    levels: list[str] = json_list()
    min_gpa: float | None = None
    majors: list[str] = json_list()
    states: list[str] = json_list()
    citizenship: list[str] = json_list()
    demographics: list[str] = json_list()
    interests: list[str] = json_list()
    financial_need: bool = False
    essay_required: bool = False
    renewable: bool = False
    awards_per_year: int | None = None
    applicants_per_year: int | None = None
    # private / state / federal / institutional / military
    kind: str = Field(default="private", max_length=20, index=True)
    verified_on: date | None = None
    # The whole catalogue entry as verified (rules, cycles, sources, effort, prompts): format 2.
    entry: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    # Where the row came from: the shipped catalogue, a synthetic benchmark set, or "student": a
    # programme a student found elsewhere and tracks (visible to that student only).
    source: str = Field(default="catalogue", max_length=20, index=True)
    owner_user_id: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    # "local": posted by an organisation, for its students ("members") or also for students
    # living in its state ("area").
    organisation_id: int | None = Field(
        default=None, foreign_key="organisations.id", index=True, ondelete="CASCADE"
    )
    audience: str | None = Field(default=None, max_length=20)
    catalogue_version: str = Field(default="", max_length=40)
    is_active: bool = Field(default=True, index=True)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class CatalogueReport(SQLModel, table=True):
    """A student's "Report a problem" on a scholarship. Never changes the catalogue by itself:
    an operator reads them (`scholarlink catalogue reports`) and corrects the source files."""

    __tablename__ = "catalogue_reports"

    id: int | None = Field(default=None, primary_key=True)
    scholarship_id: int = Field(foreign_key="scholarships.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    what: str = Field(max_length=40)
    message: str = Field(max_length=2000)
    correct_value: str | None = Field(default=None, max_length=500)
    link: str | None = Field(default=None, max_length=1000)
    status: str = Field(default="open", max_length=20)
    created_at: datetime = now_field()
