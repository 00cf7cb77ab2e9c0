"""Where the OpenID provider sends the browser back to finish signing in."""

from __future__ import annotations

import reflex as rx

from scholarlink.components.ui import error_callout
from scholarlink.pages.auth import AuthState, auth_card


def oidc_callback_page() -> rx.Component:
    return auth_card(
        "Signing you in…",
        "Finishing the sign-in with Scholar Auth.",
        rx.spinner(size="3"),
        error_callout(AuthState.error),
    )
