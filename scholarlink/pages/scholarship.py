"""One scholarship: its facts with their sources, the student's eligibility rule by rule for the
cycle they apply in (requirements to confirm answered on the spot), a credibility signal, and
"Report a problem"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.format import criterion_label
from scholarlink.components.layout import page
from scholarlink.components.ui import (
    empty_state,
    error_callout,
    info_callout,
    status_badge,
    yes_no_buttons,
)
from scholarlink.core.clock import today
from scholarlink.core.errors import NotFound, ServiceError
from scholarlink.pages.scholarships import ScholarshipCard, scholarship_card_of
from scholarlink.services import applications, catalogue, eligibility
from scholarlink.services.matches import CyclePublic
from scholarlink.state.session import SessionState


@dataclass
class Detail(ScholarshipCard):
    url: str
    renewable: str
    awards: str


@dataclass
class CriterionRow:
    status: str
    detail: str
    label: str
    field: str
    question: str
    confirmable: bool


@dataclass
class SourceLink:
    url: str
    publisher: str


def _detail_beside(detail: str, question: str | None) -> str:
    """A verdict's detail, unless it only repeats the question printed with its Yes/No buttons."""
    if question and detail == question.rstrip("?"):
        return ""
    return detail


def _cycle_text(cycle: CyclePublic) -> str:
    fmt = "%b %-d, %Y"
    parts = []
    if cycle.state == "opens_later" and cycle.opens:
        parts.append(f"Opens {cycle.opens.strftime(fmt)}")
    if cycle.deadline:
        parts.append(f"due {cycle.deadline.strftime(fmt)}")
    else:
        parts.append("rolling deadline" if cycle.kind == "rolling" else "dates vary")
    text = "Your cycle: " + ", ".join(parts)
    if cycle.for_graduation_year:
        text += f" (for the class of {cycle.for_graduation_year})"
    if cycle.projected and cycle.read_for:
        text += f" — expected from the {cycle.read_for} cycle's dates"
    return text


STANDING = {
    "not_for_you": (
        "Not for you: a rule below is not met, or this cycle is not for your class.",
        "red",
    ),
    "eligible": ("You meet every published requirement for the cycle you apply in.", "green"),
}


def _empty_detail() -> Detail:
    return Detail(
        id=0,
        href="",
        name="",
        provider="",
        amount="",
        deadline="",
        countdown="",
        urgency="gray",
        levels="",
        kind="",
        essay="",
        states="",
        description="",
        url="",
        renewable="",
        awards="",
    )


