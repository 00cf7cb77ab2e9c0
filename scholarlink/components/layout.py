"""The page frame: navigation bar, content area and footer; responsive, light and dark."""

from __future__ import annotations

import reflex as rx

from scholarlink import routes

NAV_LINKS: tuple[tuple[str, str], ...] = (
    ("Scholarships", routes.SCHOLARSHIPS),
    ("Privacy", routes.PRIVACY),
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


def navbar() -> rx.Component:
    return rx.box(
        rx.hstack(
            brand(),
            rx.spacer(),
            rx.desktop_only(
                rx.hstack(*(nav_link(label, href) for label, href in NAV_LINKS), spacing="5")
            ),
            rx.mobile_and_tablet(
                rx.menu.root(
                    rx.menu.trigger(
                        rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Open menu")
                    ),
                    rx.menu.content(
                        *(rx.menu.item(rx.link(label, href=href)) for label, href in NAV_LINKS)
                    ),
                )
            ),
            color_mode_toggle(),
            align="center",
            spacing="4",
            max_width="72rem",
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
