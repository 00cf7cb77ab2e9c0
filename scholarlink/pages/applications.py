"""The application tracker: a board by status; moves follow the allowed transitions."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.format import deadline_text, money, urgency
from scholarlink.components.layout import page
from scholarlink.components.ui import (
    RETURN_FOCUS,
    empty_state,
    error_callout,
    field,
    info_callout,
    page_header,
    status_badge,
)
from scholarlink.core.clock import today
from scholarlink.core.errors import ServiceError
from scholarlink.services import applications as svc
from scholarlink.state.session import SessionState


@dataclasses.dataclass(frozen=True)
class Move:
    """A status the application may move to next."""

    value: str
    label: str


@dataclasses.dataclass(frozen=True)
class Card:
    id: int
    scholarship_id: int
    name: str
    amount: str
    status: str
    status_label: str
    progress: int
    notes: str
    outcome: str
    amount_won: str
    deadline: str
    countdown: str
    urgency: str
    next: list[Move]


@dataclasses.dataclass(frozen=True)
class Column:
    status: str
    label: str
    cards: list[Card]


def _card(a: svc.ApplicationCard, day: date) -> Card:
    date_label, countdown, days = deadline_text(a.deadline, day, a.deadline_kind)
    return Card(
        id=a.id,
        scholarship_id=a.scholarship_id,
        name=a.name,
        amount=money(a.amount_min, a.amount_max),
        status=a.status,
        status_label=svc.STATUSES[a.status],
        progress=a.progress,
        notes=a.notes,
        outcome=a.outcome,
        amount_won="" if a.amount_won is None else str(a.amount_won),
        deadline=date_label,
        countdown=countdown,
        urgency=urgency(days),
        next=[
            Move(value=n, label=svc.STATUSES[n])
            for n in sorted(svc.TRANSITIONS[a.status], key=list(svc.STATUSES).index)
        ],
    )


class ApplicationsState(SessionState):
    columns: list[Column] = []
    count: int = 0
    error: str = ""
    notice: str = ""
    editing: int = -1
    edit_progress: str = "0"
    edit_notes: str = ""
    edit_outcome: str = ""
    edit_amount: str = ""
    edit_status: str = ""
    edit_errors: dict[str, str] = {}
    adding: bool = False
    find_errors: dict[str, str] = {}

    def _reload(self, user_id: int) -> None:
        day = today()
        cards = [_card(a, day) for a in svc.board(user_id=user_id, today=day)]
        self.count = len(cards)
        self.columns = [
            Column(status=key, label=label, cards=[c for c in cards if c.status == key])
            for key, label in svc.STATUSES.items()
        ]

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.notice, self.editing = "", "", -1
        self._reload(user_id)
        return None

    @rx.event
    def add_own_find(self, form: dict[str, Any]) -> None:
        """Track a scholarship found elsewhere (visible to this student only)."""
        user_id = self._user_id()
        if user_id is None:
            return
        self.error, self.notice, self.find_errors = "", "", {}
        raw_deadline = str(form.get("deadline") or "").strip()
        raw_amount = str(form.get("amount") or "").replace(",", "").replace("$", "").strip()
        errors = {}
        try:
            deadline = date.fromisoformat(raw_deadline) if raw_deadline else None
        except ValueError:
            deadline, errors["deadline"] = None, "a date"
        amount = int(raw_amount) if raw_amount.isdigit() and len(raw_amount) < 9 else None
        if raw_amount and amount is None:
            errors["amount"] = "a whole number of dollars"
        if errors:
            self.find_errors = errors
            return
        try:
            svc.add_own_find(
                user_id=user_id,
                name=str(form.get("name") or ""),
                url=str(form.get("url") or ""),
                deadline=deadline,
                amount=amount,
                today=today(),
            )
        except ServiceError as exc:
            self.error = exc.message
            self.find_errors = {
                d["field"]: d["message"] for d in (exc.details or []) if isinstance(d, dict)
            }
            return
        self.adding = False
        self.notice = "Added to your tracker. Reminders come as for any other application."
        self._reload(user_id)

    @rx.event
    def set_adding(self, value: bool) -> None:
        self.adding, self.find_errors = bool(value), {}

    @rx.event
    def move(self, application_id: int, status: str) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self.error = ""
        with self._showing_errors():
            moved = svc.move(user_id=user_id, application_id=application_id, status=status)
            self.notice = f"Moved to {svc.STATUSES[moved.status]}."
        self._reload(user_id)

    @rx.event
    def open_edit(self, application_id: int) -> Any:
        # Only the id is taken from the browser; the values come from this page's own list.
        found = next((c for col in self.columns for c in col.cards if c.id == application_id), None)
        if found is None:
            return rx.toast.error("That application is not on your board.")
        self.editing = found.id
        self.edit_progress = str(found.progress)
        self.edit_notes = found.notes
        self.edit_outcome = found.outcome
        self.edit_amount = found.amount_won
        self.edit_status = found.status
        self.edit_errors = {}

    @rx.event
    def close_edit(self) -> None:
        self.editing = -1

    @rx.event
    def set_edit(self, name: str, value: str) -> None:
        if name in ("edit_progress", "edit_notes", "edit_outcome", "edit_amount"):
            setattr(self, name, value)

    @rx.event
    def save_edit(self) -> None:
        user_id = self._user_id()
        if user_id is None or self.editing < 0:
            return
        errors: dict[str, str] = {}
        progress = int(self.edit_progress) if self.edit_progress.strip().isdigit() else None
        if progress is None:
            errors["progress"] = "A whole number from 0 to 100"
        amount: int | None = None
        if self.edit_amount.strip():
            cleaned = self.edit_amount.replace(",", "").replace("$", "").strip()
            if cleaned.isdigit():
                amount = int(cleaned)
            else:
                errors["amount_won"] = "A whole number of dollars"
        if errors:
            self.edit_errors = errors
            return
        try:
            svc.update_details(
                user_id=user_id,
                application_id=self.editing,
                progress=progress,
                notes=self.edit_notes,
                outcome=self.edit_outcome,
                amount_won=amount,
            )
        except ServiceError as exc:
            self.edit_errors = {
                str(d["field"]): str(d["message"]) for d in (exc.details or [])
            } or {"form": exc.message}
            return
        self.editing = -1
        self.notice = "Saved."
        self._reload(user_id)

    @rx.event
    def remove(self, application_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        with self._showing_errors():
            svc.delete(user_id=user_id, application_id=application_id)
            self.notice = "Application removed."
        self._reload(user_id)


def _app_card(a: rx.Var[Card]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(
                rx.text(a.name, weight="bold", size="2"),
                href=routes.SCHOLARSHIPS + "/" + a.scholarship_id.to_string(),
                color="inherit",
            ),
            rx.hstack(
                rx.badge(a.amount, variant="soft"),
                rx.badge(a.countdown, color_scheme=a.urgency),
                wrap="wrap",
                spacing="1",
            ),
            rx.progress(value=a.progress, width="100%", aria_label="Progress"),
            rx.text(a.progress.to_string() + "% done", size="1", color=rx.color("gray", 11)),
            rx.cond(
                a.outcome != "",
                rx.text("Outcome: ", a.outcome, size="1"),
                rx.fragment(),
            ),
            rx.cond(
                a.amount_won != "",
                rx.text(
                    "Won $", a.amount_won, size="1", color=rx.color("green", 11), weight="bold"
                ),
                rx.fragment(),
            ),
            rx.hstack(
                rx.foreach(
                    a.next,
                    lambda n: rx.button(
                        "→ ",
                        n.label,
                        size="1",
                        variant="soft",
                        on_click=ApplicationsState.move(a.id, n.value),
                    ),
                ),
                wrap="wrap",
                spacing="1",
            ),
            rx.hstack(
                rx.button(
                    "Details", size="1", variant="ghost", on_click=ApplicationsState.open_edit(a.id)
                ),
                rx.button(
                    "Remove",
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=ApplicationsState.remove(a.id),
                ),
                spacing="1",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _column(col: rx.Var[Column]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            status_badge(col.status, col.label),
            rx.text(col.cards.length(), size="1", color=rx.color("gray", 11)),
            align="center",
        ),
        rx.foreach(col.cards, _app_card),
        spacing="2",
        width="100%",
        min_width="14rem",
        padding="0.5rem",
        border_radius="12px",
        background=rx.color("gray", 2),
        aria_label=col.label,
    )


def _edit_dialog() -> rx.Component:
    e = ApplicationsState.edit_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Application details"),
            rx.vstack(
                rx.el.label("Progress (%)", html_for="edit-progress"),
                rx.input(
                    id="edit-progress",
                    value=ApplicationsState.edit_progress,
                    on_change=lambda v: ApplicationsState.set_edit("edit_progress", v),
                    input_mode="numeric",
                ),
                rx.cond(
                    e.contains("progress"),
                    rx.text(e["progress"], color=rx.color("red", 11), size="1"),
                    rx.fragment(),
                ),
                rx.el.label("Notes", html_for="edit-notes"),
                rx.text_area(
                    id="edit-notes",
                    value=ApplicationsState.edit_notes,
                    on_change=lambda v: ApplicationsState.set_edit("edit_notes", v),
                    rows="4",
                ),
                rx.el.label("Outcome", html_for="edit-outcome"),
                rx.input(
                    id="edit-outcome",
                    value=ApplicationsState.edit_outcome,
                    on_change=lambda v: ApplicationsState.set_edit("edit_outcome", v),
                    placeholder="e.g. Finalist",
                ),
                rx.cond(
                    ApplicationsState.edit_status == "accepted",
                    rx.vstack(
                        rx.el.label("Amount won ($)", html_for="edit-amount"),
                        rx.input(
                            id="edit-amount",
                            value=ApplicationsState.edit_amount,
                            on_change=lambda v: ApplicationsState.set_edit("edit_amount", v),
                            input_mode="numeric",
                        ),
                        width="100%",
                    ),
                    rx.fragment(),
                ),
                rx.cond(
                    e.contains("amount_won"),
                    rx.text(e["amount_won"], color=rx.color("red", 11), size="1"),
                    rx.fragment(),
                ),
                rx.cond(
                    e.contains("form"),
                    rx.text(e["form"], color=rx.color("red", 11), size="1"),
                    rx.fragment(),
                ),
                rx.hstack(
                    rx.button(
                        "Cancel",
                        variant="soft",
                        color_scheme="gray",
                        on_click=ApplicationsState.close_edit,
                    ),
                    rx.button("Save", on_click=ApplicationsState.save_edit),
                    justify="end",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            on_close_auto_focus=RETURN_FOCUS,
        ),
        open=ApplicationsState.editing >= 0,
    )


def _own_find_dialog() -> rx.Component:
    def _field(label: str, name: str, **props: Any) -> rx.Component:
        return field(
            label,
            rx.input(name=name, id=f"find-{name}", width="100%", **props),
            error=ApplicationsState.find_errors.get(name, ""),
            html_for=f"find-{name}",
        )

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add a scholarship you found"),
            rx.dialog.description(
                "Track a programme from your school, a local club or anywhere else. Only you see "
                "it; we check its link like any other and remind you of its deadline.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    _field("Name", "name", required=True),
                    _field(
                        "Link to its official page",
                        "url",
                        type="url",
                        required=True,
                        placeholder="https://",
                    ),
                    _field("Deadline (leave empty if it varies)", "deadline", type="date"),
                    _field("Amount in dollars (optional)", "amount", input_mode="numeric"),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Add to my tracker", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=ApplicationsState.add_own_find,
                reset_on_submit=False,
            ),
        ),
        open=ApplicationsState.adding,
        on_open_change=ApplicationsState.set_adding,
    )


def applications_page() -> rx.Component:
    return page(
        page_header(
            "Applications",
            f"{ApplicationsState.count} tracked",
            rx.link(rx.button(rx.icon("plus", size=16), "Find more"), href=routes.SCHOLARSHIPS),
            rx.button(
                rx.icon("link", size=16),
                "Add one you found",
                variant="soft",
                on_click=ApplicationsState.set_adding(True),
            ),
            rx.link(
                rx.button(rx.icon("mail", size=16), "Letters", variant="soft"), href=routes.LETTERS
            ),
        ),
        error_callout(ApplicationsState.error),
        info_callout(ApplicationsState.notice),
        rx.cond(
            ApplicationsState.count > 0,
            rx.box(
                rx.grid(
                    rx.foreach(ApplicationsState.columns, _column),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3", xl="6"),
                    spacing="3",
                    width="100%",
                ),
                width="100%",
                margin_top="1rem",
            ),
            empty_state(
                "clipboard-list",
                "No applications yet",
                "Start one from a scholarship or one of your matches.",
                rx.link(rx.button("Browse scholarships"), href=routes.SCHOLARSHIPS),
            ),
        ),
        _edit_dialog(),
        _own_find_dialog(),
        max_width="90rem",
    )