class DetailState(SessionState):
    found: bool = False
    s: Detail = _empty_detail()
    criteria: list[CriterionRow] = []
    eligible_text: str = ""
    eligible_color: str = "gray"
    cycle_text: str = ""
    sources: list[SourceLink] = []
    verified: str = ""
    stale: bool = False
    report_open: bool = False
    cred_level: str = "trusted"
    cred_signals: list[str] = []
    cred_flags: list[str] = []
    error: str = ""
    notice: str = ""

    def _sid(self) -> int | None:
        """The programme's id from the route argument `sid` (routes.SCHOLARSHIP), which Reflex
        installs as a var of the root state."""
        raw = str(self.sid or "")
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    @rx.event
    def load(self) -> None:
        opened = self._page_opened()
        user_id = self._user_id()
        if opened:  # a reconnect or a reload keeps the notice
            self.error, self.notice = "", ""
        sid = self._sid()
        day = today()
        try:
            if sid is None:
                raise NotFound("No such scholarship")
            page = eligibility.scholarship_page(scholarship_id=sid, viewer_id=user_id, today=day)
        except NotFound:
            self.found, self.s, self.criteria = False, _empty_detail(), []
            return
        found, standing = page.detail, page.standing
        row = found.scholarship
        self.found = True
        card = scholarship_card_of(row, day)
        self.s = Detail(
            **vars(card),
            url=row.url,
            renewable="Renewable" if row.renewable else "One-time",
            awards=f"{row.awards_per_year:,} a year" if row.awards_per_year else "Not published",
        )
        self.cred_level = found.credibility.level
        self.cred_signals = list(found.credibility.signals)
        self.cred_flags = list(found.credibility.red_flags)
        self.verified = found.verified_on.strftime("%B %-d, %Y") if found.verified_on else ""
        self.stale = found.stale
        self.sources = [
            SourceLink(url=src.url, publisher=src.publisher or src.url.split("/")[2])
            for src in row.sources
        ]
        if standing is None:
            self.criteria, self.cycle_text = [], ""
            self.eligible_text = "Sign in to see whether you qualify."
            self.eligible_color = "gray"
            return
        self.criteria = [
            CriterionRow(
                status=v.status,
                detail=_detail_beside(v.detail, v.question),
                label=criterion_label(v.criterion),
                field=v.field or "",
                question=v.question or "",
                confirmable=v.confirmable,
            )
            for v in standing.criteria
        ]
        self.cycle_text = _cycle_text(standing.cycle) if standing.cycle is not None else ""
        if standing.standing == "possible":
            self.eligible_text = (
                f"Possible — {standing.open_questions} question(s) below decide it."
            )
            self.eligible_color = "amber"
        else:
            self.eligible_text, self.eligible_color = STANDING[standing.standing]

    @rx.event
    def answer(self, field: str, question: str, value: bool) -> Any:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        failure = self._save_answer(user_id, field, question, value)
        if failure is not None:
            self.error = failure
            return None
        self.notice = "Saved. Your matches will include this answer."
        return DetailState.load

    @rx.event
    def toggle_report(self) -> None:
        self.report_open = not self.report_open

    @rx.event
    def report(self, form: dict[str, Any]) -> None:
        user_id = self._user_id()
        sid = self._sid()
        try:
            catalogue.report_problem(
                user_id=user_id,
                scholarship_id=sid or 0,
                what=str(form.get("what", "")),
                message=str(form.get("message", "")),
                correct_value=str(form.get("correct_value", "")) or None,
                link=str(form.get("link", "")) or None,
            )
        except ServiceError as exc:
            self.error = exc.message
            return
        self.report_open = False
        self.notice = "Thank you. We check every report against the programme's own page."

    @rx.event
    def start_application(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        sid = self._sid()
        try:
            _, created = applications.create_application(user_id=user_id, scholarship=sid or 0)
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.notice = "Application started." if created else "You already track this application."
        return rx.redirect(routes.APPLICATIONS)


def _criterion_row(c: rx.Var[CriterionRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(c.label, weight="medium")),
        rx.table.cell(status_badge(c.status)),
        rx.table.cell(
            rx.vstack(
                rx.cond(c.detail != "", rx.text(c.detail, size="2"), rx.fragment()),
                rx.cond(
                    c.confirmable,
                    rx.hstack(
                        rx.text(
                            c.question,
                            # Alone (no detail above it), the question reads as the detail.
                            size=rx.cond(c.detail == "", "2", "1"),
                            color=rx.cond(
                                c.detail == "", rx.color("gray", 12), rx.color("gray", 11)
                            ),
                        ),
                        *yes_no_buttons(
                            DetailState.answer(c.field, c.question, True),
                            DetailState.answer(c.field, c.question, False),
                        ),
                        spacing="1",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.fragment(),
                ),
                spacing="1",
                align="start",
            )
        ),
    )


def _provenance() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Verified on ",
            DetailState.verified,
            " against: ",
            rx.foreach(
                DetailState.sources,
                lambda src: rx.link(
                    src.publisher, href=src.url, is_external=True, margin_right="0.5rem"
                ),
            ),
            size="1",
            color=rx.color("gray", 11),
        ),
        rx.cond(
            DetailState.stale,
            rx.callout(
                "These facts were verified more than 15 months ago; check the official page.",
                icon="clock-alert",
                color_scheme="amber",
                size="1",
            ),
            rx.fragment(),
        ),
        rx.button(
            rx.icon("flag", size=14),
            "Report a problem",
            variant="ghost",
            size="1",
            on_click=DetailState.toggle_report,
        ),
        rx.cond(
            DetailState.report_open,
            rx.form(
                rx.vstack(
                    rx.el.label("What is wrong?", html_for="report-what"),
                    rx.el.select(
                        *[
                            rx.el.option(label, value=value)
                            for value, label in catalogue.REPORT_KINDS.items()
                        ],
                        name="what",
                        id="report-what",
                    ),
                    rx.el.label("Tell us more", html_for="report-message"),
                    rx.text_area(name="message", id="report-message", required=True, width="100%"),
                    rx.el.label("The correct value (optional)", html_for="report-value"),
                    rx.input(name="correct_value", id="report-value", width="100%"),
                    rx.el.label("A link that shows it (optional)", html_for="report-link"),
                    rx.input(name="link", id="report-link", type="url", width="100%"),
                    rx.button("Send report", type="submit", size="2"),
                    spacing="2",
                    width="100%",
                    max_width="32rem",
                ),
                on_submit=DetailState.report,
                reset_on_submit=True,
            ),
            rx.fragment(),
        ),
        spacing="2",
        align="start",
        width="100%",
    )


