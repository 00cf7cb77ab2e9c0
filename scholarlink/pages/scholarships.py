"""Discovery: search, filters, sort and pagination over the catalogue; and one scholarship with
its per-criterion eligibility for the signed-in student and a credibility signal."""

from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.format import deadline_text, money, urgency
from scholarlink.components.layout import page
from scholarlink.components.ui import (
    empty_state,
    error_callout,
    info_callout,
    page_header,
    status_badge,
)
from scholarlink.core.db import session_scope
from scholarlink.core.errors import ServiceError
from scholarlink.domain.vocabulary import KINDS
from scholarlink.services import applications, catalogue, credibility, matches
from scholarlink.services.deadlines import deadline_kind, entry_of, next_deadline
from scholarlink.services.matches import today
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    MAJOR_FIELDS,
    US_STATES,
)
from scholarlink.state.session import SessionState

ANY = "any"
DEADLINE_WINDOWS = {
    "any": "Any time",
    "30": "Next 30 days",
    "90": "Next 3 months",
    "180": "Next 6 months",
}
AMOUNTS = {
    "any": "Any amount",
    "1000": "$1,000+",
    "5000": "$5,000+",
    "10000": "$10,000+",
    "25000": "$25,000+",
}
ESSAY = {"any": "Essay or not", "no": "No essay", "yes": "Essay required"}
SORTS = {"deadline": "Deadline soonest", "amount": "Largest award", "name": "Name A–Z"}


def card_dict(s: Any, day: Any) -> dict[str, Any]:
    date_label, countdown, days = deadline_text(next_deadline(s, day), day, deadline_kind(s))
    return {
        "id": s.id,
        "name": s.name,
        "provider": s.provider,
        "amount": money(s.amount_min, s.amount_max),
        "deadline": date_label,
        "countdown": countdown,
        "urgency": urgency(days),
        "levels": ", ".join(ACADEMIC_LEVELS[x] for x in s.levels) or "Any level",
        "kind": KINDS.get(s.kind, s.kind),
        "essay": "Essay" if s.essay_required else "No essay",
        "states": ", ".join(s.states) if s.states else "Nationwide",
        "description": s.description,
    }


class DiscoverState(SessionState):
    q: str = ""
    level: str = ANY
    state_filter: str = ANY
    major: str = ANY
    min_amount: str = ANY
    window: str = ANY
    essay: str = ANY
    sort: str = "deadline"
    page: int = 1
    total: int = 0
    pages: int = 1
    results: list[dict[str, Any]] = []
    error: str = ""

    def _search(self) -> None:
        self.error = ""
        try:
            filters = catalogue.ScholarshipFilters(
                q=self.q.strip() or None,
                level=None if self.level == ANY else self.level,
                state=None if self.state_filter == ANY else self.state_filter,
                major=None if self.major == ANY else self.major,
                min_amount=None if self.min_amount == ANY else int(self.min_amount),
                deadline_within_days=None if self.window == ANY else int(self.window),
                essay=None if self.essay == ANY else self.essay == "yes",
                sort=self.sort,
                page=self.page,
                page_size=12,
            )
        except (ValidationError, ValueError):
            self.error = "Those filters are not valid."
            return
        day = today()
        with session_scope() as session:
            result = catalogue.search_scholarships(session, filters, today=day)
            self.results = [card_dict(s, day) for s in result.items]
        self.total, self.pages = result.total, result.pages

    @rx.event
    def load(self) -> None:
        self._user_id()
        self._search()

    @rx.event
    def set_filter(self, name: str, value: str) -> None:
        if name in ("q", "level", "state_filter", "major", "min_amount", "window", "essay", "sort"):
            setattr(self, name, value)
            self.page = 1
            self._search()

    @rx.event
    def clear(self) -> None:
        self.q, self.level, self.state_filter, self.major = "", ANY, ANY, ANY
        self.min_amount, self.window, self.essay, self.sort, self.page = (
            ANY,
            ANY,
            ANY,
            "deadline",
            1,
        )
        self._search()

    @rx.event
    def go(self, delta: int) -> None:
        self.page = max(1, min(self.pages, self.page + delta))
        self._search()


def _filter(name: str, options: dict[str, str], label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=label, aria_label=label, width="100%"),
        rx.select.content(*(rx.select.item(text, value=key) for key, text in options.items())),
        value=getattr(DiscoverState, name),
        on_change=lambda v: DiscoverState.set_filter(name, v),
    )


