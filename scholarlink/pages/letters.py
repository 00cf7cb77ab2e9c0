"""Recommendation letters: the student's requests (/letters). The recommender's side is
pages.letter_upload."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, error_callout, field, info_callout, page_header
from scholarlink.core.clock import today
from scholarlink.core.errors import ServiceError
from scholarlink.services import letters, mail
from scholarlink.state.session import SessionState, backend_url
from scholarlink.web_origins import app_base_url

STATUS_COLORS = {
    "requested": "gray",
    "opened": "blue",
    "received": "green",
    "declined": "red",
    "withdrawn": "gray",
}


@dataclasses.dataclass(frozen=True)
class LetterRow:
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


@dataclasses.dataclass(frozen=True)
class Choice:
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
        found = letters.letters_overview(student_id=user_id)
        self.apps = [Choice(value=str(a.application_id), label=a.name) for a in found.applications]
        if self.app_choice not in {a.value for a in self.apps}:
            self.app_choice = self.apps[0].value if self.apps else ""
        self.rows = [
            LetterRow(
                id=v.id,
                programme=v.programme,
                recommender=v.recommender,
                email=v.email,
                due=v.due,
                status=v.status,
                waived=v.waived,
                reusable=v.reusable,
                filename=v.filename,
                download=backend_url(routes.letter_download(v.id)) if v.readable else "",
                used_for=", ".join(v.used_for),
                can_withdraw=v.can_withdraw,
            )
            for v in found.letters
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
            mail_id = letters.request_letter(
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
        with self._showing_errors():
            letters.withdraw(student_id=user_id, letter_id=letter_id)
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
        with self._showing_errors():
            letters.reuse(student_id=user_id, letter_id=letter_id, application_id=int(choice))
            self.notice = "The letter is now attached to that application too."
            self._reload(user_id)


def _letter(row: LetterRow) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.heading(row.programme, size="3", as_="h3"),
            rx.spacer(),
            rx.badge(
                row.status.capitalize(),
                color_scheme=rx.match(
                    row.status,
                    *[(k, v) for k, v in STATUS_COLORS.items()],
                    "gray",
                ),
                variant="soft",
            ),
            width="100%",
            align="center",
        ),
        rx.text(row.recommender, " · ", row.email, " · due ", row.due, size="2"),
        rx.cond(
            row.waived,
            rx.text(
                "You waived access: you see that it arrived, never its content.",
                size="1",
                color=rx.color("gray", 11),
            ),
        ),
        rx.cond(
            row.used_for != "",
            rx.text("Also used for: ", row.used_for, size="1", color=rx.color("gray", 11)),
        ),
        rx.hstack(
            rx.cond(
                row.download != "",
                rx.link(
                    "Download the letter",
                    href=row.download,
                    is_external=True,
                    text_decoration="underline",
                    size="2",
                ),
            ),
            rx.cond(
                row.can_withdraw,
                rx.button(
                    "Withdraw the request",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=LettersState.withdraw(row.id),
                ),
            ),
            spacing="3",
            align="center",
            margin_top="0.5rem",
        ),
        rx.cond(
            row.reusable,
            rx.hstack(
                rx.el.label(rx.text("Use for", size="2"), html_for=f"reuse-{row.id}"),
                rx.el.select(
                    rx.el.option("Choose an application", value=""),
                    rx.foreach(LettersState.apps, lambda a: rx.el.option(a.label, value=a.value)),
                    id=f"reuse-{row.id}",
                    on_change=lambda v: LettersState.set_reuse(row.id, v),
                    style={"padding": "0.3rem", "borderRadius": "6px"},
                ),
                rx.button("Attach", size="1", on_click=LettersState.reuse(row.id)),
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
                                lambda a: rx.el.option(a.label, value=a.value),
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
