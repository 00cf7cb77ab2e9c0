"""Matches in three parts — Matches (every rule met for the cycle you apply in), Possible (answer
the questions shown) and Opens later — each card with the deadline of your own cycle, why it sits
where it does, and every rule's verdict; requirements no profile field can check are confirmed
on the card. Bookmark, dismiss (with a reason) and undo. Refreshing runs in the background."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.format import criterion_label, deadline_text, money, urgency
from scholarlink.components.layout import page
from scholarlink.components.ui import (
    confirm_dialog,
    empty_state,
    error_callout,
    info_callout,
    page_header,
    status_badge,
    yes_no_buttons,
)
from scholarlink.core.clock import today
from scholarlink.core.errors import ServiceError
from scholarlink.services import matches
from scholarlink.state.session import SessionState

CHANCE = {"high": "High chance", "competitive": "Competitive", "long_shot": "Long shot"}


@dataclass
class Question:
    """An open question on a card (or among those that unlock the most money)."""

    field: str
    question: str
    confirmable: bool


@dataclass
class Criterion:
    status: str
    detail: str
    label: str


@dataclass
class MatchCard:
    id: int
    scholarship_id: int
    href: str
    name: str
    provider: str
    amount: str
    deadline: str
    countdown: str
    urgency: str
    score: int
    chance: str
    chance_label: str
    reasons: list[str]
    summary: str  # of its verdicts: how many met, how many to answer (the table loads on opening)
    questions: list[Question]
    opens: str
    date_note: str
    bucket: str
    bookmarked: bool
    dismiss_reason: str
    provider_label: str


@dataclass
class TopQuestion(Question):
    count: int
    money: str


@dataclass
class Dismissed:
    """A dismissed match, as its line under "Dismissed" shows it (ordered as the cards are)."""

    id: int
    scholarship_id: int
    name: str
    score: int
    dismiss_reason: str


def _dismissed(m: matches.DismissedPublic) -> Dismissed:
    return Dismissed(
        id=m.id,
        scholarship_id=m.scholarship_id,
        name=m.name,
        score=m.score,
        dismiss_reason=m.dismiss_reason or "",
    )


def _top(questions: list[matches.TopQuestionPublic]) -> list[TopQuestion]:
    return [
        TopQuestion(
            field=q.field,
            question=q.question,
            count=q.count,
            money=f"${q.money:,}",
            confirmable=q.confirmable,
        )
        for q in questions
    ]


def _criterion(e: matches.VerdictPublic) -> Criterion:
    return Criterion(status=e.status, detail=e.detail, label=criterion_label(e.criterion))


def _opens_text(m: matches.MatchCardPublic) -> str:
    opens = m.cycle.opens
    if m.bucket != "opens_later" or opens is None:
        return ""
    year = m.cycle.for_graduation_year
    return f"Opens {opens.strftime('%b %-d, %Y')}" + (f" — for the class of {year}" if year else "")


def _summary(m: matches.MatchCardPublic) -> str:
    """Of a card's rules: how many are met, how many requirements wait on an answer, and how
    many preferences are unanswered (a preference ranks; it never decides eligibility)."""
    parts = [f"{m.met} met"]
    if m.to_answer:
        parts.append(f"{m.to_answer} to answer")
    if m.open_preferences:
        s = "s" if m.open_preferences > 1 else ""
        parts.append(f"{m.open_preferences} open preference{s}")
    return ", ".join(parts)


def _card(m: matches.MatchCardPublic) -> MatchCard:
    date_label, countdown, days = deadline_text(m.deadline, today(), m.cycle.kind or "fixed")
    read_for = m.cycle.read_for
    return MatchCard(
        id=m.id,
        scholarship_id=m.scholarship_id,
        href=routes.scholarship(m.scholarship_id),
        name=m.name,
        provider=m.organisation,
        amount=money(m.amount_min, m.amount_max),
        deadline=date_label,
        countdown=countdown,
        urgency=urgency(days),
        score=m.score,
        chance=m.chance,
        chance_label=CHANCE.get(m.chance, m.chance),
        reasons=list(m.reasons),
        summary=_summary(m),
        questions=[
            Question(field=q.field, question=q.question, confirmable=q.confirmable)
            for q in m.questions
        ],
        opens=_opens_text(m),
        date_note=(
            f"Expected date, from the {read_for} cycle" if m.cycle.projected and read_for else ""
        ),
        bucket=m.bucket,
        bookmarked=m.bookmarked,
        dismiss_reason=m.dismiss_reason or "",
        provider_label="refined by the AI model" if m.ranked_by == "openai" else "ranked locally",
    )


# Cards held in the tab's state at first; "Show more" adds as many again. A student with every
# programme possible held them all (85 KB of state per tab, sent and stored on each change).
PAGE = 24


class MatchesState(SessionState):
    items: list[MatchCard] = []
    shown: int = PAGE
    more: int = 0  # cards of the view not yet shown
    dismissed: list[Dismissed] = []
    view: str = "match"
    counts: dict[str, int] = {"match": 0, "possible": 0, "opens_later": 0}
    no_essay_first: bool = False
    top_questions: list[TopQuestion] = []
    refreshing: bool = False
    error: str = ""
    notice: str = ""
    completion: int = 0
    priced: bool = False
    dismiss_for: int = -1
    dismiss_reason: str = matches.DISMISS_REASONS[0]
    # The verdict tables of the cards whose "Eligibility" is open, by match id. Held only while
    # open: every card's table in the state was a third of the tab's state, sent on each change.
    verdicts: dict[str, list[Criterion]] = {}

    def _asked(self) -> dict[str, Any]:
        """What the page shows: a view (one of matches.VIEWS), how many of its cards, and
        whether no-essay awards come first."""
        return {"view": self.view, "shown": self.shown, "no_essay_first": self.no_essay_first}

    def _show_view(self, v: matches.MatchViewPublic) -> None:
        self.items = [_card(m) for m in v.items]
        self.more = v.more
        self.counts = dict(v.counts)
        self.verdicts = {}  # the cards are read again: their tables close

    def _show(self, o: matches.MatchesOverviewPublic) -> None:
        self._show_view(o)
        self.top_questions = _top(o.top_questions)
        self.dismissed = [_dismissed(m) for m in o.dismissed]
        self.completion = o.completion
        self.priced = o.refresh_costs_credits

    def _reload(self, user_id: int) -> None:
        self._show(matches.overview(user_id=user_id, **self._asked()))

    def _reload_view(self, user_id: int) -> None:
        """Another view, or more of it: only the cards and the counts are read again."""
        self._show_view(matches.view_cards(user_id=user_id, **self._asked()))

    def _showing(self) -> matches.Showing:
        return matches.Showing(**self._asked(), holding=tuple(m.id for m in self.items))

    def _apply(self, change: matches.MatchChangePublic) -> None:
        """A dismissal or its undo, applied in place: the cards the page holds stay as they
        are, only those that come into view are new; the questions that unlock the most money
        are replaced only when the match asked any."""
        held = {m.id: m for m in self.items}
        held.update((c.id, _card(c)) for c in change.fill)
        self.items = [held[i] for i in change.order]
        shown = {str(i) for i in change.order}
        if any(k not in shown for k in self.verdicts):  # a card with its table open left
            self.verdicts = {k: v for k, v in self.verdicts.items() if k in shown}
        self.more, self.counts = change.more, dict(change.counts)
        if change.top_questions is not None:
            self.top_questions = _top(change.top_questions)

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error, self.notice, self.shown = "", "", PAGE
        self._reload(user_id)
        if not any(self.counts.values()) and not self.dismissed:
            return MatchesState.refresh
        return None

    @rx.event
    def set_view(self, value: str | list[str]) -> None:
        user_id = self._user_id()
        if user_id is not None and isinstance(value, str) and value in matches.VIEWS:
            self.view, self.shown = value, PAGE
            self._reload_view(user_id)

    @rx.event
    def show_more(self) -> None:
        user_id = self._user_id()
        if user_id is not None:
            self.shown += PAGE
            self._reload_view(user_id)

    @rx.event
    def set_no_essay_first(self, value: bool) -> None:
        user_id = self._user_id()
        if user_id is not None:
            self.no_essay_first = bool(value)
            self._reload_view(user_id)

    @rx.event
    def answer(self, field: str, question: str, value: bool) -> EventSpec | None:
        """A requirement to confirm, answered on a card: kept once for every programme that
        asks it, then the matches are recomputed (the card moves to where it now belongs)."""
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        failure = self._save_answer(user_id, field, question, value)
        if failure is not None:
            self.error = failure
            return None
        self.notice = "Thanks — your answer is saved for every programme that asks it."
        return MatchesState.refresh

    @rx.event(background=True)
    async def refresh(self) -> None:
        # The state lock is held only to read the inputs and to change the state; ranking,
        # storing and reading the matches run outside it.
        async with self:
            user_id = self._user_id()
            if user_id is None or self.refreshing:
                return
            self.refreshing, self.error, self.notice = True, "", ""
        try:
            count = await asyncio.to_thread(matches.refresh_matches, user_id=user_id)
            message, failure = f"Matches refreshed: {count} you can apply to now.", ""
        except ServiceError as exc:
            message, failure = "", exc.message
        while True:
            async with self:
                asked = self._asked()
            try:
                shown = await asyncio.to_thread(matches.overview, user_id=user_id, **asked)
            except ServiceError as exc:
                shown, failure = None, failure or exc.message
            async with self:
                if shown is not None and asked != self._asked():
                    continue  # the student switched views meanwhile: read what they now see
                self.refreshing = False
                self.notice, self.error = message, failure
                if shown is not None:
                    self._show(shown)
                return

    @rx.event
    def toggle_bookmark(self, match_id: int, value: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            stored = matches.set_bookmark(user_id=user_id, match_id=match_id, bookmarked=value)
        except ServiceError as exc:
            self.error = exc.message
            self._reload(user_id)
            return
        if self.view == "saved":
            self._reload(user_id)
            return
        # Only this card changed: update it from what was stored instead of reloading the list.
        self.items = [
            dataclasses.replace(m, bookmarked=stored) if m.id == match_id else m for m in self.items
        ]

    @rx.event
    def show_verdicts(self, match_id: int, value: str) -> None:
        """A card's "Eligibility" opened (value "eligibility") or closed (value "")."""
        key = str(match_id)
        if value != "eligibility":
            self.verdicts = {k: v for k, v in self.verdicts.items() if k != key}
            return
        user_id = self._user_id()
        if user_id is None:
            return
        with self._showing_errors():
            found = matches.match_verdicts(user_id=user_id, match_id=match_id)
            self.verdicts = {**self.verdicts, key: [_criterion(e) for e in found]}

    @rx.event
    def ask_dismiss(self, match_id: int) -> None:
        self.dismiss_for = match_id
        self.dismiss_reason = matches.DISMISS_REASONS[0]

    @rx.event
    def set_dismiss_reason(self, value: str) -> None:
        self.dismiss_reason = value

    @rx.event
    def cancel_dismiss(self) -> None:
        self.dismiss_for = -1

    @rx.event
    def confirm_dismiss(self) -> None:
        user_id = self._user_id()
        if user_id is None or self.dismiss_for < 0:
            return
        match_id, self.dismiss_for = self.dismiss_for, -1
        try:
            change = matches.dismiss(
                user_id=user_id,
                match_id=match_id,
                reason=self.dismiss_reason,
                showing=self._showing(),
            )
        except ServiceError as exc:
            self.error = exc.message
            self._reload(user_id)
            return
        self._apply(change)
        if change.dismissed is not None:
            self.dismissed = sorted(
                [*(d for d in self.dismissed if d.id != match_id), _dismissed(change.dismissed)],
                key=lambda d: (-d.score, d.scholarship_id),
            )
        self.error, self.notice = "", "Dismissed. You can undo it below."

    @rx.event
    def undo_dismiss(self, match_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            change = matches.undismiss(user_id=user_id, match_id=match_id, showing=self._showing())
        except ServiceError as exc:
            self.error = exc.message
            self._reload(user_id)
            return
        self._apply(change)
        self.dismissed = [d for d in self.dismissed if d.id != match_id]
        self.error, self.notice = "", "Restored to your matches."


def _question(q: rx.Var[Question]) -> rx.Component:
    return rx.hstack(
        rx.icon("circle-help", size=16, color=rx.color("amber", 10)),
        rx.text(q.question, size="2", flex="1"),
        rx.cond(
            q.confirmable,
            rx.hstack(
                *yes_no_buttons(
                    MatchesState.answer(q.field, q.question, True),
                    MatchesState.answer(q.field, q.question, False),
                ),
                spacing="1",
            ),
            rx.link("Answer in your profile", href=routes.PROFILE, size="2"),
        ),
        spacing="2",
        align="center",
        width="100%",
    )


def _eligibility(e: rx.Var[Criterion]) -> rx.Component:
    return rx.hstack(
        status_badge(e.status),
        rx.text(rx.text.strong(e.label), ": ", e.detail, size="1"),
        spacing="2",
        align="start",
    )


def match_card(m: rx.Var[MatchCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(
                    rx.heading(m.score, size="6"),
                    rx.text("/100", size="1", color=rx.color("gray", 11)),
                    direction="column",
                    width="4rem",
                    height="4rem",
                    border_radius="12px",
                    background=rx.color("accent", 3),
                    aria_label="Match score",
                ),
                rx.vstack(
                    rx.link(
                        rx.heading(m.name, size="4", as_="h3"),
                        href=m.href,
                        color="inherit",
                    ),
                    rx.text(m.provider, size="2", color=rx.color("gray", 11)),
                    rx.hstack(
                        status_badge(m.chance, m.chance_label),
                        rx.badge(m.amount, variant="solid"),
                        rx.badge(m.countdown, color_scheme=m.urgency),
                        wrap="wrap",
                        spacing="1",
                    ),
                    spacing="1",
                    align="start",
                ),
                rx.spacer(),
                rx.icon_button(
                    rx.cond(m.bookmarked, rx.icon("bookmark-check"), rx.icon("bookmark")),
                    variant=rx.cond(m.bookmarked, "solid", "soft"),
                    on_click=MatchesState.toggle_bookmark(m.id, ~m.bookmarked),
                    aria_label=rx.cond(m.bookmarked, "Remove bookmark", "Bookmark"),
                ),
                width="100%",
                align="start",
                spacing="3",
            ),
            rx.cond(
                m.opens != "",
                rx.callout(m.opens, icon="calendar-clock", size="1", width="100%"),
                rx.fragment(),
            ),
            rx.cond(
                m.date_note != "",
                rx.text(m.date_note, size="1", color=rx.color("gray", 11)),
                rx.fragment(),
            ),
            rx.vstack(
                rx.text("Why it sits here", size="1", weight="bold", color=rx.color("gray", 11)),
                rx.foreach(m.reasons, lambda r: rx.text("• ", r, size="2")),
                spacing="0",
                align="start",
            ),
            rx.cond(
                m.questions.length() > 0,
                rx.vstack(
                    rx.text("Answer to settle it", size="1", weight="bold"),
                    rx.foreach(m.questions, _question),
                    spacing="1",
                    width="100%",
                ),
                rx.fragment(),
            ),
            rx.accordion.root(
                rx.accordion.item(
                    header=rx.text("Eligibility: ", m.summary, size="2"),
                    content=rx.cond(
                        MatchesState.verdicts.contains(m.id.to_string()),
                        rx.vstack(
                            rx.foreach(
                                MatchesState.verdicts[m.id.to_string()].to(list[Criterion]),
                                _eligibility,
                            ),
                            spacing="1",
                            align="start",
                        ),
                        rx.fragment(),  # closed: the accordion is open only with its table held
                    ),
                    value="eligibility",
                ),
                collapsible=True,
                type="single",
                variant="ghost",
                width="100%",
                value=rx.cond(MatchesState.verdicts.contains(m.id.to_string()), "eligibility", ""),
                on_value_change=lambda value: MatchesState.show_verdicts(m.id, value),
            ),
            rx.hstack(
                rx.text(m.provider_label, size="1", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.button(
                    "Dismiss",
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    on_click=MatchesState.ask_dismiss(m.id),
                ),
                width="100%",
                align="center",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _dismiss_dialog() -> rx.Component:
    return confirm_dialog(
        title="Dismiss this match?",
        description="Tell us why — it helps us rank better. You can undo this later.",
        body=rx.radio_group(
            list(matches.DISMISS_REASONS),
            value=MatchesState.dismiss_reason,
            on_change=MatchesState.set_dismiss_reason,
            direction="column",
            margin_top="1rem",
        ),
        confirm_label="Dismiss",
        on_confirm=MatchesState.confirm_dismiss,
        on_cancel=MatchesState.cancel_dismiss,
        open=MatchesState.dismiss_for >= 0,
    )


def matches_page() -> rx.Component:
    return page(
        page_header(
            "Your matches",
            "Programmes whose every rule you meet for the cycle you apply in, ranked by what "
            "they are likely worth to you.",
            # On a phone the four views are wider than the screen: they scroll in their own
            # box instead of widening the page.
            rx.box(
                rx.segmented_control.root(
                    rx.segmented_control.item(
                        rx.text("Matches (", MatchesState.counts["match"], ")"), value="match"
                    ),
                    rx.segmented_control.item(
                        rx.text("Possible (", MatchesState.counts["possible"], ")"),
                        value="possible",
                    ),
                    rx.segmented_control.item(
                        rx.text("Opens later (", MatchesState.counts["opens_later"], ")"),
                        value="opens_later",
                    ),
                    rx.segmented_control.item("Saved", value="saved"),
                    value=MatchesState.view,
                    on_change=MatchesState.set_view,
                ),
                max_width="100%",
                overflow_x="auto",
            ),
            rx.el.label(
                rx.hstack(
                    rx.switch(
                        checked=MatchesState.no_essay_first,
                        on_change=MatchesState.set_no_essay_first,
                        id="no-essay-first",
                    ),
                    rx.text("No-essay awards first", size="2"),
                    align="center",
                    spacing="2",
                ),
                html_for="no-essay-first",
            ),
            rx.button(
                rx.cond(
                    MatchesState.refreshing, rx.spinner(size="2"), rx.icon("refresh-cw", size=16)
                ),
                "Refresh matches",
                on_click=MatchesState.refresh,
                disabled=MatchesState.refreshing,
            ),
        ),
        rx.cond(
            MatchesState.priced,
            rx.callout(
                "Refreshing asks the AI model to refine your short list; it costs credits by usage (a few credits).",
                icon="coins",
                color_scheme="amber",
                margin_bottom="1rem",
            ),
            rx.fragment(),
        ),
        rx.cond(
            MatchesState.completion < 70,
            rx.callout(
                rx.text(
                    "Your profile is ",
                    MatchesState.completion,
                    "% complete. ",
                    rx.link("Complete it", href=routes.PROFILE),
                    " so we can confirm more criteria.",
                    as_="span",
                ),
                icon="user-pen",
                margin_bottom="1rem",
            ),
            rx.fragment(),
        ),
        error_callout(MatchesState.error),
        info_callout(MatchesState.notice),
        rx.cond(
            (MatchesState.top_questions.length() > 0) & (MatchesState.view != "match"),
            rx.card(
                rx.vstack(
                    rx.heading("Questions that unlock the most money", size="3", as_="h2"),
                    rx.foreach(MatchesState.top_questions, _question),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
                margin_bottom="1rem",
            ),
            rx.fragment(),
        ),
        rx.cond(
            MatchesState.refreshing & (MatchesState.items.length() == 0),
            rx.center(
                rx.hstack(rx.spinner(), rx.text("Finding scholarships you qualify for…")),
                padding="3rem",
            ),
            rx.cond(
                MatchesState.items.length() > 0,
                rx.vstack(
                    rx.grid(
                        rx.foreach(MatchesState.items, match_card),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        width="100%",
                        margin_top="1rem",
                    ),
                    rx.cond(
                        MatchesState.more > 0,
                        rx.button(
                            "Show more (",
                            MatchesState.more,
                            " left)",
                            variant="soft",
                            on_click=MatchesState.show_more,
                        ),
                    ),
                    align="center",
                    width="100%",
                ),
                empty_state(
                    "sparkles",
                    "Nothing here yet",
                    "Complete your profile and answer the questions under Possible: every answer "
                    "can move programmes here.",
                    rx.button("Refresh matches", on_click=MatchesState.refresh),
                ),
            ),
        ),
        rx.cond(
            MatchesState.dismissed.length() > 0,
            rx.vstack(
                rx.heading("Dismissed", size="4", as_="h2"),
                rx.foreach(
                    MatchesState.dismissed,
                    lambda d: rx.hstack(
                        rx.text(d.name, weight="medium"),
                        rx.text("— ", d.dismiss_reason, size="2", color=rx.color("gray", 11)),
                        rx.spacer(),
                        rx.button(
                            "Undo",
                            size="1",
                            variant="soft",
                            on_click=MatchesState.undo_dismiss(d.id),
                        ),
                        width="100%",
                        align="center",
                    ),
                ),
                spacing="2",
                width="100%",
                margin_top="2rem",
            ),
            rx.fragment(),
        ),
        _dismiss_dialog(),
    )
