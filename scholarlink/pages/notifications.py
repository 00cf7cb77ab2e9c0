"""The notification centre: new matches, watchlist openings and deadline reminders, with an
unread count in the navigation bar; and what the student wants by e-mail."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import reflex as rx
from reflex_base.event import EventSpec

from scholarlink.components.layout import page
from scholarlink.components.ui import empty_state, error_callout, field, page_header
from scholarlink.services import notify, reminders
from scholarlink.services.notify import NoticePublic
from scholarlink.state.session import SessionState

TIMEZONES = sorted(z for z in available_timezones() if "/" in z or z == "UTC")


class NotificationsState(SessionState):
    items: list[NoticePublic] = []
    new_matches: str = "weekly"
    deadline_mail: bool = True
    watchlist_mail: bool = True
    timezone: str = "UTC"
    error: str = ""
    saved: str = ""

    @rx.event
    def load(self) -> EventSpec | None:
        opened = self._page_opened()
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        if opened:  # a reconnect or a reload keeps the notice
            self.error = self.saved = ""
        self._fill(user_id)
        return None

    def _fill(self, user_id: int) -> None:
        centre = notify.notification_centre(user_id=user_id, limit=100)
        self.items, self.unread = centre.items, centre.unread
        prefs = centre.preferences
        self.new_matches, self.timezone = prefs.new_matches, prefs.timezone
        self.deadline_mail, self.watchlist_mail = prefs.deadline_mail, prefs.watchlist_mail

    @rx.event
    def mark_read(self, notification_id: int) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        reminders.mark_read(user_id=user_id, notification_id=notification_id)
        self._fill(user_id)
        return None

    @rx.event
    def mark_all_read(self) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        notify.mark_all_read(user_id=user_id)
        self._fill(user_id)
        return None

    @rx.event
    def set_new_matches(self, value: str) -> None:
        self.new_matches = str(value)[:20]

    @rx.event
    def set_timezone(self, value: str) -> None:
        self.timezone = str(value)[:64]

    @rx.event
    def save_preferences(self, form: dict[str, Any]) -> EventSpec | None:
        user_id = self._user_id()
        if user_id is None:
            return self._sign_in_redirect()
        self.error = self.saved = ""
        with self._showing_errors():
            notify.set_preferences(
                user_id=user_id,
                new_matches=self.new_matches,
                deadline_mail=form.get("deadline_mail") in ("on", True, "true"),
                watchlist_mail=form.get("watchlist_mail") in ("on", True, "true"),
                timezone=str(form.get("timezone") or ""),
            )
            self._fill(user_id)
            self.saved = "Settings saved."
        return None


def _notice(item: rx.Var[NoticePublic]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.cond(
                item.unread,
                rx.badge("Unread", color_scheme="blue", variant="solid"),
                rx.badge("Read", color_scheme="gray", variant="soft"),
            ),
            rx.badge(item.kind, variant="soft"),
            rx.spacer(),
            rx.text(item.when, size="1", color=rx.color("gray", 11)),
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.heading(item.title, size="3", as_="h2", margin_top="0.5rem"),
        rx.text(item.body, size="2", color=rx.color("gray", 11)),
        rx.hstack(
            rx.cond(
                item.link != "",
                rx.link("Open", href=item.link, size="2", text_decoration="underline"),
            ),
            rx.cond(
                item.unread,
                rx.button(
                    "Mark as read",
                    size="1",
                    variant="soft",
                    on_click=NotificationsState.mark_read(item.id),
                ),
            ),
            spacing="3",
            align="center",
            margin_top="0.5rem",
        ),
        width="100%",
    )


def _preferences() -> rx.Component:
    return rx.card(
        rx.heading("E-mail settings", size="4", as_="h2"),
        rx.text(
            "In-app notifications always appear here. Choose what also reaches your inbox; "
            "every e-mail has a one-click unsubscribe link.",
            size="2",
            color=rx.color("gray", 11),
        ),
        error_callout(NotificationsState.error),
        rx.form(
            rx.vstack(
                rx.el.fieldset(
                    rx.el.legend(rx.text("New matches by e-mail", size="2", weight="medium")),
                    rx.radio_group.root(
                        rx.vstack(
                            rx.radio_group.item("At once", value="immediate"),
                            rx.radio_group.item("Weekly digest", value="weekly"),
                            rx.radio_group.item("Never", value="off"),
                            spacing="1",
                        ),
                        value=NotificationsState.new_matches,
                        on_change=NotificationsState.set_new_matches,
                        name="new_matches",
                    ),
                    border="none",
                    padding="0",
                    margin="0",
                ),
                rx.checkbox(
                    "Deadline reminders (21, 7 and 1 days before)",
                    name="deadline_mail",
                    default_checked=NotificationsState.deadline_mail,
                    size="3",
                ),
                rx.checkbox(
                    "Watchlist: when a cycle opens, and its deadlines",
                    name="watchlist_mail",
                    default_checked=NotificationsState.watchlist_mail,
                    size="3",
                ),
                field(
                    "Your time zone (for what “today” means in reminders)",
                    rx.el.select(
                        *[rx.el.option(z, value=z) for z in TIMEZONES],
                        name="timezone",
                        id="timezone",
                        value=NotificationsState.timezone,
                        on_change=NotificationsState.set_timezone,
                        style={"padding": "0.4rem", "borderRadius": "6px", "maxWidth": "100%"},
                    ),
                    html_for="timezone",
                ),
                rx.hstack(
                    rx.button("Save settings", type="submit"),
                    rx.text(NotificationsState.saved, size="2", role="status", aria_live="polite"),
                    align="center",
                    spacing="3",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=NotificationsState.save_preferences,
            reset_on_submit=False,
            width="100%",
        ),
        width="100%",
    )


def notifications_page() -> rx.Component:
    return page(
        page_header(
            "Notifications",
            "New matches, watchlist openings and deadline reminders.",
            rx.button(
                "Mark all as read",
                variant="soft",
                on_click=NotificationsState.mark_all_read,
                disabled=NotificationsState.unread == 0,
            ),
        ),
        rx.grid(
            rx.vstack(
                rx.cond(
                    NotificationsState.items.length() > 0,
                    rx.vstack(
                        rx.foreach(NotificationsState.items, _notice), spacing="3", width="100%"
                    ),
                    empty_state(
                        "bell",
                        "Nothing yet",
                        "When new scholarships match you, a watched cycle opens or a deadline "
                        "comes close, it appears here.",
                    ),
                ),
                width="100%",
            ),
            _preferences(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
    )