def scholarship_card(s: Any) -> rx.Component:
    return rx.card(
        rx.link(
            rx.vstack(
                rx.hstack(
                    rx.badge(s["amount"], size="2", variant="solid"),
                    rx.spacer(),
                    rx.badge(s["countdown"], color_scheme=s["urgency"], variant="soft"),
                    width="100%",
                ),
                rx.heading(s["name"], size="4", as_="h3"),
                rx.text(s["provider"], size="2", color=rx.color("gray", 11)),
                rx.text(
                    s["description"],
                    size="2",
                    color=rx.color("gray", 12),
                    trim="both",
                    style={
                        "display": "-webkit-box",
                        "-webkit-line-clamp": "3",
                        "-webkit-box-orient": "vertical",
                        "overflow": "hidden",
                    },
                ),
                rx.hstack(
                    rx.badge(s["levels"], variant="outline", color_scheme="gray"),
                    rx.badge(s["states"], variant="outline", color_scheme="gray"),
                    rx.badge(s["essay"], variant="outline", color_scheme="gray"),
                    wrap="wrap",
                    spacing="1",
                ),
                rx.text("Deadline ", s["deadline"], size="1", color=rx.color("gray", 11)),
                spacing="2",
                align="start",
            ),
            href="/scholarships/" + s["id"].to(str),
            underline="none",
            color="inherit",
        ),
        width="100%",
    )


def discover_page() -> rx.Component:
    return page(
        page_header("Scholarships", f"{DiscoverState.total} real scholarships match these filters"),
        error_callout(DiscoverState.error),
        rx.vstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                placeholder="Search by name, provider or topic",
                value=DiscoverState.q,
                on_change=lambda v: DiscoverState.set_filter("q", v),
                aria_label="Search scholarships",
                size="3",
                width="100%",
            ),
            rx.grid(
                _filter("level", {ANY: "Any level", **ACADEMIC_LEVELS}, "Level"),
                _filter("state_filter", {ANY: "Any state", **US_STATES}, "State"),
                _filter("major", {ANY: "Any field", **MAJOR_FIELDS}, "Field of study"),
                _filter("min_amount", AMOUNTS, "Amount"),
                _filter("window", DEADLINE_WINDOWS, "Deadline"),
                _filter("essay", ESSAY, "Essay"),
                _filter("sort", SORTS, "Sort"),
                rx.button(
                    "Clear filters",
                    variant="soft",
                    color_scheme="gray",
                    on_click=DiscoverState.clear,
                ),
                columns=rx.breakpoints(initial="2", sm="4"),
                spacing="2",
                width="100%",
            ),
            spacing="3",
            width="100%",
            margin_bottom="1.25rem",
        ),
        rx.cond(
            DiscoverState.total > 0,
            rx.grid(
                rx.foreach(DiscoverState.results, scholarship_card),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="4",
                width="100%",
            ),
            empty_state(
                "search-x",
                "No scholarships match",
                "Try fewer filters or a broader search.",
                rx.button("Clear filters", on_click=DiscoverState.clear),
            ),
        ),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous",
                variant="soft",
                on_click=DiscoverState.go(-1),
                disabled=DiscoverState.page <= 1,
            ),
            rx.text(f"Page {DiscoverState.page} of {DiscoverState.pages}", size="2"),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=16),
                variant="soft",
                on_click=DiscoverState.go(1),
                disabled=DiscoverState.page >= DiscoverState.pages,
            ),
            justify="center",
            align="center",
            spacing="3",
            width="100%",
            margin_top="1.5rem",
        ),
    )


# -- one scholarship ----------------------------------------------------------------------------


def _cycle_text(cycle: dict[str, Any]) -> str:
    deadline, opens = cycle.get("deadline"), cycle.get("opens")
    klass = cycle.get("forGraduationYear")
    fmt = "%b %-d, %Y"
    parts = []
    if cycle.get("state") == "opens_later" and opens:
        parts.append(f"Opens {date.fromisoformat(opens).strftime(fmt)}")
    if deadline:
        parts.append(f"due {date.fromisoformat(deadline).strftime(fmt)}")
    else:
        parts.append("rolling deadline" if cycle.get("kind") == "rolling" else "dates vary")
    text = "Your cycle: " + ", ".join(parts)
    if klass:
        text += f" (for the class of {klass})"
    if cycle.get("projected") and cycle.get("readFor"):
        text += f" — expected from the {cycle['readFor']} cycle's dates"
    return text


