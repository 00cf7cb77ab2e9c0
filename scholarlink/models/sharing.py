"""People who follow a student's applications, and letters of recommendation.

Links (invitations, letter uploads) are random tokens stored only as SHA-256 hashes; they expire
and can be revoked.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from scholarlink.models.base import now_field


class Invitation(SQLModel, table=True):
    """A student's invitation to a parent or counsellor, sent to one e-mail address."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320)
    role: str = Field(max_length=20)  # parent | counsellor
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime = now_field()


class AccessGrant(SQLModel, table=True):
    """A viewer's read-only access to one student's matches, tracker and deadlines (and the
    essays and documents the student shares with them). Revoked grants are kept for the log."""

    __tablename__ = "access_grants"
    __table_args__ = (sa.Index("ix_access_grants_pair", "student_id", "viewer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    viewer_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)
    invitation_id: int | None = Field(
        default=None, foreign_key="invitations.id", ondelete="SET NULL"
    )
    created_at: datetime = now_field()
    revoked_at: datetime | None = None


class SharedItem(SQLModel, table=True):
    """An essay or document a student shares with one viewer."""

    __tablename__ = "shared_items"
    __table_args__ = (sa.UniqueConstraint("grant_id", "kind", "item_id", name="uq_shared_item"),)

    id: int | None = Field(default=None, primary_key=True)
    grant_id: int = Field(foreign_key="access_grants.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=20)  # essay | document
    item_id: int
    created_at: datetime = now_field()


class AccessLog(SQLModel, table=True):
    """Every view of a student's data by someone other than the student."""

    __tablename__ = "access_log"

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    viewer_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    viewer_name: str = Field(default="", max_length=320)
    what: str = Field(max_length=120)
    at: datetime = now_field()


class LetterRequest(SQLModel, table=True):
    """A request for a recommendation letter, for one tracked application. The recommender uses
    a signed, expiring link; no account. The link's token is HMAC(SECRET_KEY, link_salt): the
    database alone cannot make one, and the reminders can repeat the same link. With `waived`,
    the student sees that the letter arrived, never its content."""

    __tablename__ = "letter_requests"

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    application_id: int = Field(foreign_key="applications.id", index=True, ondelete="CASCADE")
    recommender_name: str = Field(max_length=120)
    recommender_email: str = Field(max_length=320)
    due_on: date
    note: str = Field(default="", max_length=1000)
    waived: bool = False
    reusable: bool = False  # the recommender allows the letter for the student's other applications
    link_salt: str = Field(max_length=64, unique=True)
    expires_at: datetime
    opened_at: datetime | None = None
    received_at: datetime | None = None
    declined_at: datetime | None = None
    revoked_at: datetime | None = None
    filename: str | None = Field(default=None, max_length=255)
    content_type: str | None = Field(default=None, max_length=100)
    size_bytes: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    storage_key: str | None = Field(default=None, max_length=300, unique=True)
    created_at: datetime = now_field()


class LetterUse(SQLModel, table=True):
    """A received, reusable letter attached to another of the student's applications."""

    __tablename__ = "letter_uses"

    letter_id: int = Field(foreign_key="letter_requests.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(foreign_key="applications.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = now_field()


class Organisation(SQLModel, table=True):
    """A school or community foundation: its counsellors follow the students who join it (with
    their consent) and post local scholarships. Students join with a code stored only hashed."""

    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # school | foundation
    # Local scholarships with audience "area" are shown to students living in this state too.
    area_state: str | None = Field(default=None, max_length=2)
    join_code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = now_field()


class OrganisationMember(SQLModel, table=True):
    """A counsellor of an organisation."""

    __tablename__ = "organisation_members"

    organisation_id: int = Field(
        foreign_key="organisations.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(default="counsellor", max_length=20)
    created_at: datetime = now_field()


class OrganisationStudent(SQLModel, table=True):
    """A student who joined an organisation, and what its counsellors may see."""

    __tablename__ = "organisation_students"

    organisation_id: int = Field(
        foreign_key="organisations.id", primary_key=True, ondelete="CASCADE"
    )
    student_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    share_tracker: bool = False
    share_matches: bool = False
    joined_at: datetime = now_field()
    left_at: datetime | None = None
