"""Who is signed in. Every page state builds on this and asks it for the user on every event:
the session token is checked against the database each time, so a revoked or expired session
stops working at once and no user id is ever taken from the browser."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.db import session_scope
from scholarlink.models import User
from scholarlink.services import auth

SESSION_COOKIE = "scholarlink_session"


class SessionState(rx.State):
    token: str = rx.Cookie("", name=SESSION_COOKIE, max_age=14 * 24 * 3600, same_site="lax")
    signed_in: bool = False
    user_name: str = ""

    def _user_id(self) -> int | None:
        with session_scope() as session:
            user_id = auth.resolve(session, self.token)
            if user_id is not None:
                user = session.get(User, user_id)
                self.user_name = (user.display_name or user.email or "") if user else ""
        self.signed_in = user_id is not None
        return user_id

    def _sign_in_redirect(self) -> EventSpec:
        path = self.router.url.path or routes.DASHBOARD
        return rx.redirect(f"{routes.SIGN_IN}?next={quote(path)}")

    def _user_agent(self) -> str:
        return str(self.router.headers.user_agent or "")[:300]

    @rx.event
    def check_session(self) -> None:
        """For public pages: shows the right navigation."""
        self._user_id()

    @rx.event
    def sign_out(self) -> EventSpec:
        with session_scope() as session:
            auth.end_session(session, self.token)
        self.token = ""
        self.signed_in = False
        self.user_name = ""
        return rx.redirect(routes.HOME)

    @rx.event
    def sign_out_everywhere(self) -> EventSpec:
        user_id = self._user_id()
        if user_id is not None:
            with session_scope() as session:
                auth.end_all_sessions(session, user_id=user_id)
        self.token = ""
        self.signed_in = False
        return rx.redirect(routes.SIGN_IN)
