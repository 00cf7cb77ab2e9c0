"""Who is signed in. Every page state builds on this and asks it for the user on every event.

The session lives in an HttpOnly cookie that only the backend sets (scholarlink.api.session); the
websocket handshake carries it, and what reaches Reflex — and so its state store — is the
session's key (a SHA-256), never the token. The key is checked against the database on every
event, so a revoked or expired session stops working at once, and no user id is ever taken from
the browser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode

import reflex as rx
from reflex_base.config import get_config
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.core.errors import ServiceError
from scholarlink.services import auth, matches
from scholarlink.state.guard import guard_handlers

SESSION_COOKIE = "scholarlink_session"
SESSION_KEY_HEADER = "x-scholarlink-session-key"


def backend_url(path: str, **query: str) -> str:
    """An absolute URL on the backend (the host the websocket talks to, which holds the cookie)."""
    base = str(get_config().api_url or "").rstrip("/")
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


def _navigate(url: str) -> EventSpec:
    """A full page load (not the router's client-side navigation, which would not reach the
    backend when it shares the frontend's host), so the websocket reconnects with the new cookie."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


class SessionState(rx.State):
    signed_in: bool = False
    user_name: str = ""
    unread: int = 0  # unread notifications (the bell in the navigation bar)
    # The page (its URL) this tab's last event came from, recorded by the session check. Reflex
    # runs a page's on_load again when the websocket reconnects, and a reload runs it too.
    _page: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before Reflex turns the functions into event handlers: check every call's arguments.
        guard_handlers(cls)
        super().__init_subclass__(**kwargs)

    def _session_key(self) -> str | None:
        value = self.router.headers.raw_headers.get(SESSION_KEY_HEADER)
        return str(value) if value else None

    def _page_opened(self) -> bool:
        """For an on_load, asked before the session check (which records the page): whether the
        student opened this page, from another page or anew, rather than the same page being
        loaded again by a reconnect (a phone's patchy network, say) or a reload. A load that is
        not an opening keeps what the student just did there — a notice, a tool's result, a new
        code — instead of wiping it."""
        page = str(self.router.url)
        if self._page == page:
            return False
        self._page = page
        return True

    def _user_id(self) -> int | None:
        self._page_opened()  # records the page this event came from
        me = auth.whoami(key=self._session_key())
        # Set only what changed: a var set is sent and stored again even when equal, and this
        # runs on every event.
        if self.signed_in != (me is not None):
            self.signed_in = me is not None
        if me is None:
            return None
        if (self.user_name, self.unread) != (me.display_name, me.unread):
            self.user_name, self.unread = me.display_name, me.unread
        return me.user_id

    def _client(self) -> str:
        return str(self.router.session.client_ip or "")

    def _sign_in_redirect(self) -> EventSpec:
        path = self.router.url.path or routes.DASHBOARD
        return rx.redirect(f"{routes.SIGN_IN}?next={quote(path)}")

    def _user_agent(self) -> str:
        return str(self.router.headers.user_agent or "")[:300]

    def _hand_over(self, ticket: str, next_path: str) -> EventSpec:
        """Send the browser to the backend, which turns the ticket into the session cookie."""
        return _navigate(
            backend_url(routes.SESSION_START, ticket=ticket, next=routes.safe_next(next_path))
        )

    def _forget_cookie(self, next_path: str) -> EventSpec:
        self.signed_in = False
        self.user_name = ""
        return _navigate(backend_url(routes.SESSION_END, next=next_path))

    @contextmanager
    def _showing_errors(self, into: str = "error") -> Iterator[None]:
        """Run a handler's service calls (each owns its transaction) inside `with`: a
        ServiceError skips the rest of the block and becomes the page's message in the state var
        `into` (the page state defines it); the handler goes on after the block."""
        try:
            yield
        except ServiceError as exc:
            setattr(self, into, exc.message)

    def _save_answer(self, user_id: int, field: str, question: str, value: bool) -> str | None:
        """Keep an answer to a requirement to confirm; the error to show, or None."""
        try:
            matches.answer_question(
                user_id=user_id, field_name=field, question=question, answer=value
            )
        except ServiceError as exc:
            return exc.message
        return None

    @rx.event
    def check_session(self) -> None:
        """For public pages: shows the right navigation."""
        self._user_id()

    @rx.event
    def sign_out(self) -> EventSpec:
        auth.sign_out(key=self._session_key())
        return self._forget_cookie(routes.HOME)

    @rx.event
    def sign_out_everywhere(self) -> EventSpec:
        user_id = self._user_id()
        if user_id is not None:
            auth.end_all_sessions(user_id=user_id)
        return self._forget_cookie(routes.SIGN_IN)
