"""The invitee's side of sharing: accept an invitation (/shared/accept?token=…)."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout
from scholarlink.services import sharing
from scholarlink.state.session import SessionState


class AcceptState(SessionState):
    valid: bool = False
    student: str = ""
    role: str = ""
    invited: str = ""
    error: str = ""
    # This page's address, encoded for a ?next= parameter (sign in or up, then come back).
    here: str = ""

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token") or "")[:200]

    @rx.event
    def load(self) -> None:
        self._user_id()
        self.error = ""
        self.here = quote(routes.shared_accept(self._token()), safe="")
        info = sharing.describe_invitation(token=self._token())
        self.valid = info is not None
        if info is None:
            self.error = "This invitation has expired or was withdrawn."
            return
        self.student, self.role, self.invited = info.student, info.role, info.email

    @rx.event
    def accept(self) -> EventSpec | None:
        viewer = self._user_id()
        if viewer is None:
            return self._sign_in_redirect()
        with self._showing_errors():
            grant = sharing.accept(viewer_id=viewer, token=self._token())
            return rx.redirect(routes.followed_student(grant))
        return None


def accept_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Follow a student's applications", size="7", as_="h1"),
            error_callout(AcceptState.error),
            rx.cond(
                AcceptState.valid,
                rx.card(
                    rx.text(
                        rx.text.strong(AcceptState.student),
                        " invited you as their ",
                        AcceptState.role.lower(),
                        " to see their matches, applications and deadlines.",
                    ),
                    rx.cond(
                        AcceptState.signed_in,
                        rx.button(
                            "Accept the invitation", on_click=AcceptState.accept, margin_top="1rem"
                        ),
                        rx.text(
                            "Sign in — or create an account — with ",
                            rx.text.strong(AcceptState.invited),
                            ", then open the link in the invitation again. ",
                            rx.link(
                                "Sign in",
                                href=routes.SIGN_IN + "?next=" + AcceptState.here,
                                text_decoration="underline",
                            ),
                            " · ",
                            rx.link(
                                "Create an account",
                                href=routes.SIGN_UP + "?next=" + AcceptState.here,
                                text_decoration="underline",
                            ),
                            size="2",
                            margin_top="1rem",
                        ),
                    ),
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        max_width="44rem",
    )
