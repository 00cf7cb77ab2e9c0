"""Discovery: search, filters, sort and pagination over the catalogue (one scholarship's page
is scholarlink.pages.scholarship)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import reflex as rx
from pydantic import ValidationError

from scholarlink import routes
from scholarlink.components.format import deadline_text, money, urgency
from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, error_callout, page_header
from scholarlink.core.clock import today
from scholarlink.domain.vocabulary import KINDS
from scholarlink.services import catalogue
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


@dataclass
class ScholarshipCard:
    """A programme as a card (and the head of its own page) shows it."""

    id: int
    href: str
    name: str
    provider: str
    amount: str
    deadline: str
    countdown: str
    urgency: str
    levels: str
    kind: str
    essay: str
    states: str
    description: str


def scholarship_card_of(s: catalogue.ScholarshipOut, day: date) -> ScholarshipCard:
    date_label, countdown, days = deadline_text(s.deadline, day, s.deadline_kind)
    return ScholarshipCard(
        id=s.id,
        href=routes.scholarship(s.id),
        name=s.name,
        provider=s.provider,
        amount=money(s.amount_min, s.amount_max),
        deadline=date_label,
        countdown=countdown,
        urgency=urgency(days),
        levels=", ".join(ACADEMIC_LEVELS.get(x, x) for x in s.levels) or "Any level",
        kind=KINDS.get(s.kind, s.kind),
        essay="Essay" if s.essay_required else "No essay",
        states=", ".join(s.states) if s.states else "Nationwide",
        description=s.description,
    )


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
    results: list[ScholarshipCard] = []
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
        result = catalogue.search(filters=filters, today=day)
        self.results = [scholarship_card_of(s, day) for s in result.items]
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


def scholarship_card(s: rx.Var[ScholarshipCard]) -> rx.Component:
    return rx.card(
        rx.link(
            rx.vstack(
                rx.hstack(
                    rx.badge(s.amount, size="2", variant="solid"),
                    rx.spacer(),
                    rx.badge(s.countdown, color_scheme=s.urgency, variant="soft"),
                    width="100%",
                ),
                rx.heading(s.name, size="4", as_="h3"),
                rx.text(s.provider, size="2", color=rx.color("gray", 11)),
                rx.text(
                    s.description,
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
                    rx.badge(s.levels, variant="outline", color_scheme="gray"),
                    rx.badge(s.states, variant="outline", color_scheme="gray"),
                    rx.badge(s.essay, variant="outline", color_scheme="gray"),
                    wrap="wrap",
                    spacing="1",
                ),
                rx.text("Deadline ", s.deadline, size="1", color=rx.color("gray", 11)),
                spacing="2",
                align="start",
            ),
            href=s.href,
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
