"""Sharing: the student invites a parent or counsellor and decides what each sees (/sharing).
The invitee's side: pages.shared_accept, pages.following, pages.followed_student."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, field, info_callout, page_header, plain_table
from scholarlink.services import mail, sharing
from scholarlink.services.sharing import LookPublic, PendingInvite, PersonPublic, ShareToggle
from scholarlink.state.session import SessionState
from scholarlink.web_origins import app_base_url


class SharingState(SessionState):
    people: list[PersonPublic] = []
    invites: list[PendingInvite] = []
    log: list[LookPublic] = []
    role: str = "parent"
    error: str = ""
    notice: str = ""

    def _reload(self, user_id: int) -> None:
        view = sharing.sharing_overview(student_id=user_id)
        self.people, self.invites, self.log = view.people, view.invites, view.log

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
    def set_role(self, value: str) -> None:
        self.role = str(value)[:20]

    @rx.event
    def invite(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = self.notice = ""
        with self._showing_errors():
            mail_id = sharing.invite(
                student_id=user_id,
                email=str(form.get("email") or ""),
                role=self.role,
                accept_url=app_base_url() + routes.SHARED_ACCEPT,
            )
            mail.send_now(mail_id)
            self.notice = "Invitation sent. It works for 14 days, for that address only."
            self._reload(user_id)
            return rx.set_value("invite-email", "")
        return None

    @rx.event
    def revoke(self, grant_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        with self._showing_errors():
            sharing.revoke_grant(student_id=user_id, grant_id=grant_id)
            self.notice = "Access ended."
        self._reload(user_id)

    @rx.event
    def withdraw(self, invitation_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        with self._showing_errors():
            sharing.revoke_invitation(student_id=user_id, invitation_id=invitation_id)
        self._reload(user_id)

    @rx.event
    def toggle(self, grant_id: int, kind: str, item_id: int, value: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        with self._showing_errors():
            sharing.set_shared(
                student_id=user_id,
                grant_id=grant_id,
                kind=kind,
                item_id=item_id,
                shared=bool(value),
            )
        self._reload(user_id)


def _toggle(grant_id: rx.Var[int], item: rx.Var[ShareToggle]) -> rx.Component:
    return rx.checkbox(
        item.label,
        checked=item.shared,
        on_change=lambda v: SharingState.toggle(grant_id, item.kind, item.id, v),
        size="3",
    )


def _person(p: rx.Var[PersonPublic]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.heading(p.name, size="3", as_="h3"),
                rx.text(
                    p.role,
                    " · ",
                    p.email,
                    " · since ",
                    p.since,
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                p.active,
                rx.button(
                    "Revoke access",
                    color_scheme="red",
                    variant="soft",
                    size="2",
                    on_click=SharingState.revoke(p.grant_id),
                ),
                rx.badge("Access ended", color_scheme="gray"),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            p.active,
            rx.vstack(
                rx.text(
                    "They see your matches, tracker and deadlines. Also share:",
                    size="2",
                    margin_top="0.5rem",
                ),
                rx.foreach(p.toggles, lambda i: _toggle(p.grant_id, i)),
                spacing="1",
            ),
        ),
        width="100%",
    )


def sharing_page() -> rx.Component:
    return page(
        page_header(
            "Sharing",
            "Let a parent or counsellor follow your applications. They only read; you decide "
            "which essays and documents they see, and every look is in the log below.",
        ),
        error_callout(SharingState.error),
        rx.box(info_callout(SharingState.notice), role="status", width="100%"),
        rx.grid(
            rx.vstack(
                rx.heading("Who can see your progress", size="4", as_="h2"),
                rx.cond(
                    SharingState.people.length() > 0,
                    rx.vstack(rx.foreach(SharingState.people, _person), spacing="3", width="100%"),
                    rx.text("Nobody yet.", size="2"),
                ),
                rx.cond(
                    SharingState.invites.length() > 0,
                    rx.vstack(
                        rx.heading("Invitations waiting", size="3", as_="h2"),
                        rx.foreach(
                            SharingState.invites,
                            lambda i: rx.hstack(
                                rx.text(
                                    i.email,
                                    " (",
                                    i.role,
                                    ", until ",
                                    i.expires,
                                    ")",
                                    size="2",
                                ),
                                rx.button(
                                    "Withdraw",
                                    size="1",
                                    variant="soft",
                                    on_click=SharingState.withdraw(i.invitation_id),
                                ),
                                align="center",
                            ),
                        ),
                        spacing="2",
                    ),
                ),
                rx.heading("Who looked", size="4", as_="h2", margin_top="1rem"),
                rx.cond(
                    SharingState.log.length() > 0,
                    plain_table(
                        SharingState.log, [("Who", "who"), ("What", "what"), ("When", "at")]
                    ),
                    rx.text("No views yet.", size="2"),
                ),
                spacing="3",
                width="100%",
            ),
            rx.card(
                rx.heading("Invite someone", size="4", as_="h2"),
                rx.form(
                    rx.vstack(
                        field(
                            "Their e-mail",
                            rx.input(
                                name="email",
                                id="invite-email",
                                type="email",
                                required=True,
                                width="100%",
                            ),
                            html_for="invite-email",
                        ),
                        rx.el.fieldset(
                            rx.el.legend(rx.text("They are your", size="2", weight="medium")),
                            rx.radio_group.root(
                                rx.hstack(
                                    rx.radio_group.item("Parent or guardian", value="parent"),
                                    rx.radio_group.item("Counsellor", value="counsellor"),
                                    spacing="4",
                                ),
                                value=SharingState.role,
                                on_change=SharingState.set_role,
                            ),
                            border="none",
                            padding="0",
                            margin="0",
                        ),
                        rx.button("Send the invitation", type="submit"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=SharingState.invite,
                    reset_on_submit=False,
                    width="100%",
                ),
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
    )
