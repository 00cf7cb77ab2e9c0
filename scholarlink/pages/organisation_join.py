"""A student's schools and foundations (/organisation/join): join with a code, choose what each
may see, leave."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, field, info_callout, page_header
from scholarlink.services import organisations as orgs
from scholarlink.services.organisations import Membership
from scholarlink.state.session import SessionState


class JoinState(SessionState):
    joined: list[Membership] = []
    error: str = ""
    notice: str = ""

    def _reload(self, user_id: int) -> None:
        self.joined = orgs.memberships(student_id=user_id)

    @rx.event
    def load(self) -> EventSpec | None:
        opened = self._page_opened()
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        if opened:  # a reconnect or a reload keeps the notice
            self.error = self.notice = ""
        self._reload(user_id)
        return None

    @rx.event
    def join(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = self.notice = ""
        with self._showing_errors():
            name = orgs.join(
                student_id=user_id,
                code=str(form.get("code") or ""),
                share_tracker=form.get("share_tracker") in ("on", True, "true"),
                share_matches=form.get("share_matches") in ("on", True, "true"),
            )
            self.notice = f"You joined {name}. Its local scholarships are now part of your matches."
            self._reload(user_id)
            return rx.set_value("join-code-input", "")
        return None

    @rx.event
    def consent(self, org_id: int, what: str, value: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        current = next((j for j in self.joined if j.org_id == org_id), None)
        if current is None:
            self.error = "You are not a member of this organisation"
            return
        tracker = bool(value) if what == "tracker" else current.share_tracker
        matched = bool(value) if what == "matches" else current.share_matches
        with self._showing_errors():
            orgs.set_consent(
                student_id=user_id, org_id=org_id, share_tracker=tracker, share_matches=matched
            )
        self._reload(user_id)

    @rx.event
    def leave(self, org_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        with self._showing_errors():
            orgs.leave(student_id=user_id, org_id=org_id)
        self._reload(user_id)


def _membership(j: rx.Var[Membership]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.heading(j.name, size="3", as_="h3"),
            rx.spacer(),
            rx.button(
                "Leave",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=JoinState.leave(j.org_id),
            ),
            width="100%",
            align="center",
        ),
        rx.checkbox(
            "Counsellors may see my application progress",
            checked=j.share_tracker,
            on_change=lambda v: JoinState.consent(j.org_id, "tracker", v),
            size="3",
        ),
        rx.checkbox(
            "Counsellors may see which of our local scholarships I match",
            checked=j.share_matches,
            on_change=lambda v: JoinState.consent(j.org_id, "matches", v),
            size="3",
        ),
        width="100%",
    )


def join_page() -> rx.Component:
    return page(
        page_header(
            "Your school or foundation",
            "Join with the code your counsellor gives you to see its local scholarships.",
        ),
        error_callout(JoinState.error),
        rx.box(info_callout(JoinState.notice), role="status", width="100%"),
        rx.grid(
            rx.vstack(rx.foreach(JoinState.joined, _membership), spacing="3", width="100%"),
            rx.card(
                rx.form(
                    rx.vstack(
                        field(
                            "Join code",
                            rx.input(
                                name="code",
                                id="join-code-input",
                                required=True,
                                width="100%",
                                placeholder="ABCD-EFGH-JKLM",
                            ),
                            html_for="join-code-input",
                        ),
                        rx.checkbox(
                            "Let counsellors see my application progress",
                            name="share_tracker",
                            size="3",
                        ),
                        rx.checkbox(
                            "Let counsellors see which local scholarships I match",
                            name="share_matches",
                            size="3",
                        ),
                        rx.button("Join", type="submit"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=JoinState.join,
                    reset_on_submit=False,
                ),
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
    )
