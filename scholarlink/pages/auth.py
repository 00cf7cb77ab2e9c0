"""Sign up and sign in (local accounts), with the password rules shown before submitting."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, field
from scholarlink.db import session_scope
from scholarlink.services import auth, oidc
from scholarlink.services.accounts import PASSWORD_RULES, password_problems
from scholarlink.services.errors import ServiceError
from scholarlink.state.session import SessionState


def _safe_next(target: str | None) -> str:
    """Only same-site paths, never another origin (open-redirect guard)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return routes.DASHBOARD


class AuthState(SessionState):
    oidc_enabled: bool = False
    # The pending OpenID Connect login (state, nonce, PKCE verifier): kept on the server only.
    _pending_oidc: dict[str, Any] = {}
    error: str = ""
    email_error: str = ""
    password: str = ""
    email: str = ""
    busy: bool = False

    @rx.var
    def rules(self) -> list[dict[str, Any]]:
        broken = set(password_problems(self.password, self.email))
        return [{"rule": r, "ok": bool(self.password) and r not in broken} for r in PASSWORD_RULES]

    @rx.event
    def set_password(self, value: str) -> None:
        self.password = value

    @rx.event
    def set_email(self, value: str) -> None:
        self.email = value

    @rx.event
    def reset_form(self) -> None:
        self.error = self.email_error = ""
        self.password = ""
        self.oidc_enabled = oidc.enabled()
        self._user_id()

    @rx.event
    def start_oidc(self) -> EventSpec | None:
        self.error = ""
        next_path = _safe_next(self.router.url.query_parameters.get("next"))
        try:
            url, pending = oidc.begin(
                redirect_uri=f"{self.router.url.origin}{routes.OIDC_CALLBACK}", next_path=next_path
            )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self._pending_oidc = pending.as_dict()
        return rx.redirect(url)

    @rx.event
    def finish_oidc(self) -> EventSpec | None:
        pending, self._pending_oidc = self._pending_oidc, {}
        params = dict(self.router.url.query_parameters)
        try:
            identity = oidc.complete(pending, params)
            with session_scope() as session:
                user_id = oidc.link(session, identity)
                grant = auth.start_session(session, user_id=user_id, user_agent=self._user_agent())
        except ServiceError as exc:
            self.error = exc.message
            return rx.redirect(routes.SIGN_IN)
        self.token = grant.token
        self._user_id()
        return rx.redirect(_safe_next(str(pending.get("next_path") or "")))

    @rx.event
    def sign_up(self, form: dict[str, Any]) -> EventSpec | None:
        self.error = self.email_error = ""
        try:
            with session_scope() as session:
                grant = auth.sign_up(
                    session,
                    email=str(form.get("email", "")),
                    password=str(form.get("password", "")),
                    display_name=str(form.get("name", "")),
                    user_agent=self._user_agent(),
                )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.token = grant.token
        self.password = ""
        self._user_id()
        return rx.redirect(routes.PROFILE)

    @rx.event
    def sign_in(self, form: dict[str, Any]) -> EventSpec | None:
        self.error = ""
        try:
            grant = auth.sign_in(
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                user_agent=self._user_agent(),
            )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.token = grant.token
        self.password = ""
        self._user_id()
        return rx.redirect(_safe_next(self.router.url.query_parameters.get("next")))


def _rule(item: Any) -> rx.Component:
    return rx.hstack(
        rx.cond(
            item["ok"].to(bool),
            rx.icon("circle-check", size=16, color=rx.color("green", 10)),
            rx.icon("circle", size=16, color=rx.color("gray", 9)),
        ),
        rx.text(item["rule"].to(str), size="2"),
        spacing="2",
        align="center",
    )


def _card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    return page(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.heading(title, size="6", as_="h1"),
                    rx.text(subtitle, color=rx.color("gray", 11)),
                    *children,
                    spacing="4",
                    width="100%",
                ),
                size="4",
                width="100%",
                max_width="28rem",
            ),
            width="100%",
        ),
        max_width="40rem",
    )


def _input(label: str, name: str, **props: Any) -> rx.Component:
    """A labelled text input of the sign-in and sign-up forms (the name doubles as its id)."""
    return field(label, rx.input(name=name, id=name, width="100%", **props), html_for=name)


def sign_up_page() -> rx.Component:
    return _card(
        "Create your account",
        "Free to join. Your data is never sold.",
        error_callout(AuthState.error),
        rx.form(
            rx.vstack(
                _input("Name", "name", placeholder="Ada Lovelace", auto_complete="name"),
                _input(
                    "E-mail",
                    "email",
                    type="email",
                    required=True,
                    auto_complete="email",
                    on_change=AuthState.set_email.debounce(300),
                ),
                _input(
                    "Password",
                    "password",
                    type="password",
                    required=True,
                    auto_complete="new-password",
                    on_change=AuthState.set_password.debounce(150),
                ),
                rx.vstack(
                    rx.foreach(AuthState.rules, _rule), spacing="1", aria_label="Password rules"
                ),
                rx.button("Create account", type="submit", width="100%", size="3"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.sign_up,
            width="100%",
        ),
        rx.text("Already have an account? ", rx.link("Sign in", href=routes.SIGN_IN), size="2"),
    )


def sign_in_page() -> rx.Component:
    return _card(
        "Sign in",
        "Welcome back.",
        error_callout(AuthState.error),
        rx.form(
            rx.vstack(
                _input("E-mail", "email", type="email", required=True, auto_complete="email"),
                _input(
                    "Password",
                    "password",
                    type="password",
                    required=True,
                    auto_complete="current-password",
                ),
                rx.button("Sign in", type="submit", width="100%", size="3"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.sign_in,
            width="100%",
        ),
        rx.cond(
            AuthState.oidc_enabled,
            rx.vstack(
                rx.hstack(
                    rx.separator(),
                    rx.text("or", size="1", color=rx.color("gray", 10)),
                    rx.separator(),
                    align="center",
                    width="100%",
                ),
                rx.button(
                    rx.icon("key-round", size=16),
                    "Sign in with Scholar Auth",
                    variant="outline",
                    width="100%",
                    size="3",
                    on_click=AuthState.start_oidc,
                ),
                width="100%",
                spacing="3",
            ),
            rx.fragment(),
        ),
        rx.text("New here? ", rx.link("Create an account", href=routes.SIGN_UP), size="2"),
    )


def oidc_callback_page() -> rx.Component:
    return _card(
        "Signing you in…",
        "Finishing the sign-in with Scholar Auth.",
        rx.spinner(size="3"),
        error_callout(AuthState.error),
    )
