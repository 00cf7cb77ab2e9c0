"""The dashboard: what matters this week, with charts where a picture reads faster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink import routes
from scholarlink.components.format import axis_ticks
from scholarlink.components.layout import page
from scholarlink.components.links import API_BASE
from scholarlink.components.ui import page_header, stat
from scholarlink.core.clock import today
from scholarlink.services import credits, dashboard
from scholarlink.state.session import SessionState


# The charts' rows: recharts reads records (dicts) by key.
class StatusCount(TypedDict):
    status: str
    count: int


class ScoreBand(TypedDict):
    band: str
    matches: int


@dataclass
class Upcoming:
    id: int
    href: str
    name: str
    days: int
    date: str
    why: str
    color: str


@dataclass
class NextAction:
    label: str
    href: str


@dataclass
class Reminder:
    id: str
    title: str
    body: str
    link: str


ACTION_ROUTES = {
    "profile": routes.PROFILE,
    "matches": routes.MATCHES,
    "deadlines": routes.APPLICATIONS,
    "first_application": routes.MATCHES,
}


def _reminders(rows: list[dashboard.ReminderPublic]) -> list[Reminder]:
    return [Reminder(id=str(n.id), title=n.title, body=n.body, link=n.link) for n in rows]


class DashboardState(SessionState):
    matches: int = 0
    possible: int = 0
    bookmarked: int = 0
    applications: int = 0
    submitted: int = 0
    won: int = 0
    amount_won: str = "$0"
    balance: str = "0"
    completion: int = 0
    by_status: list[StatusCount] = []
    score_bands: list[ScoreBand] = []
    # Each chart's y axis: whole-number ticks from 0 to just past its tallest bar.
    status_ticks: list[int] = [0, 1]
    band_ticks: list[int] = [0, 1]
    upcoming: list[Upcoming] = []
    next_actions: list[NextAction] = []
    reminders: list[Reminder] = []
    calendar_token: str = ""

    @rx.event
    def load(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        d = dashboard.build(user_id=user_id, today=today())
        self.matches, self.possible = d.matches, d.possible
        self.bookmarked, self.applications = d.bookmarked, d.applications
        self.submitted, self.won, self.amount_won = d.submitted, d.won, f"${d.amount_won:,}"
        self.balance = credits.credits(d.balance_millicredits)
        self.completion = d.completion
        self.by_status = [StatusCount(status=b.status, count=b.count) for b in d.by_status]
        self.score_bands = [ScoreBand(band=b.band, matches=b.matches) for b in d.score_bands]
        self.status_ticks = axis_ticks(max((b.count for b in d.by_status), default=0))
        self.band_ticks = axis_ticks(max((b.matches for b in d.score_bands), default=0))
        self.upcoming = [
            Upcoming(
                id=u.id,
                href=routes.scholarship(u.id),
                name=u.name,
                days=u.days,
                date=u.due.strftime("%b %-d"),
                why=u.why,
                color="red" if u.days <= 7 else "amber" if u.days <= 21 else "gray",
            )
            for u in d.upcoming
        ]
        self.next_actions = [
            NextAction(label=a.label, href=ACTION_ROUTES[a.kind]) for a in d.next_actions
        ]
        self.reminders = _reminders(d.reminders)
        self.calendar_token = d.calendar_token
        return None

    @rx.event
    def dismiss_reminder(self, notification_id: str) -> None:
        user_id = self._user_id()
        if user_id is None or not notification_id.isdigit() or len(notification_id) > 12:
            return
        self.reminders = _reminders(
            dashboard.dismiss_reminder(user_id=user_id, notification_id=int(notification_id))
        )

    @rx.event
    def reset_calendar(self) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        self.calendar_token = dashboard.reset_calendar_link(user_id=user_id)


def _bar(
    data: Any, x: str, y: str, color: str, ticks: Any, *, slanted: bool = False
) -> rx.Component:
    # Room below a slanted axis for its longest label ("Under review" at -30 degrees).
    axis = {"angle": -30, "text_anchor": "end", "height": 72} if slanted else {}
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key=x, tick_line=False, font_size=11, interval=0, **axis),
        rx.recharts.y_axis(
            allow_decimals=False,
            ticks=ticks,
            domain=[0, ticks[ticks.length() - 1]],
            width=30,
            font_size=12,
        ),
        # Drawn at once: no growing bars (motion nobody asked for; a reader sees the figures).
        rx.recharts.bar(
            data_key=y, fill=rx.color(color, 9), radius=[4, 4, 0, 0], is_animation_active=False
        ),
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
                f"{DashboardState.possible} possible · {DashboardState.bookmarked} bookmarked",
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
                                    rx.text(a.label, size="2"),
                                    align="center",
                                ),
                                href=a.href,
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
                                rx.badge(u.date, color_scheme=u.color),
                                rx.link(
                                    rx.text(u.name, size="2"),
                                    href=u.href,
                                ),
                                rx.spacer(),
                                rx.text(
                                    u.days,
                                    "d · ",
                                    u.why,
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
                    _bar(
                        DashboardState.by_status,
                        "status",
                        "count",
                        "accent",
                        DashboardState.status_ticks,
                        slanted=True,
                    ),
                    width="100%",
                )
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Scores of all your cards", size="4", as_="h2"),
                    _bar(
                        DashboardState.score_bands,
                        "band",
                        "matches",
                        "green",
                        DashboardState.band_ticks,
                    ),
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
                                        rx.text(n.title, weight="medium", size="2"),
                                        href=n.link,
                                    ),
                                    rx.text(n.body, size="1", color=rx.color("gray", 11)),
                                    spacing="0",
                                    align="start",
                                ),
                                rx.spacer(),
                                rx.icon_button(
                                    rx.icon("check", size=14),
                                    size="1",
                                    variant="ghost",
                                    aria_label="Mark as read",
                                    on_click=DashboardState.dismiss_reminder(n.id),
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
