"""Recommendation letters: the student's requests (/letters) and the recommender's upload page
(/letters/upload, no account: the signed link in the mail)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, TypedDict

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import (
    empty_state,
    error_callout,
    field,
    info_callout,
    named_file_input,
    page_header,
)
from scholarlink.core.db import session_scope
from scholarlink.core.errors import ServiceError
from scholarlink.core.settings import get_settings
from scholarlink.services import applications, documents, letters, mail
from scholarlink.services.matches import today
from scholarlink.state.session import SessionState, backend_url
from scholarlink.web_origins import app_base_url

UPLOAD_ID = "letter-upload"
STATUS_COLORS = {
    "requested": "gray",
    "opened": "blue",
    "received": "green",
    "declined": "red",
    "withdrawn": "gray",
}


class LetterRow(TypedDict):
    id: int
    programme: str
    recommender: str
    email: str
    due: str
    status: str
    waived: bool
    reusable: bool
    filename: str
    download: str
    used_for: str
    can_withdraw: bool


class Choice(TypedDict):
    value: str
    label: str


class LettersState(SessionState):
    rows: list[LetterRow] = []
    apps: list[Choice] = []
    app_choice: str = ""
    reuse_choice: dict[str, str] = {}
    errors: dict[str, str] = {}
    error: str = ""
    notice: str = ""

    def _reload(self, user_id: int) -> None:
        with session_scope() as session:
            found = letters.letters_for(session, student_id=user_id)
            tracked = applications.list_applications(session, user_id=user_id)
        self.apps = [Choice(value=str(t.application.id), label=t.scholarship.name) for t in tracked]
        if self.app_choice not in {a["value"] for a in self.apps}:
            self.app_choice = self.apps[0]["value"] if self.apps else ""
        self.rows = [
            LetterRow(
                id=v.id,
                programme=v.programme,
                recommender=v.recommender,
                email=v.email,
                due=v.due,
                status=v.status,
                waived=v.waived,
                reusable=v.reusable and v.status == "received",
                filename=v.filename,
                download=(
                    backend_url(f"/api/letters/{v.id}/download")
                    if v.status == "received" and not v.waived
                    else ""
                ),
                used_for=", ".join(v.used_for),
                can_withdraw=v.status in ("requested", "opened"),
            )
            for v in found
        ]

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.notice, self.errors = "", "", {}
        self._reload(user_id)
        return None

    @rx.event
    def set_app_choice(self, value: str) -> None:
        self.app_choice = str(value)[:12]

    @rx.event
    def request(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.notice, self.errors = "", "", {}
        try:
            due = date.fromisoformat(str(form.get("due_on") or ""))
        except ValueError:
            self.errors = {"due_on": "a date"}
            return None
        if not self.app_choice.isdigit():
            self.errors = {"application": "choose an application"}
            return None
        try:
            with session_scope() as session:
                mail_id = letters.request_letter(
                    session,
                    student_id=user_id,
                    application_id=int(self.app_choice),
                    name=str(form.get("name") or ""),
                    email=str(form.get("email") or ""),
                    due_on=due,
                    note=str(form.get("note") or ""),
                    waived=form.get("waived") in ("on", True, "true"),
                    upload_url=app_base_url() + routes.LETTER_UPLOAD,
                    today=today(),
                )
        except ServiceError as exc:
            self.error = exc.message
            self.errors = {
                d["field"]: d["message"] for d in (exc.details or []) if isinstance(d, dict)
            }
            return None
        mail.send_now(mail_id)
        self.notice = "Request sent. You will see here when it is opened and when it arrives."
        self._reload(user_id)
        return rx.set_value("letter-name", "")

    @rx.event
    def withdraw(self, letter_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self._in_session(lambda s: letters.withdraw(s, student_id=user_id, letter_id=letter_id))
        self._reload(user_id)

    @rx.event
    def set_reuse(self, letter_id: int, value: str) -> None:
        self.reuse_choice = {**self.reuse_choice, str(letter_id): str(value)[:12]}

    @rx.event
    def reuse(self, letter_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        choice = self.reuse_choice.get(str(letter_id), "")
        self.error = self.notice = ""
        if not choice.isdigit():
            self.error = "Choose the application to use the letter for."
            return
        try:
            with session_scope() as session:
                letters.reuse(
                    session, student_id=user_id, letter_id=letter_id, application_id=int(choice)
                )
        except ServiceError as exc:
            self.error = exc.message
            return
        self.notice = "The letter is now attached to that application too."
        self._reload(user_id)


def _letter(row: LetterRow) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.heading(row["programme"], size="3", as_="h3"),
            rx.spacer(),
            rx.badge(
                row["status"].capitalize(),
                color_scheme=rx.match(
                    row["status"],
                    *[(k, v) for k, v in STATUS_COLORS.items()],
                    "gray",
                ),
                variant="soft",
            ),
            width="100%",
            align="center",
        ),
        rx.text(row["recommender"], " · ", row["email"], " · due ", row["due"], size="2"),
        rx.cond(
            row["waived"],
            rx.text(
                "You waived access: you see that it arrived, never its content.",
                size="1",
                color=rx.color("gray", 11),
            ),
        ),
        rx.cond(
            row["used_for"] != "",
            rx.text("Also used for: ", row["used_for"], size="1", color=rx.color("gray", 11)),
        ),
        rx.hstack(
            rx.cond(
                row["download"] != "",
                rx.link(
                    "Download the letter",
                    href=row["download"],
                    is_external=True,
                    text_decoration="underline",
                    size="2",
                ),
            ),
            rx.cond(
                row["can_withdraw"],
                rx.button(
                    "Withdraw the request",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=LettersState.withdraw(row["id"]),
                ),
            ),
            spacing="3",
            align="center",
            margin_top="0.5rem",
        ),
        rx.cond(
            row["reusable"],
            rx.hstack(
                rx.el.label(rx.text("Use for", size="2"), html_for=f"reuse-{row['id']}"),
                rx.el.select(
                    rx.el.option("Choose an application", value=""),
                    rx.foreach(
                        LettersState.apps, lambda a: rx.el.option(a["label"], value=a["value"])
                    ),
                    id=f"reuse-{row['id']}",
                    on_change=lambda v: LettersState.set_reuse(row["id"], v),
                    style={"padding": "0.3rem", "borderRadius": "6px"},
                ),
                rx.button("Attach", size="1", on_click=LettersState.reuse(row["id"])),
                spacing="2",
                align="center",
                margin_top="0.5rem",
            ),
        ),
        width="100%",
    )


def _request_form() -> rx.Component:
    def _input(label: str, name: str, **props: Any) -> rx.Component:
        return field(
            label,
            rx.input(name=name, id=f"letter-{name}", width="100%", **props),
            error=LettersState.errors.get(name, ""),
            html_for=f"letter-{name}",
        )

    return rx.card(
        rx.heading("Ask for a letter", size="4", as_="h2"),
        rx.cond(
            LettersState.apps.length() > 0,
            rx.form(
                rx.vstack(
                    field(
                        "For the application",
                        rx.el.select(
                            rx.foreach(
                                LettersState.apps,
                                lambda a: rx.el.option(a["label"], value=a["value"]),
                            ),
                            id="letter-application",
                            value=LettersState.app_choice,
                            on_change=LettersState.set_app_choice,
                            style={"padding": "0.4rem", "borderRadius": "6px", "width": "100%"},
                        ),
                        error=LettersState.errors.get("application", ""),
                        html_for="letter-application",
                    ),
                    _input("Recommender's name", "name", required=True),
                    _input("Recommender's e-mail", "email", type="email", required=True),
                    _input("Due date", "due_on", type="date", required=True),
                    field(
                        "Note to the recommender (optional)",
                        rx.text_area(name="note", id="letter-note", max_length=1000, width="100%"),
                        error=LettersState.errors.get("note", ""),
                        html_for="letter-note",
                    ),
                    rx.checkbox(
                        "I waive my right to read this letter (most programmes prefer it)",
                        name="waived",
                        default_checked=True,
                        size="3",
                    ),
                    rx.button("Send the request", type="submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LettersState.request,
                reset_on_submit=True,
                width="100%",
            ),
            rx.text(
                "Track an application first; letters are asked for one application at a time.",
                size="2",
            ),
        ),
        width="100%",
    )


def letters_page() -> rx.Component:
    return page(
        page_header(
            "Recommendation letters",
            "Ask recommenders for letters; they upload them through a private link, no account "
            "needed.",
        ),
        error_callout(LettersState.error),
        rx.box(info_callout(LettersState.notice), role="status", width="100%"),
        rx.grid(
            rx.vstack(
                rx.cond(
                    LettersState.rows.length() > 0,
                    rx.vstack(rx.foreach(LettersState.rows, _letter), spacing="3", width="100%"),
                    empty_state("mail", "No letters yet", "Ask a teacher, coach or employer."),
                ),
                width="100%",
            ),
            _request_form(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
    )


# -- the recommender's page -------------------------------------------------------------------


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
        raw = str(params.get("letter") or "")
        return (int(raw) if raw.isdigit() and len(raw) < 11 else 0), str(params.get("token") or "")[
            :64
        ]

    @rx.event
    def load(self) -> None:
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
