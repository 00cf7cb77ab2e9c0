"""What a parent or counsellor sees of a student they follow (/shared/<grant>), read-only."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, page_header, plain_table
from scholarlink.core.clock import today
from scholarlink.services import sharing
from scholarlink.services.sharing import DeadlineLine, MatchLine, SharedEssay, TrackedLine
from scholarlink.state.session import SessionState, backend_url


@dataclasses.dataclass(frozen=True)
class SharedFile:
    filename: str
    url: str


class FollowedStudentState(SessionState):
    found: bool = False
    student: str = ""
    tracker: list[TrackedLine] = []
    matched: list[MatchLine] = []
    deadlines: list[DeadlineLine] = []
    essays: list[SharedEssay] = []
    files: list[SharedFile] = []
    error: str = ""

    @rx.event
    def load(self) -> EventSpec | None:
        viewer = self._user_id()
        if viewer is None:
            return self._sign_in_redirect()
        self.error = ""
        self.found = False
        self.tracker, self.matched, self.deadlines, self.essays, self.files = [], [], [], [], []
        grant = routes.row_id(self.router.page.params.get("gid")) or 0
        with self._showing_errors():
            view = sharing.overview(viewer_id=viewer, grant_id=grant, today=today())
            self.found, self.student = True, view.student
            self.tracker, self.matched, self.deadlines = view.tracker, view.matches, view.deadlines
            self.essays = view.essays
            self.files = [
                SharedFile(
                    filename=d.filename, url=backend_url(routes.shared_document(grant, d.id))
                )
                for d in view.documents
            ]
        return None


def _table(title: str, rows: Any, columns: list[tuple[str, str]]) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        rx.cond(
            rows.length() > 0, plain_table(rows, columns), rx.text("Nothing here yet.", size="2")
        ),
        width="100%",
        spacing="2",
    )


def followed_student_page() -> rx.Component:
    return page(
        rx.cond(
            FollowedStudentState.found,
            rx.vstack(
                page_header(FollowedStudentState.student, "Read-only: what they share with you."),
                _table(
                    "Applications",
                    FollowedStudentState.tracker,
                    [
                        ("Scholarship", "name"),
                        ("Status", "status"),
                        ("Progress %", "progress"),
                        ("Deadline", "deadline"),
                    ],
                ),
                _table(
                    "Upcoming deadlines",
                    FollowedStudentState.deadlines,
                    [("Scholarship", "name"), ("Date", "when")],
                ),
                _table(
                    "Matches",
                    FollowedStudentState.matched,
                    [("Scholarship", "name"), ("Chance", "chance"), ("Deadline", "deadline")],
                ),
                rx.heading("Shared essays", size="4", as_="h2"),
                rx.cond(
                    FollowedStudentState.essays.length() > 0,
                    rx.foreach(
                        FollowedStudentState.essays,
                        lambda e: rx.card(
                            rx.heading(e.title, size="3", as_="h3"),
                            rx.text(e.content, white_space="pre-wrap", size="2"),
                            width="100%",
                        ),
                    ),
                    rx.text("None shared.", size="2"),
                ),
                rx.heading("Shared documents", size="4", as_="h2"),
                rx.cond(
                    FollowedStudentState.files.length() > 0,
                    rx.foreach(
                        FollowedStudentState.files,
                        lambda d: rx.link(
                            d.filename,
                            href=d.url,
                            is_external=True,
                            text_decoration="underline",
                        ),
                    ),
                    rx.text("None shared.", size="2"),
                ),
                spacing="4",
                width="100%",
            ),
            rx.vstack(
                rx.heading("Nothing to see here", size="7", as_="h1"),
                error_callout(FollowedStudentState.error),
                rx.link("Students you follow", href=routes.SHARED, text_decoration="underline"),
                spacing="3",
            ),
        ),
    )
