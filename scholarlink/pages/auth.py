"""What the sign-in, sign-up, confirmation and OpenID callback pages share: one state (the
pending OpenID login is kept server-side between the sign-in page and the callback) and the
form pieces. Each page is its own module."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import field
from scholarlink.core.errors import ServiceError
from scholarlink.services import auth, oidc
from scholarlink.services.accounts import PASSWORD_RULES, password_problems
from scholarlink.services.mail import mail_is_logged
from scholarlink.state.session import SessionState
from scholarlink.web_origins import app_base_url


@dataclasses.dataclass
class PasswordCheck:
    rule: str
    ok: bool


def _checks(password: str, email: str) -> list[PasswordCheck]:
    broken = set(password_problems(password, email))
    return [PasswordCheck(rule=r, ok=bool(password) and r not in broken) for r in PASSWORD_RULES]


class AuthState(SessionState):
    oidc_enabled: bool = False
    # The pending OpenID Connect login (state, nonce, PKCE verifier): kept on the server only.
    _pending_oidc: dict[str, Any] = {}
    error: str = ""
    email_error: str = ""
    email: str = ""
    # Set once the sign-up form was accepted: the address we wrote to (the same answer whether
    # or not it already has an account).
    sent_to: str = ""
    mail_logged: bool = False
    confirming: bool = False
    # What the password rules say of the password being typed; the password itself is never
    # kept in state (Reflex persists state to disk or Redis).
    rules: list[PasswordCheck] = _checks("", "")

    @rx.event
    def set_password(self, value: str) -> None:
        self.rules = _checks(str(value)[:300], self.email)

    @rx.event
    def set_email(self, value: str) -> None:
        self.email = str(value)[:320]

    @rx.event
    def reset_form(self) -> None:
        # A reconnect or a reload keeps the form's outcome ("Check your inbox", an error);
        # coming to the page from another one starts afresh.
        if self._page_opened():
            self.error = self.email_error = self.sent_to = ""
            self.rules = _checks("", "")
        # Whatever the load: a confirmation whose hand-over never arrived (the page reloaded
        # instead) must not leave the button spinning.
        self.confirming = False
        if self.router.url.query_parameters.get("expired"):
            self.error = "That sign-in link has expired. Please sign in again."
        self.oidc_enabled = oidc.enabled()
        self._user_id()

    @rx.event
    def start_oidc(self) -> EventSpec | None:
        self.error = ""
        next_path = routes.safe_next(self.router.url.query_parameters.get("next"))
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
            ticket = oidc.sign_in_ticket(identity, user_agent=self._user_agent())
        except ServiceError as exc:
            self.error = exc.message
            return rx.redirect(routes.SIGN_IN)
        return self._hand_over(ticket, str(pending.get("next_path") or ""))

    @rx.event
    def sign_up(self, form: dict[str, Any]) -> list[EventSpec] | EventSpec:
        self.error = self.email_error = ""
        clear = rx.set_value("password", "")
        base = app_base_url()
        email = str(form.get("email", ""))
        try:
            auth.request_sign_up(
                email=email,
                password=str(form.get("password", "")),
                display_name=str(form.get("name", "")),
                client=self._client(),
                confirm_url=base + routes.SIGN_UP_CONFIRM,
                sign_in_url=base + routes.SIGN_IN,
                next_path=self._next_path(),
            )
        except ServiceError as exc:
            self.error = exc.message
            self.rules = _checks("", "")
            return clear
        self.rules = _checks("", "")
        self.sent_to = email.strip()[:320]
        self.mail_logged = mail_is_logged()
        return [clear, rx.set_value("name", ""), rx.set_value("email", "")]

    @rx.event
    def confirm(self) -> EventSpec | None:
        """Use the link's token: create the account and sign the new student in."""
        self.error = ""
        if self.confirming:
            return None
        self.confirming = True
        token = str(self.router.url.query_parameters.get("token") or "")
        try:
            ticket = auth.confirm_sign_up_ticket(token=token, user_agent=self._user_agent())
        except ServiceError as exc:
            self.error = exc.message
            self.confirming = False
            return None
        return self._hand_over(ticket, self._next_path() or routes.PROFILE)

    def _next_path(self) -> str:
        """The page to go on to (an invitation, say), when it is a same-site path."""
        raw = self.router.url.query_parameters.get("next")
        return routes.safe_next(raw, default="") if raw else ""

    @rx.event
    def sign_in(self, form: dict[str, Any]) -> list[EventSpec] | EventSpec:
        self.error = ""
        try:
            ticket = auth.sign_in_ticket(
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                user_agent=self._user_agent(),
                client=self._client(),
            )
        except ServiceError as exc:
            self.error = exc.message
            return rx.set_value("password", "")
        return self._hand_over(ticket, self.router.url.query_parameters.get("next") or "")


def password_rule(item: PasswordCheck) -> rx.Component:
    return rx.hstack(
        rx.cond(
            item.ok,
            rx.icon("circle-check", size=16, color=rx.color("green", 10)),
            rx.icon("circle", size=16, color=rx.color("gray", 9)),
        ),
        rx.text(item.rule, size="2"),
        spacing="2",
        align="center",
    )


def auth_card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
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


def auth_input(label: str, name: str, **props: Any) -> rx.Component:
    """A labelled text input of the sign-in and sign-up forms (the name doubles as its id)."""
    return field(label, rx.input(name=name, id=name, width="100%", **props), html_for=name)


def sent_notice() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("mail-check")),
        rx.callout.text(
            rx.text.strong("Check your inbox. "),
            "We sent a message to ",
            rx.text.strong(AuthState.sent_to),
            ". Open the link in it within 24 hours to finish creating your account. If this "
            "address already has an account, the message says so instead.",
            rx.cond(
                AuthState.mail_logged,
                rx.text(
                    "Development: no mail server is configured, so the message was written "
                    "to the server's log.",
                    size="1",
                    as_="span",
                    display="block",
                    margin_top="0.5em",
                ),
            ),
        ),
        color_scheme="green",
        role="status",
    )
