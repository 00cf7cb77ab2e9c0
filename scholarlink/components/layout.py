"""The page frame: navigation bar, content area and footer; responsive, light and dark."""

from __future__ import annotations

import reflex as rx

from scholarlink import routes
from scholarlink.state.session import SessionState

PUBLIC_LINKS: tuple[tuple[str, str], ...] = (
    ("Scholarships", routes.SCHOLARSHIPS),
    ("Pricing", routes.PRICING),
)
STUDENT_LINKS: tuple[tuple[str, str], ...] = (
    ("Dashboard", routes.DASHBOARD),
    ("Matches", routes.MATCHES),
    ("Scholarships", routes.SCHOLARSHIPS),
    ("Applications", routes.APPLICATIONS),
    ("Essays", routes.ESSAYS),
    ("Documents", routes.DOCUMENTS),
    ("Profile", routes.PROFILE),
    ("Credits", routes.CREDITS),
)


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("graduation-cap", size=26, color=rx.color("accent", 10)),
            rx.text("ScholarLink", size="5", weight="bold"),
            align="center",
            spacing="2",
        ),
        href=routes.HOME,
        underline="none",
        color=rx.color("gray", 12),
        aria_label="ScholarLink home",
    )


def color_mode_toggle() -> rx.Component:
    return rx.color_mode.button(aria_label="Switch between light and dark", variant="ghost")


def nav_link(label: str, href: str) -> rx.Component:
    return rx.link(label, href=href, size="3", weight="medium", color=rx.color("gray", 11))


def notification_bell() -> rx.Component:
    """The link to the notification centre, with the unread count."""
    return rx.cond(
        SessionState.signed_in,
        rx.link(
            rx.hstack(
                rx.icon("bell", size=18),
                rx.cond(
                    SessionState.unread > 0,
                    rx.badge(
                        SessionState.unread, color_scheme="red", variant="solid", radius="full"
                    ),
                ),
                spacing="1",
                align="center",
            ),
            href=routes.NOTIFICATIONS,
            color=rx.color("gray", 11),
            aria_label=rx.cond(
                SessionState.unread > 0,
                SessionState.unread.to_string() + " unread notifications",
                "Notifications",
            ),
            id="notification-bell",
        ),
    )


def _account_menu() -> rx.Component:
    return rx.cond(
        SessionState.signed_in,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("circle-user", size=16),
                    SessionState.user_name,
                    variant="soft",
                    size="2",
                    # The visible name first (WCAG 2.5.3), then what the button opens.
                    aria_label=SessionState.user_name + ", account menu",
                )
            ),
            rx.menu.content(
                rx.menu.item("Profile", on_click=rx.redirect(routes.PROFILE)),
                rx.menu.item("Credits", on_click=rx.redirect(routes.CREDITS)),
                rx.menu.item("Recommendation letters", on_click=rx.redirect(routes.LETTERS)),
                rx.menu.item("Sharing", on_click=rx.redirect(routes.SHARING)),
                rx.menu.item("Students you follow", on_click=rx.redirect(routes.SHARED)),
                rx.menu.item(
                    "Your school or foundation", on_click=rx.redirect(routes.ORGANISATION_JOIN)
                ),
                rx.menu.item("Counsellor: organisation", on_click=rx.redirect(routes.ORGANISATION)),
                rx.menu.item("Privacy & data", on_click=rx.redirect(routes.PRIVACY)),
                rx.menu.separator(),
                rx.menu.item("Sign out", on_click=SessionState.sign_out),
                rx.menu.item(
                    "Sign out everywhere", on_click=SessionState.sign_out_everywhere, color="red"
                ),
            ),
        ),
        rx.hstack(
            rx.link(rx.button("Sign in", variant="ghost", size="2"), href=routes.SIGN_IN),
            rx.link(rx.button("Get started", size="2"), href=routes.SIGN_UP),
            spacing="2",
            # A ghost button carries negative margins (Radix aligns its text with the text around
            # it); centred, both buttons share one middle line instead of "Sign in" sitting high.
            align="center",
        ),
    )


def _links(links: tuple[tuple[str, str], ...]) -> rx.Component:
    return rx.hstack(*(nav_link(label, href) for label, href in links), spacing="4")


def navbar() -> rx.Component:
    return rx.box(
        rx.hstack(
            brand(),
            rx.spacer(),
            rx.desktop_only(
                rx.cond(SessionState.signed_in, _links(STUDENT_LINKS), _links(PUBLIC_LINKS))
            ),
            rx.mobile_and_tablet(
                rx.menu.root(
                    rx.menu.trigger(
                        rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Open menu")
                    ),
                    rx.cond(
                        SessionState.signed_in,
                        rx.menu.content(
                            *(
                                rx.menu.item(label, on_click=rx.redirect(href))
                                for label, href in STUDENT_LINKS
                            ),
                            rx.menu.item(
                                "Notifications", on_click=rx.redirect(routes.NOTIFICATIONS)
                            ),
                            rx.menu.item("Letters", on_click=rx.redirect(routes.LETTERS)),
                            rx.menu.item("Sharing", on_click=rx.redirect(routes.SHARING)),
                            rx.menu.separator(),
                            rx.menu.item("Sign out", on_click=SessionState.sign_out),
                        ),
                        rx.menu.content(
                            *(
                                rx.menu.item(label, on_click=rx.redirect(href))
                                for label, href in PUBLIC_LINKS
                            ),
                            rx.menu.item("Sign in", on_click=rx.redirect(routes.SIGN_IN)),
                            rx.menu.item("Create an account", on_click=rx.redirect(routes.SIGN_UP)),
                        ),
                    ),
                )
            ),
            notification_bell(),
            rx.desktop_only(_account_menu()),
            color_mode_toggle(),
            align="center",
            spacing="4",
            max_width="80rem",
            margin="0 auto",
            padding_x="1.25rem",
            padding_y="0.75rem",
        ),
        as_="header",
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
    )


def footer() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(
                "© ScholarLink — your data is never sold.", size="2", color=rx.color("gray", 11)
            ),
            rx.spacer(),
            rx.link("Privacy", href=routes.PRIVACY, size="2"),
            max_width="72rem",
            margin="0 auto",
            padding="1.25rem",
            align="center",
        ),
        as_="footer",
        border_top=f"1px solid {rx.color('gray', 4)}",
        width="100%",
    )


def page(*children: rx.Component, max_width: str = "72rem") -> rx.Component:
    return rx.flex(
        navbar(),
        rx.box(
            *children,
            as_="main",
            width="100%",
            max_width=max_width,
            margin="0 auto",
            padding_x="1.25rem",
            padding_y="2rem",
            flex="1",
        ),
        footer(),
        direction="column",
        min_height="100vh",
    )