class DetailState(SessionState):
    found: bool = False
    s: dict[str, Any] = {}
    criteria: list[dict[str, Any]] = []
    eligible_text: str = ""
    eligible_color: str = "gray"
    cycle_text: str = ""
    sources: list[dict[str, str]] = []
    verified: str = ""
    stale: bool = False
    report_open: bool = False
    cred_level: str = "trusted"
    cred_signals: list[str] = []
    cred_flags: list[str] = []
    error: str = ""
    notice: str = ""

    def _sid(self) -> int | None:
        raw = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    @rx.event
    def load(self) -> None:
        user_id = self._user_id()
        self.error, self.notice = "", ""
        sid = self._sid()
        day = today()
        with session_scope() as session:
            row = (
                catalogue.get_scholarship(session, sid, viewer_id=user_id)
                if sid is not None
                else None
            )
            if row is None or not row.is_active:
                self.found, self.s, self.criteria = False, {}, []
                return
            self.found = True
            self.s = {
                **card_dict(row, day),
                "url": row.url,
                "renewable": "Renewable" if row.renewable else "One-time",
                "awards": f"{row.awards_per_year:,} a year"
                if row.awards_per_year
                else "Not published",
            }
            cred = credibility.assess(row)
            self.cred_level, self.cred_signals, self.cred_flags = (
                cred.level,
                cred.signals,
                cred.red_flags,
            )
            entry = entry_of(row)
            if entry is not None:
                self.verified = entry.verified_on.strftime("%B %-d, %Y")
                self.stale = (day - entry.verified_on).days > 15 * 30
                self.sources = [
                    {"url": src.url, "publisher": src.publisher or src.url.split("/")[2]}
                    for src in entry.sources
                ]
            if user_id is None:
                self.criteria, self.cycle_text = [], ""
                self.eligible_text = "Sign in to see whether you qualify."
                self.eligible_color = "gray"
                return
            verdicts, cycle = matches.verdicts_for(
                session, user_id=user_id, scholarship_id=row.id or 0
            )
        self.criteria = [
            {
                "status": str(v["status"]),
                "detail": str(v["detail"]),
                "label": str(v["criterion"]).capitalize(),
                "field": str(v.get("field") or ""),
                "question": str(v.get("question") or ""),
                "confirmable": str(v.get("field") or "").startswith("answer:"),
            }
            for v in verdicts
        ]
        hard = [v for v in verdicts if v.get("hard", True)]
        unknown = [v for v in hard if v["status"] == "unknown"]
        if cycle is None or any(v["status"] == "unmet" for v in hard):
            self.eligible_text, self.eligible_color = (
                "Not for you: a rule below is not met, or this cycle is not for your class.",
                "red",
            )
            self.cycle_text = ""
            return
        self.cycle_text = _cycle_text(cycle)
        if unknown:
            self.eligible_text, self.eligible_color = (
                f"Possible — {len(unknown)} question(s) below decide it.",
                "amber",
            )
        else:
            self.eligible_text, self.eligible_color = (
                "You meet every published requirement for the cycle you apply in.",
                "green",
            )

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
            with session_scope() as session:
                _, created = applications.create_application(
                    session, user_id=user_id, scholarship=sid or 0
                )
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.notice = "Application started." if created else "You already track this application."
        return rx.redirect(routes.APPLICATIONS)


def _criterion_row(c: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(c["label"], weight="medium")),
        rx.table.cell(status_badge(c["status"])),
        rx.table.cell(
            rx.vstack(
                rx.text(c["detail"], size="2"),
                rx.cond(
                    c["confirmable"].to(bool),
                    rx.hstack(
                        rx.text(c["question"], size="1", color=rx.color("gray", 11)),
                        rx.button(
                            "Yes",
                            size="1",
                            variant="soft",
                            color_scheme="green",
                            on_click=DetailState.answer(
                                c["field"].to(str), c["question"].to(str), True
                            ),
                        ),
                        rx.button(
                            "No",
                            size="1",
                            variant="soft",
                            color_scheme="gray",
                            on_click=DetailState.answer(
                                c["field"].to(str), c["question"].to(str), False
                            ),
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
                    src["publisher"], href=src["url"], is_external=True, margin_right="0.5rem"
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
                rx.heading(s["name"], size="8", as_="h1"),
                rx.text(s["provider"], size="4", color=rx.color("gray", 11)),
                error_callout(DetailState.error),
                info_callout(DetailState.notice),
                rx.grid(
                    rx.card(
                        rx.vstack(
                            rx.text("Award", size="2", color=rx.color("gray", 11)),
                            rx.heading(s["amount"], size="6"),
                            rx.text(s["renewable"], size="1"),
                            spacing="1",
                        )
                    ),
                    rx.card(
                        rx.vstack(
                            rx.text("Deadline", size="2", color=rx.color("gray", 11)),
                            rx.heading(s["deadline"], size="6"),
                            rx.badge(s["countdown"], color_scheme=s["urgency"]),
                            spacing="1",
                        )
                    ),
                    rx.card(
                        rx.vstack(
                            rx.text("Awards per year", size="2", color=rx.color("gray", 11)),
                            rx.heading(s["awards"], size="6"),
                            rx.text(s["essay"], size="1"),
                            spacing="1",
                        )
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    spacing="3",
                    width="100%",
                ),
                rx.text(s["description"], size="3"),
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
                        href=s["url"],
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
