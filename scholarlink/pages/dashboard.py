"""The dashboard: what matters this week, with charts where a picture reads faster."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.layout import page
from scholarlink.components.links import API_BASE
from scholarlink.components.ui import page_header, stat
from scholarlink.core.db import session_scope
from scholarlink.services import credits, dashboard, reminders
from scholarlink.services.matches import today
from scholarlink.state.session import SessionState


class DashboardState(SessionState):
    matches: int = 0
    bookmarked: int = 0
    applications: int = 0
    submitted: int = 0
    won: int = 0
    amount_won: str = "$0"
    balance: str = "0"
    completion: int = 0
    by_status: list[dict[str, Any]] = []
    score_bands: list[dict[str, Any]] = []
    upcoming: list[dict[str, Any]] = []
    next_actions: list[dict[str, str]] = []
    reminders: list[dict[str, str]] = []
    calendar_token: str = ""

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        with session_scope() as session:
            d = dashboard.build(session, user_id=user_id, today=today())
        self.matches, self.bookmarked, self.applications = d.matches, d.bookmarked, d.applications
        self.submitted, self.won, self.amount_won = d.submitted, d.won, f"${d.amount_won:,}"
        self.balance = credits.credits(d.balance_millicredits)
        self.completion = d.completion
        self.by_status, self.score_bands = d.by_status, d.score_bands
        self.upcoming = [
            {**u, "color": "red" if u["days"] <= 7 else "amber" if u["days"] <= 21 else "gray"}
            for u in d.upcoming
        ]
        self.next_actions = d.next_actions
        self._load_reminders(user_id)
        return None

    def _load_reminders(self, user_id: int) -> None:
        with session_scope() as session:
            self.reminders = [
                {"id": str(n.id), "title": n.title, "body": n.body, "link": n.link or ""}
                for n in reminders.notifications(
                    session, user_id=user_id, unread_only=True, limit=5
                )
            ]
            self.calendar_token = reminders.calendar_token(session, user_id=user_id)

    @rx.event
    def dismiss_reminder(self, notification_id: str) -> None:
        user_id = self._user_id()
        if user_id is None or not notification_id.isdigit():
            return
        with session_scope() as session:
            reminders.mark_read(session, user_id=user_id, notification_id=int(notification_id))
        self._load_reminders(user_id)

    @rx.event
    def reset_calendar(self) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        with session_scope() as session:
            self.calendar_token = reminders.calendar_token(session, user_id=user_id, reset=True)


def _bar(data: Any, x: str, y: str, color: str, *, slanted: bool = False) -> rx.Component:
    axis = {"angle": -30, "text_anchor": "end", "height": 56} if slanted else {}
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key=x, tick_line=False, font_size=11, interval=0, **axis),
        rx.recharts.y_axis(allow_decimals=False, width=30, font_size=12),
        rx.recharts.bar(data_key=y, fill=rx.color(color, 9), radius=[4, 4, 0, 0]),
        rx.recharts.graphing_tooltip(),
        data=data,
        width="100%",
        height=220,
    )


def dashboard_page() -> rx.Component:
    return page(
        page_header("Dashboard", f"Welcome back, {DashboardState.user_name}"),
        rx.grid(
            stat(
                "Matches",
                DashboardState.matches,
                "sparkles",
                f"{DashboardState.bookmarked} bookmarked",
            ),
            stat(
                "Applications",
                DashboardState.applications,
                "clipboard-list",
                f"{DashboardState.submitted} submitted",
            ),
            stat("Won", DashboardState.amount_won, "trophy", f"{DashboardState.won} accepted"),
            stat("Credits", DashboardState.balance, "coins", "balance"),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            spacing="3",
            width="100%",
        ),
        rx.grid(
            rx.card(
                rx.vstack(
                    rx.heading("Next steps", size="4", as_="h2"),
                    rx.cond(
                        DashboardState.next_actions.length() > 0,
                        rx.foreach(
                            DashboardState.next_actions,
                            lambda a: rx.link(
                                rx.hstack(
                                    rx.icon("arrow-right", size=14),
                                    rx.text(a["label"], size="2"),
                                    align="center",
                                ),
                                href=a["href"],
                            ),
                        ),
                        rx.text("You're all caught up.", size="2"),
                    ),
                    rx.text(
                        "Profile ",
                        DashboardState.completion,
                        "% complete",
                        size="2",
                        margin_top="0.5rem",
                    ),
                    rx.progress(
                        value=DashboardState.completion,
                        width="100%",
                        aria_label="Profile completion",
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Upcoming deadlines", size="4", as_="h2"),
                    rx.cond(
                        DashboardState.upcoming.length() > 0,
                        rx.foreach(
                            DashboardState.upcoming,
                            lambda u: rx.hstack(
                                rx.badge(u["date"], color_scheme=u["color"]),
                                rx.link(
                                    rx.text(u["name"], size="2"),
                                    href="/scholarships/" + u["id"].to(str),
                                ),
                                rx.spacer(),
                                rx.text(
                                    u["days"].to(str),
                                    "d · ",
                                    u["why"],
                                    size="1",
                                    color=rx.color("gray", 11),
                                ),
                                width="100%",
                                align="center",
                            ),
                        ),
                        rx.text(
                            "Track an application or bookmark a match to see its deadline here.",
                            size="2",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Applications by status", size="4", as_="h2"),
                    _bar(DashboardState.by_status, "status", "count", "accent", slanted=True),
                    width="100%",
                )
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Match scores", size="4", as_="h2"),
                    _bar(DashboardState.score_bands, "band", "matches", "green"),
                    width="100%",
                )
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
            margin_top="1rem",
        ),
        rx.grid(
            rx.card(
                rx.vstack(
                    rx.heading("Reminders", size="4", as_="h2"),
                    rx.cond(
                        DashboardState.reminders.length() > 0,
                        rx.foreach(
                            DashboardState.reminders,
                            lambda n: rx.hstack(
                                rx.icon("bell-ring", size=16, color=rx.color("amber", 10)),
                                rx.vstack(
                                    rx.link(
                                        rx.text(n["title"], weight="medium", size="2"),
                                        href=n["link"],
                                    ),
                                    rx.text(n["body"], size="1", color=rx.color("gray", 11)),
                                    spacing="0",
                                    align="start",
                                ),
                                rx.spacer(),
                                rx.icon_button(
                                    rx.icon("check", size=14),
                                    size="1",
                                    variant="ghost",
                                    aria_label="Mark as read",
                                    on_click=DashboardState.dismiss_reminder(n["id"]),
                                ),
                                width="100%",
                                align="start",
                            ),
                        ),
                        rx.text(
                            "We remind you 21, 7 and 1 days before each deadline you track or bookmark.",
                            size="2",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Calendar feed", size="4", as_="h2"),
                    rx.text(
                        "Subscribe in your phone's calendar to see every deadline you track. Keep the link private.",
                        size="2",
                    ),
                    rx.code(
                        API_BASE + "/api/calendar/" + DashboardState.calendar_token + ".ics",
                        id="calendar-url",
                        size="1",
                        style={"word_break": "break-all"},
                    ),
                    rx.button(
                        "Reset link",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        on_click=DashboardState.reset_calendar,
                    ),
                    spacing="2",
                    width="100%",
                    align="start",
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
            margin_top="1rem",
        ),
        rx.hstack(
            rx.link("Browse all scholarships →", href=routes.SCHOLARSHIPS, size="2"),
            margin_top="1rem",
        ),
    )
