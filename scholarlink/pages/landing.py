"""The landing page: what ScholarLink does, for whom."""

from __future__ import annotations

import reflex as rx

from scholarlink import routes
from scholarlink.components.layout import page

FEATURES: tuple[tuple[str, str, str], ...] = (
    (
        "badge-check",
        "Money you actually qualify for",
        "Every match is checked criterion by criterion — GPA, level, state, citizenship, major — "
        "and you see why. Scholarships you are not eligible for never show up as matches.",
    ),
    (
        "pen-line",
        "Help with the essays",
        "Analyse a draft against a rubric, check its spelling, accept or reject each suggested "
        "change, see which essay already fits which scholarship, and tailor it to the word "
        "limit. The offline assistant is free; credits pay for model calls only.",
    ),
    (
        "calendar-clock",
        "Never miss a deadline",
        "Track every application from draft to decision, with reminders 21, 7 and 1 days "
        "before each deadline and a calendar feed for your phone.",
    ),
    (
        "shield-check",
        "Your data stays yours",
        "Export everything or delete your account at any time. We never sell student data.",
    ),
)


def feature(icon: str, title: str, text: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=28, color=rx.color("accent", 10)),
            rx.heading(title, size="4", as_="h3"),
            rx.text(text, size="2", color=rx.color("gray", 11)),
            spacing="2",
            align="start",
        ),
        size="3",
    )


def landing() -> rx.Component:
    return page(
        rx.vstack(
            rx.badge("Real scholarships · explained matches · no data selling", size="2"),
            rx.heading(
                "Find scholarships you qualify for — and win them.",
                size=rx.breakpoints(initial="7", md="9"),
                as_="h1",
                text_align="center",
                max_width="48rem",
            ),
            rx.text(
                "ScholarLink matches your profile against a catalogue of real, well-known US "
                "scholarships, shows exactly which criteria you meet, helps you write the essays "
                "and keeps every deadline in sight.",
                size="4",
                text_align="center",
                color=rx.color("gray", 11),
                max_width="42rem",
            ),
            rx.hstack(
                rx.link(rx.button("Get started", size="3"), href=routes.SIGN_UP),
                rx.link(
                    rx.button("Browse scholarships", size="3", variant="outline"),
                    href=routes.SCHOLARSHIPS,
                ),
                rx.link(
                    rx.button("Pricing", size="3", variant="ghost"),
                    href=routes.PRICING,
                ),
                spacing="3",
                wrap="wrap",
                justify="center",
            ),
            spacing="5",
            align="center",
            padding_y="3rem",
        ),
        rx.grid(
            *(feature(*f) for f in FEATURES),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
    )


def not_found() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Page not found", size="8", as_="h1"),
            rx.text(
                "We could not find that page. It may have moved, or the link may be wrong.",
                color=rx.color("gray", 11),
            ),
            rx.link(rx.button("Back to the start"), href=routes.HOME),
            spacing="4",
            align="center",
            padding_y="4rem",
        )
    )
