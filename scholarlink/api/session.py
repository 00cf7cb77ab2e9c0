"""The browser's session cookie, set and cleared by the backend only.

Signing in happens in a Reflex event, which cannot set an HttpOnly cookie; it hands the browser a
single-use ticket instead (services.auth.issue_ticket). `GET /api/session/start` redeems the ticket,
sets the cookie (HttpOnly, SameSite=Lax, Secure whenever the app is served over https) and sends
the browser on to the page it asked for. The websocket then finds the session from the cookie of
its handshake (SessionHandshakeMiddleware), so the token never enters Reflex state.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from scholarlink import routes
from scholarlink.api.deps import SESSION_COOKIE
from scholarlink.core.settings import get_settings
from scholarlink.services import auth
from scholarlink.web_origins import app_base_url

router = APIRouter(tags=["session"])

# The header the websocket handshake carries in place of the cookie: the session's key (the
# SHA-256 of its token), which is all Reflex state ever sees.
SESSION_KEY_HEADER = b"x-scholarlink-session-key"


def _redirect(path: str) -> RedirectResponse:
    response = RedirectResponse(app_base_url() + path, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get(
    routes.SESSION_START,
    summary="Redeem a sign-in ticket: sets the session cookie and redirects",
    status_code=303,
    response_class=RedirectResponse,
)
async def start_session(
    request: Request,
    ticket: Annotated[str, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")],
    next: Annotated[str, Query(max_length=2000)] = routes.DASHBOARD,
) -> RedirectResponse:
    user_agent = request.headers.get("user-agent", "")[:300]
    grant = await run_in_threadpool(auth.redeem_ticket, ticket=ticket, user_agent=user_agent)
    if grant is None:
        return _redirect(f"{routes.SIGN_IN}?next={quote(routes.safe_next(next))}&expired=1")
    response = _redirect(routes.safe_next(next))
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        grant.token,
        max_age=settings.session_ttl_hours * 3600,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    return response


@router.get(
    routes.SESSION_END,
    summary="Clear the session cookie (the session itself is revoked by signing out) and redirect",
    status_code=303,
    response_class=RedirectResponse,
)
async def end_session(
    next: Annotated[str, Query(max_length=2000)] = routes.HOME,
) -> RedirectResponse:
    response = _redirect(routes.safe_next(next, default=routes.HOME))
    settings = get_settings()
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=settings.secure_cookies, samesite="lax"
    )
    return response


def _cookie_value(raw: bytes, name: str) -> tuple[str | None, bytes]:
    """The named cookie's value and the Cookie header without it."""
    found: str | None = None
    kept = []
    for part in raw.decode("latin-1").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            found = value.strip().strip('"')
        elif part.strip():
            kept.append(part.strip())
    return found, "; ".join(kept).encode("latin-1")


class SessionHandshakeMiddleware:
    """On websocket handshakes: takes the session cookie out of the headers Reflex sees (Reflex
    keeps the handshake headers in its state store) and puts the session's key in its place.
    A key a client sends itself is always dropped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" or (
            scope["type"] == "http" and "/_event" in scope.get("path", "")
        ):
            headers = []
            key: str | None = None
            for name, value in scope.get("headers") or []:
                if name == SESSION_KEY_HEADER:
                    continue
                if name == b"cookie":
                    token, value = _cookie_value(value, SESSION_COOKIE)
                    if token:
                        key = auth.session_key(token)
                    if not value:
                        continue
                headers.append((name, value))
            if key is not None:
                headers.append((SESSION_KEY_HEADER, key.encode()))
            scope = dict(scope, headers=headers)
        await self.app(scope, receive, send)
