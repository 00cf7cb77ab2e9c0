"""The recommender's page for one letter (/letters/upload?letter=…&token=…): no account, the
signed link in the mail is checked on every event."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import error_callout, info_callout, named_file_input
from scholarlink.core.errors import ServiceError
from scholarlink.core.settings import get_settings
from scholarlink.services import documents, letters
from scholarlink.state.session import SessionState

UPLOAD_ID = "letter-upload"


class LetterUploadState(SessionState):
    """No account needed: every event re-checks the signed link from the URL (SessionState only
    for the argument checks every handler gets and the navigation bar)."""

    found: bool = False
    student: str = ""
    programme: str = ""
    due: str = ""
    note: str = ""
    waived: bool = False
    status: str = ""
    error: str = ""
    notice: str = ""
    reusable: bool = False

    def _link(self) -> tuple[int, str]:
        params = self.router.url.query_parameters
        return routes.row_id(params.get("letter")) or 0, str(params.get("token") or "")[:64]

    @rx.event
    def load(self) -> None:
        if self._page_opened():  # a reconnect or a reload keeps "received"
            self.error = self.notice = ""
        letter_id, token = self._link()
        try:
            info = letters.open_link(letter_id=letter_id, token=token)
        except ServiceError as exc:
            self.found, self.error = False, exc.message
            return
        self.found = True
        self.student, self.programme, self.due = info.student, info.programme, info.due
        self.note, self.waived, self.status = info.note, info.waived, info.status

    @rx.event
    def set_reusable(self, value: bool) -> None:
        self.reusable = bool(value)

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]) -> Any:
        self.error = self.notice = ""
        letter_id, token = self._link()
        if len(files) != 1:
            self.error = "Choose one file: your letter."
            return rx.clear_selected_files(UPLOAD_ID)
        limit = get_settings().upload_max_bytes
        file = files[0]
        try:
            if file.size is not None:
                documents.check_size(file.size)
            data = await file.read(limit + 1)
            await asyncio.to_thread(
                letters.upload,
                letter_id=letter_id,
                token=token,
                filename=file.filename,
                data=data,
                reusable=self.reusable,
            )
        except ServiceError as exc:
            self.error = exc.message
            return rx.clear_selected_files(UPLOAD_ID)
        self.status = "received"
        self.notice = f"Thank you — your letter has reached {self.student}'s ScholarLink account."
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def decline(self) -> None:
        letter_id, token = self._link()
        try:
            letters.decline(letter_id=letter_id, token=token)
        except ServiceError as exc:
            self.error = exc.message
            return
        self.status = "declined"
        self.notice = f"Thank you for letting us know; {self.student} has been told."


def letter_upload_page() -> rx.Component:
    limit = documents.human_size(get_settings().upload_max_bytes)
    return page(
        rx.vstack(
            rx.heading("A recommendation letter", size="7", as_="h1"),
            error_callout(LetterUploadState.error),
            rx.box(info_callout(LetterUploadState.notice), role="status", width="100%"),
            rx.cond(
                LetterUploadState.found,
                rx.card(
                    rx.text(
                        rx.text.strong(LetterUploadState.student),
                        " asks you for a letter for ",
                        rx.text.strong(LetterUploadState.programme),
                        ", due ",
                        LetterUploadState.due,
                        ".",
                    ),
                    rx.cond(
                        LetterUploadState.note != "",
                        rx.blockquote(LetterUploadState.note, size="2", margin_y="0.75rem"),
                    ),
                    rx.text(
                        rx.cond(
                            LetterUploadState.waived,
                            "The student waived the right to read your letter: it stays "
                            "confidential.",
                            "The student has not waived the right to read your letter.",
                        ),
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    rx.cond(
                        (LetterUploadState.status == "received")
                        | (LetterUploadState.status == "declined"),
                        rx.text("Nothing more to do here.", margin_top="1rem"),
                        rx.vstack(
                            named_file_input(
                                rx.upload(
                                    rx.vstack(
                                        rx.icon("upload", size=28, color=rx.color("accent", 10)),
                                        rx.text(
                                            "Drop your letter here or click to choose",
                                            weight="medium",
                                        ),
                                        rx.text(
                                            f"{documents.ACCEPTED_TEXT}, up to {limit}", size="1"
                                        ),
                                        align="center",
                                        spacing="1",
                                    ),
                                    id=UPLOAD_ID,
                                    multiple=False,
                                    max_files=1,
                                    border=f"1px dashed {rx.color('gray', 7)}",
                                    border_radius="12px",
                                    padding="1.5rem",
                                    width="100%",
                                ),
                                "Your letter",
                            ),
                            rx.foreach(
                                rx.selected_files(UPLOAD_ID), lambda n: rx.text(n, size="2")
                            ),
                            rx.checkbox(
                                "The student may use this letter for other scholarship "
                                "applications",
                                checked=LetterUploadState.reusable,
                                on_change=LetterUploadState.set_reusable,
                                size="3",
                            ),
                            rx.hstack(
                                rx.button(
                                    "Upload the letter",
                                    on_click=LetterUploadState.handle_upload(
                                        rx.upload_files(upload_id=UPLOAD_ID)
                                    ),
                                ),
                                rx.button(
                                    "I cannot write this letter",
                                    variant="soft",
                                    color_scheme="gray",
                                    on_click=LetterUploadState.decline,
                                ),
                                spacing="3",
                            ),
                            spacing="3",
                            width="100%",
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
