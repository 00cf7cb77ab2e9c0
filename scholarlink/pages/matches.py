"""Matches in three parts — Matches (every rule met for the cycle you apply in), Possible (answer
the questions shown) and Opens later — each card with the deadline of your own cycle, why it sits
where it does, and every rule's verdict; requirements no profile field can check are confirmed
on the card. Bookmark, dismiss (with a reason) and undo. Refreshing runs in the background."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.ai.providers import model_provider
from scholarlink.components.format import deadline_text, money, urgency
from scholarlink.components.layout import page
from scholarlink.components.ui import (
    confirm_dialog,
    empty_state,
    error_callout,
    info_callout,
    page_header,
    status_badge,
)
from scholarlink.core.db import session_scope
from scholarlink.core.errors import ServiceError
from scholarlink.services import matches, profiles
from scholarlink.state.session import SessionState

CHANCE = {"high": "High chance", "competitive": "Competitive", "long_shot": "Long shot"}


def _opens_text(m: matches.StoredMatch) -> str:
    opens = m.match.cycle.get("opens")
    if m.match.bucket != "opens_later" or not opens:
        return ""
    when = date.fromisoformat(opens).strftime("%b %-d, %Y")
    year = m.match.cycle.get("forGraduationYear")
    return f"Opens {when}" + (f" — for the class of {year}" if year else "")


def _view(m: matches.StoredMatch) -> dict[str, Any]:
    s = m.scholarship
    kind = str(m.match.cycle.get("kind") or "fixed")
    date_label, countdown, days = deadline_text(m.match.deadline, matches.today(), kind)
    met = sum(1 for e in m.match.eligibility if e["status"] in ("met", "confirmed"))
    unknown = sum(1 for e in m.match.eligibility if e["status"] == "unknown")
    projected = bool(m.match.cycle.get("projected"))
    read_for = m.match.cycle.get("readFor")
    return {
        "id": m.match.id,
        "scholarship_id": s.id,
        "name": s.name,
        "provider": s.provider,
        "amount": money(s.amount_min, s.amount_max),
        "deadline": date_label,
        "countdown": countdown,
        "urgency": urgency(days),
        "score": m.match.score,
        "chance": m.match.chance,
        "chance_label": CHANCE.get(m.match.chance, m.match.chance),
        "reasons": m.match.reasons,
        "eligibility": [
            {
                "status": str(e["status"]),
                "detail": str(e["detail"]),
                "label": str(e["criterion"]).replace("_", " ").capitalize(),
            }
            for e in m.match.eligibility
        ],
        "summary": f"{met} met" + (f", {unknown} to answer" if unknown else ""),
        "questions": [
            {
                "field": str(q["field"]),
                "question": str(q["question"]),
                "confirmable": str(q["field"]).startswith("answer:"),
            }
            for q in m.match.questions
        ],
        "opens": _opens_text(m),
        "date_note": (
            f"Expected date, from the {read_for} cycle" if projected and read_for else ""
        ),
        "bucket": m.match.bucket,
        "bookmarked": m.match.bookmarked,
        "dismiss_reason": m.match.dismiss_reason or "",
        "provider_label": "refined by the AI model"
        if m.match.provider == "openai"
        else "ranked locally",
    }


VIEWS = ("match", "possible", "opens_later", "saved")
# Cards held in the tab's state at first; "Show more" adds as many again. A student with every
# programme possible held them all (85 KB of state per tab, sent and stored on each change).
PAGE = 24


class MatchesState(SessionState):
    items: list[dict[str, Any]] = []
    shown: int = PAGE
    more: int = 0  # cards of the view not yet shown
    dismissed: list[dict[str, Any]] = []
    view: str = "match"
    counts: dict[str, int] = {"match": 0, "possible": 0, "opens_later": 0}
    no_essay_first: bool = False
    top_questions: list[dict[str, Any]] = []
    refreshing: bool = False
    error: str = ""
    notice: str = ""
    completion: int = 0
    priced: bool = False
    dismiss_for: int = -1
    dismiss_reason: str = matches.DISMISS_REASONS[0]

    def _reload(self, user_id: int) -> None:
        with session_scope() as session:
            everything = matches.list_matches(session, user_id=user_id, bucket=None)
            if self.view in ("match", "possible"):
                # The same order as a query for the bucket (score, then programme).
                rows = [m for m in everything if m.match.bucket == self.view]
            else:
                rows = matches.list_matches(
                    session,
                    user_id=user_id,
                    bookmarked_only=self.view == "saved",
                    bucket=None if self.view == "saved" else self.view,
                )
            if self.no_essay_first:
                rows = sorted(rows, key=lambda m: bool(m.scholarship.essay_required))
            self.items = [_view(m) for m in rows[: self.shown]]
            self.more = max(0, len(rows) - self.shown)
            self.counts = {
                b: sum(1 for m in everything if m.match.bucket == b)
                for b in ("match", "possible", "opens_later")
            }
            self.top_questions = _top_questions(everything)
            self.dismissed = [
                _view(m)
                for m in matches.list_matches(session, user_id=user_id, include_dismissed=True)
            ]
            self.completion = profiles.profile_completion(
                profiles.get_profile(session, user_id)
            ).percent
        self.priced = model_provider() is not None

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
        if user_id is not None and isinstance(value, str) and value in VIEWS:
            self.view, self.shown = value, PAGE
            self._reload(user_id)

    @rx.event
    def show_more(self) -> None:
        user_id = self._user_id()
        if user_id is not None:
            self.shown += PAGE
            self._reload(user_id)

    @rx.event
    def set_no_essay_first(self, value: bool) -> None:
        user_id = self._user_id()
        if user_id is not None:
            self.no_essay_first = bool(value)
            self._reload(user_id)

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
        async with self:
            user_id = self._user_id()
            if user_id is None or self.refreshing:
                return
            self.refreshing, self.error, self.notice = True, "", ""
        try:
            count = await asyncio.to_thread(matches.refresh_matches, user_id=user_id)
            message, failure = (
                f"Matches refreshed: {count} you can apply to now.",
                "",
            )
        except ServiceError as exc:
            message, failure = "", exc.message
        async with self:
            self.refreshing = False
            self.notice, self.error = message, failure
            self._reload(user_id)

    @rx.event
    def toggle_bookmark(self, match_id: int, value: bool) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            with session_scope() as session:
                row = matches.set_bookmark(
                    session, user_id=user_id, match_id=match_id, bookmarked=value
                )
        except ServiceError as exc:
            self.error = exc.message
            self._reload(user_id)
            return
        if self.view == "saved":
            self._reload(user_id)
            return
        # Only this card changed: update it from the stored row instead of reloading the list.
        self.items = [
            {**m, "bookmarked": row.bookmarked} if m["id"] == match_id else m for m in self.items
        ]

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
        try:
            with session_scope() as session:
                matches.dismiss(
                    session, user_id=user_id, match_id=self.dismiss_for, reason=self.dismiss_reason
                )
            self.notice = "Dismissed. You can undo it below."
        except ServiceError as exc:
            self.error = exc.message
        self.dismiss_for = -1
        self._reload(user_id)

    @rx.event
    def undo_dismiss(self, match_id: int) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            with session_scope() as session:
                matches.undismiss(session, user_id=user_id, match_id=match_id)
            self.notice = "Restored to your matches."
        except ServiceError as exc:
            self.error = exc.message
        self._reload(user_id)


def _top_questions(rows: list[matches.StoredMatch]) -> list[dict[str, Any]]:
    """The open questions that decide the most money among possible and opens-later cards."""
    money_at: dict[tuple[str, str], int] = {}
    count: dict[tuple[str, str], int] = {}
    for m in rows:
        if m.match.bucket == "match":
            continue
        for q in m.match.questions:
            key = (str(q["field"]), str(q["question"]))
            money_at[key] = money_at.get(key, 0) + (m.scholarship.amount_max or 1000)
            count[key] = count.get(key, 0) + 1
    best = sorted(money_at, key=lambda k: (-money_at[k], k[1]))[:5]
    return [
        {
            "field": f,
            "question": q,
            "count": count[(f, q)],
            "money": f"${money_at[(f, q)]:,}",
            "confirmable": f.startswith("answer:"),
        }
        for f, q in best
    ]


def _question(q: Any) -> rx.Component:
    return rx.hstack(
        rx.icon("circle-help", size=16, color=rx.color("amber", 10)),
        rx.text(q["question"], size="2", flex="1"),
        rx.cond(
            q["confirmable"].to(bool),
            rx.hstack(
                rx.button(
                    "Yes",
                    size="1",
                    variant="soft",
                    color_scheme="green",
                    on_click=MatchesState.answer(q["field"].to(str), q["question"].to(str), True),
                ),
                rx.button(
                    "No",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=MatchesState.answer(q["field"].to(str), q["question"].to(str), False),
                ),
                spacing="1",
            ),
            rx.link("Answer in your profile", href=routes.PROFILE, size="2"),
        ),
        spacing="2",
        align="center",
        width="100%",
    )


def _eligibility(e: Any) -> rx.Component:
    return rx.hstack(
        status_badge(e["status"]),
        rx.text(rx.text.strong(e["label"]), ": ", e["detail"], size="1"),
        spacing="2",
        align="start",
    )


def match_card(m: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(
                    rx.heading(m["score"], size="6"),
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
                        rx.heading(m["name"], size="4", as_="h3"),
                        href="/scholarships/" + m["scholarship_id"].to(str),
                        color="inherit",
                    ),
                    rx.text(m["provider"], size="2", color=rx.color("gray", 11)),
                    rx.hstack(
                        status_badge(m["chance"], m["chance_label"]),
                        rx.badge(m["amount"], variant="solid"),
                        rx.badge(m["countdown"], color_scheme=m["urgency"]),
                        wrap="wrap",
                        spacing="1",
                    ),
                    spacing="1",
                    align="start",
                ),
                rx.spacer(),
                rx.icon_button(
                    rx.cond(
                        m["bookmarked"].to(bool), rx.icon("bookmark-check"), rx.icon("bookmark")
                    ),
                    variant=rx.cond(m["bookmarked"].to(bool), "solid", "soft"),
                    on_click=MatchesState.toggle_bookmark(
                        m["id"].to(int), ~m["bookmarked"].to(bool)
                    ),
                    aria_label=rx.cond(m["bookmarked"].to(bool), "Remove bookmark", "Bookmark"),
                ),
                width="100%",
                align="start",
                spacing="3",
            ),
            rx.cond(
                m["opens"].to(str) != "",
                rx.callout(m["opens"].to(str), icon="calendar-clock", size="1", width="100%"),
                rx.fragment(),
            ),
            rx.cond(
                m["date_note"].to(str) != "",
                rx.text(m["date_note"].to(str), size="1", color=rx.color("gray", 11)),
                rx.fragment(),
            ),
            rx.vstack(
                rx.text("Why it sits here", size="1", weight="bold", color=rx.color("gray", 11)),
                rx.foreach(m["reasons"].to(list[str]), lambda r: rx.text("• ", r, size="2")),
                spacing="0",
                align="start",
            ),
            rx.cond(
                m["questions"].to(list[dict[str, Any]]).length() > 0,
                rx.vstack(
                    rx.text("Answer to settle it", size="1", weight="bold"),
                    rx.foreach(m["questions"].to(list[dict[str, Any]]), _question),
                    spacing="1",
                    width="100%",
                ),
                rx.fragment(),
            ),
            rx.accordion.root(
                rx.accordion.item(
                    header=rx.text("Eligibility: ", m["summary"], size="2"),
                    content=rx.vstack(
                        rx.foreach(m["eligibility"].to(list[dict[str, Any]]), _eligibility),
                        spacing="1",
                        align="start",
                    ),
                    value="eligibility",
                ),
                collapsible=True,
                type="single",
                variant="ghost",
                width="100%",
            ),
            rx.hstack(
                rx.text(m["provider_label"], size="1", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.button(
                    "Dismiss",
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    on_click=MatchesState.ask_dismiss(m["id"].to(int)),
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
            rx.segmented_control.root(
                rx.segmented_control.item(
                    rx.text("Matches (", MatchesState.counts["match"], ")"), value="match"
                ),
                rx.segmented_control.item(
                    rx.text("Possible (", MatchesState.counts["possible"], ")"), value="possible"
                ),
                rx.segmented_control.item(
                    rx.text("Opens later (", MatchesState.counts["opens_later"], ")"),
                    value="opens_later",
                ),
                rx.segmented_control.item("Saved", value="saved"),
                value=MatchesState.view,
                on_change=MatchesState.set_view,
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
                        rx.text(d["name"], weight="medium"),
                        rx.text("— ", d["dismiss_reason"], size="2", color=rx.color("gray", 11)),
                        rx.spacer(),
                        rx.button(
                            "Undo",
                            size="1",
                            variant="soft",
                            on_click=MatchesState.undo_dismiss(d["id"].to(int)),
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
