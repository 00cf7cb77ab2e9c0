"""The students someone follows (/shared), each a link to what that student shares with them."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, page_header
from scholarlink.services import sharing
from scholarlink.services.sharing import Followed
from scholarlink.state.session import SessionState


class FollowingState(SessionState):
    following: list[Followed] = []

    @rx.event
    def load(self) -> EventSpec | None:
        viewer = self._user_id()
        if viewer is None:
            return self._sign_in_redirect()
        self.following = sharing.followed(viewer_id=viewer)
        return None


def following_page() -> rx.Component:
    return page(
        page_header("Students you follow", "Read-only, for as long as each student allows it."),
        rx.cond(
            FollowingState.following.length() > 0,
            rx.vstack(
                rx.foreach(
                    FollowingState.following,
                    lambda f: rx.link(
                        rx.card(
                            rx.text(rx.text.strong(f.student), " — you are their ", f.role.lower()),
                            width="100%",
                        ),
                        href=routes.followed_student(f.grant_id.to_string()),
                        underline="none",
                        width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            empty_state("users", "Nobody yet", "A student's invitation brings you here."),
        ),
    )
