"""Privacy: what we do with data (we never sell it), export everything, delete the account."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.links import API_BASE
from scholarlink.components.ui import error_callout, field, page_header
from scholarlink.core.errors import ServiceError
from scholarlink.services import privacy
from scholarlink.state.session import SessionState

STATEMENT = (
    (
        "We never sell your data.",
        "Not to scholarship providers, advertisers or anyone else. Your profile is used to match you and for nothing else.",
    ),
    (
        "You decide what to share.",
        "Background details are optional and only used to find scholarships reserved for particular groups.",
    ),
    (
        "Your files are yours.",
        "Documents are stored privately; only you can list, open or delete them.",
    ),
    (
        "Leave any time.",
        "Export everything as one file, or delete your account and your documents. Only the record of payments is kept, without your name, because the law requires it.",
    ),
)


class PrivacyState(SessionState):
    has_password: bool = True
    confirm_hint: str = ""
    error: str = ""
    deleting: bool = False

    @rx.event
    def load(self) -> None:
        user_id = self._user_id()
        self.error, self.deleting = "", False
        if user_id is None:
            return
        check = privacy.deletion_check(user_id=user_id)
        self.has_password, self.confirm_hint = check.has_password, check.confirm_hint

    @rx.event
    def ask_delete(self, value: bool) -> None:
        self.deleting = value
        self.error = ""

    @rx.event
    def delete_account(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        try:
            privacy.delete_account(
                user_id=user_id,
                password=str(form.get("password") or "") or None,
                confirm_email=str(form.get("confirm") or "") or None,
            )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.deleting = False
        return self._forget_cookie(routes.HOME)


def privacy_page() -> rx.Component:
    return page(
        page_header("Privacy", "Plainly: what happens to your data."),
        rx.vstack(
            *(
                rx.hstack(
                    rx.icon("shield-check", color=rx.color("green", 10), size=20),
                    rx.vstack(
                        rx.text(title, weight="bold"),
                        rx.text(text, size="2", color=rx.color("gray", 11)),
                        spacing="0",
                        align="start",
                    ),
                    align="start",
                    spacing="3",
                )
                for title, text in STATEMENT
            ),
            spacing="4",
            width="100%",
        ),
        rx.cond(
            PrivacyState.signed_in,
            rx.vstack(
                rx.heading("Your data", size="5", as_="h2", margin_top="2rem"),
                rx.link(
                    rx.button(
                        rx.icon("download", size=16), "Export all my data (JSON)", variant="soft"
                    ),
                    href=API_BASE + "/api/account/export",
                    # A new tab takes the download, so this page never unloads (its live
                    # connection, and the next click, survive the export).
                    is_external=True,
                ),
                rx.heading("Delete my account", size="5", as_="h2", margin_top="1.5rem"),
                rx.text(
                    "This deletes your profile, matches, applications, essays and documents, and signs you out everywhere. It cannot be undone.",
                    size="2",
                ),
                rx.cond(
                    PrivacyState.deleting,
                    rx.card(
                        rx.form(
                            rx.vstack(
                                error_callout(PrivacyState.error),
                                rx.cond(
                                    PrivacyState.has_password,
                                    field(
                                        "Confirm with your password",
                                        rx.input(
                                            name="password",
                                            id="confirm-password",
                                            type="password",
                                            width="100%",
                                        ),
                                        html_for="confirm-password",
                                    ),
                                    field(
                                        f"Type {PrivacyState.confirm_hint} to confirm",
                                        rx.input(name="confirm", id="confirm-text", width="100%"),
                                        html_for="confirm-text",
                                    ),
                                ),
                                rx.hstack(
                                    rx.button(
                                        "Cancel",
                                        type="button",
                                        variant="soft",
                                        color_scheme="gray",
                                        on_click=PrivacyState.ask_delete(False),
                                    ),
                                    rx.button(
                                        "Delete my account", type="submit", color_scheme="red"
                                    ),
                                    spacing="2",
                                ),
                                spacing="3",
                                width="100%",
                            ),
                            on_submit=PrivacyState.delete_account,
                        ),
                        width="100%",
                        max_width="28rem",
                    ),
                    rx.button(
                        "Delete my account…",
                        color_scheme="red",
                        variant="outline",
                        on_click=PrivacyState.ask_delete(True),
                    ),
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            rx.fragment(),
        ),
        max_width="48rem",
    )
