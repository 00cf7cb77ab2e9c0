"""The scholarship catalogue."""

from __future__ import annotations

from datetime import datetime

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
    amount_min: int
    amount_max: int
    deadline_month: int
    deadline_day: int
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
    # Where the row came from: the shipped catalogue or a synthetic benchmark set.
    source: str = Field(default="catalogue", max_length=20, index=True)
    catalogue_version: str = Field(default="", max_length=40)
    is_active: bool = Field(default=True, index=True)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
