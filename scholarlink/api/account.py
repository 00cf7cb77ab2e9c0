"""A student's own data over HTTP: the JSON export and the secret iCalendar feed."""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scholarlink.api.deps import current_student
from scholarlink.api.errors import error_response, error_responses, unauthorized
from scholarlink.core.clock import today, utcnow
from scholarlink.services import privacy, reminders

router = APIRouter(tags=["account"])

# Feed tokens are `secrets.token_urlsafe` strings; anything else names no calendar and must not
# reach the database (PostgreSQL refuses NUL characters in text).
_FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@router.get(
    "/api/account/export",
    summary="Everything we hold about you, as one JSON file",
    responses=error_responses(401),
)
def export_account(request: Request) -> Response:
    user_id = current_student(request)
    if user_id is None:
        return unauthorized("Sign in to export your data")
    body = json.dumps(privacy.export_data(user_id=user_id), indent=2, default=str)
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="scholarlink-export-{stamp}.json"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/api/calendar/{token}.ics",
    summary="Your deadlines as an iCalendar feed",
    response_class=Response,
    responses={
        200: {
            "description": "The feed",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        **error_responses(404),
    },
)
def calendar_feed(token: str) -> Response:
    if not _FEED_TOKEN.fullmatch(token):
        return error_response(404, "not_found", "No such calendar")
    body = reminders.calendar_feed(token=token, today=today())
    if body is None:
        return error_response(404, "not_found", "No such calendar")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
