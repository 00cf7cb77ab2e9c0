"""Create an account: the password rules shown before submitting; confirmed by e-mail."""

from __future__ import annotations

import reflex as rx

from scholarlink import routes
from scholarlink.components.ui import error_callout
from scholarlink.pages.auth import AuthState, auth_card, auth_input, password_rule, sent_notice


def sign_up_page() -> rx.Component:
    return auth_card(
        "Create your account",
        "Free to join. Your data is never sold.",
        error_callout(AuthState.error),
        rx.cond(AuthState.sent_to != "", sent_notice()),
        rx.form(
            rx.vstack(
                auth_input("Name", "name", placeholder="Ada Lovelace", auto_complete="name"),
                auth_input(
                    "E-mail",
                    "email",
                    type="email",
                    required=True,
                    auto_complete="email",
                    on_change=AuthState.set_email.debounce(300),
                ),
                auth_input(
                    "Password",
                    "password",
                    type="password",
                    required=True,
                    auto_complete="new-password",
                    on_change=AuthState.set_password.debounce(150),
                ),
                rx.vstack(
                    rx.foreach(AuthState.rules, password_rule),
                    spacing="1",
                    aria_label="Password rules",
                ),
                rx.button("Create account", type="submit", width="100%", size="3"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.sign_up,
            width="100%",
        ),
        rx.text(
            "Already have an account? ",
            rx.link("Sign in", href=routes.SIGN_IN, underline="always"),
            size="2",
        ),
    )
