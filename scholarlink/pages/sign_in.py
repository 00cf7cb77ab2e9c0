"""Sign in with a password, or with Scholar Auth (OpenID Connect) when configured."""

from __future__ import annotations

import reflex as rx

from scholarlink import routes
from scholarlink.components.ui import error_callout
from scholarlink.pages.auth import AuthState, auth_card, auth_input


def sign_in_page() -> rx.Component:
    return auth_card(
        "Sign in",
        "Welcome back.",
        error_callout(AuthState.error),
        rx.form(
            rx.vstack(
                auth_input("E-mail", "email", type="email", required=True, auto_complete="email"),
                auth_input(
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
                    rx.text("or", size="1", color=rx.color("gray", 11)),
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
        rx.text(
            "New here? ",
            rx.link("Create an account", href=routes.SIGN_UP, underline="always"),
            size="2",
        ),
    )
