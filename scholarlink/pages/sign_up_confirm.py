"""The link from the confirmation mail: the account is created here."""

from __future__ import annotations

import reflex as rx

from scholarlink import routes
from scholarlink.components.ui import error_callout
from scholarlink.pages.auth import AuthState, auth_card


def confirm_page() -> rx.Component:
    return auth_card(
        "Confirm your e-mail",
        "One step left: create your account with the address this link was sent to.",
        error_callout(AuthState.error),
        rx.button(
            "Create my account",
            on_click=AuthState.confirm,
            loading=AuthState.confirming,
            width="100%",
            size="3",
        ),
        rx.text(
            "Link expired? ",
            rx.link("Sign up again", href=routes.SIGN_UP, text_decoration="underline"),
            " or ",
            rx.link("sign in", href=routes.SIGN_IN, text_decoration="underline"),
            ".",
            size="2",
        ),
    )
