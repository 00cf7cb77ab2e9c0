"""Typed FastAPI dependencies shared by every route module."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request

from scholarlink.core.limits import MAX_DB_INT
from scholarlink.services import auth

# The cookie the Reflex app sets at sign-in (scholarlink.state.session.SESSION_COOKIE; not
# imported from there so the API does not import Reflex state; a test checks they agree).
SESSION_COOKIE = "scholarlink_session"


# Ids and amounts are INTEGER columns (32-bit on PostgreSQL): a larger number from a URL can match
# no row and must not reach the database, where it is an error (PostgreSQL "integer out of range",
# SQLite OverflowError past 64 bits), not "not found". Such numbers are refused as invalid (422).
RowId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]


def current_student(request: Request) -> int | None:
    """The signed-in student of a browser request (its session cookie), or None."""
    return auth.user_of_token(token=request.cookies.get(SESSION_COOKIE))
