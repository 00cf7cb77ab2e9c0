"""Typed FastAPI dependencies shared by every route module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from scholarlink.db import session_scope
from scholarlink.services import auth

# The cookie the Reflex app sets at sign-in (scholarlink.state.session.SESSION_COOKIE; not
# imported from there so the API does not import Reflex state; a test checks they agree).
SESSION_COOKIE = "scholarlink_session"


def _session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]


def current_student(request: Request) -> int | None:
    """The signed-in student of a browser request (its session cookie), or None."""
    with session_scope() as session:
        return auth.resolve(session, request.cookies.get(SESSION_COOKIE))
