"""Shared column helpers.

Timestamps are timezone-aware UTC; SQLModel's UTCDateTime stores them alike on every database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from scholarlink.core.clock import utcnow
from scholarlink.core.limits import MAX_DB_INT

__all__ = ["MAX_DB_INT", "json_dict", "json_list", "now_field", "utcnow"]


def json_list() -> Any:
    """A JSON list column that is never NULL."""
    return Field(default_factory=list, sa_column_kwargs={"nullable": False}, sa_type=sa.JSON)


def json_dict(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=sa.JSON, nullable=True)
    return Field(default_factory=dict, sa_column_kwargs={"nullable": False}, sa_type=sa.JSON)


def now_field() -> Any:
    return Field(default_factory=utcnow, nullable=False)