def detail_page() -> rx.Component:
    s = DetailState.s
    return page(
        rx.cond(
            DetailState.found,
            rx.vstack(
                rx.link(
                    rx.hstack(
                        rx.icon("arrow-left", size=14),
                        rx.text("All scholarships"),
                        align="center",
                        spacing="1",
                    ),
                    href=routes.SCHOLARSHIPS,
                    size="2",
                ),
                rx.heading(s.name, size="8", as_="h1"),
                rx.text(s.provider, size="4", color=rx.color("gray", 11)),
                error_callout(DetailState.error),
                info_callout(DetailState.notice),
                rx.grid(
                    rx.card(
                        rx.vstack(
                            rx.text("Award", size="2", color=rx.color("gray", 11)),
                            rx.heading(s.amount, size="6"),
                            rx.text(s.renewable, size="1"),
                            spacing="1",
                        )
                    ),
                    rx.card(
                        rx.vstack(
                            rx.text("Deadline", size="2", color=rx.color("gray", 11)),
                            rx.heading(s.deadline, size="6"),
                            rx.badge(s.countdown, color_scheme=s.urgency),
                            spacing="1",
                        )
                    ),
                    rx.card(
                        rx.vstack(
                            rx.text("Awards per year", size="2", color=rx.color("gray", 11)),
                            rx.heading(s.awards, size="6"),
                            rx.text(s.essay, size="1"),
                            spacing="1",
                        )
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    spacing="3",
                    width="100%",
                ),
                rx.text(s.description, size="3"),
                rx.cond(
                    DetailState.cycle_text != "",
                    rx.callout(DetailState.cycle_text, icon="calendar", width="100%"),
                    rx.fragment(),
                ),
                _provenance(),
                rx.hstack(
                    rx.button(
                        rx.icon("file-plus", size=16),
                        "Start application",
                        on_click=DetailState.start_application,
                        size="3",
                    ),
                    rx.link(
                        rx.button(
                            rx.icon("external-link", size=16),
                            "Official website",
                            variant="outline",
                            size="3",
                        ),
                        href=s.url,
                        is_external=True,
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.heading("Do you qualify?", size="5", as_="h2", margin_top="1rem"),
                rx.callout(
                    DetailState.eligible_text,
                    color_scheme=DetailState.eligible_color,
                    icon="list-checks",
                    width="100%",
                ),
                rx.cond(
                    DetailState.criteria.length() > 0,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Criterion"),
                                rx.table.column_header_cell("You"),
                                rx.table.column_header_cell("Detail"),
                            )
                        ),
                        rx.table.body(rx.foreach(DetailState.criteria, _criterion_row)),
                        width="100%",
                        variant="surface",
                    ),
                    rx.cond(
                        DetailState.signed_in,
                        rx.text("This scholarship states no criteria beyond its level.", size="2"),
                        rx.link(rx.button("Sign in to check", variant="soft"), href=routes.SIGN_IN),
                    ),
                ),
                rx.heading("Credibility", size="5", as_="h2", margin_top="1rem"),
                rx.card(
                    rx.vstack(
                        rx.hstack(
                            rx.icon(
                                rx.match(
                                    DetailState.cred_level,
                                    ("trusted", "shield-check"),
                                    ("caution", "shield-alert"),
                                    "shield-x",
                                ),
                                color=rx.color(
                                    rx.match(
                                        DetailState.cred_level,
                                        ("trusted", "green"),
                                        ("caution", "amber"),
                                        "red",
                                    ),
                                    10,
                                ),
                            ),
                            rx.text(
                                rx.match(
                                    DetailState.cred_level,
                                    ("trusted", "Looks legitimate"),
                                    ("caution", "Be careful"),
                                    "Likely a scam",
                                ),
                                weight="bold",
                            ),
                            align="center",
                        ),
                        rx.foreach(
                            DetailState.cred_flags,
                            lambda f: rx.text("⚠ ", f, size="2", color=rx.color("red", 11)),
                        ),
                        rx.foreach(DetailState.cred_signals, lambda g: rx.text("✓ ", g, size="2")),
                        spacing="1",
                    ),
                    width="100%",
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            empty_state(
                "search-x",
                "Scholarship not found",
                "It may have been removed from the catalogue.",
                rx.link(rx.button("Browse scholarships"), href=routes.SCHOLARSHIPS),
            ),
        ),
        max_width="60rem",
    )
